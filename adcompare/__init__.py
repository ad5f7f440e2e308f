"""adcompare: three small automatic-differentiation engines, side by side.

    import adcompare as ad
    import adcompare.numpy as anp

    eng = ad.engine("overloading")
    eng.grad(lambda x: anp.sin(x) * x)(1.0)

``ad.ENGINES`` lists the engines. All of them take their derivative math from
the one rule table in :mod:`adcompare.rules`, and JAX is the oracle they are
tested against. ``ad.custom_vjp``, ``ad.custom_jvp`` and ``ad.checkpoint``
(:mod:`adcompare.custom`, :mod:`adcompare.checkpoint`) make user functions into primitives with their own
rules, as their JAX namesakes do; ``ad.checkpointed_range`` marks a loop whose
state the SCT engine keeps only every √n iterations. An active value never
silently becomes a constant: ``float(x)``, ``np.asarray(x)`` and the like raise
``ad.ConcretizationTypeError`` naming the user's line (:mod:`adcompare.concrete`).
"""

from __future__ import annotations

from adcompare import rules as _rules  # noqa: F401  (fills the rule table)
from adcompare.checkpoint import checkpoint, checkpointed_range
from adcompare.concrete import ConcretizationTypeError
from adcompare.custom import custom_jvp, custom_vjp
from adcompare.engine import Engine
from adcompare.engines.sct.errors import SCTError
from adcompare.primitives import PRIMITIVES

_ENGINE_CLASSES = {
    "elemental": "adcompare.engines.elemental:ElementalEngine",
    "overloading": "adcompare.engines.overloading:OverloadingEngine",
    "sct": "adcompare.engines.sct:SCTEngine",
}
ENGINES: tuple[str, ...] = tuple(_ENGINE_CLASSES)


def engine(name: str, **options) -> Engine:
    """The engine called ``name`` (one of :data:`ENGINES`), made with its class's ``options``
    (e.g. ``engine("sct", higher="sct")``)."""
    import importlib

    if name not in _ENGINE_CLASSES:
        raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    module, cls = _ENGINE_CLASSES[name].split(":")
    return getattr(importlib.import_module(module), cls)(**options)


__all__ = ["ENGINES", "ConcretizationTypeError", "Engine", "PRIMITIVES", "SCTError", "checkpoint",
           "checkpointed_range", "custom_jvp", "custom_vjp", "engine"]
