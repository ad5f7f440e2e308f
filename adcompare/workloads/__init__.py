"""The problem zoo shared by tests and experiments.

Each :class:`Workload` holds a natural-form function (Python operators and
``adcompare.numpy``), an optional elemental form, and a seeded input generator
for each named size (``tiny`` for tests, ``small``/``medium``/``large`` for
experiments). ``ad.workloads.get(name)`` returns one; ``names()`` lists them.

A sequence workload may also have checkpointed forms: ``get("lstm@sqrt")``
returns ``lstm`` with its loop cut into ``ad.checkpoint`` segments of √n steps
(``@step``: one step each; ``@16``: 16 steps each). These variants are not in
``names()``.
"""

from __future__ import annotations

from adcompare.workloads.registry import (  # noqa: F401  (the public names)
    _REGISTRY,
    SIZES,
    Workload,
    checkpointed,
    register,
    register_checkpointed,
    segment_length,
)


def get(name: str) -> Workload:
    """The workload called ``name``; ``"lstm@sqrt"`` is a checkpointed form (see :func:`checkpointed`)."""
    _load()
    base, _, schedule = name.partition("@")
    if base not in _REGISTRY:
        raise ValueError(f"unknown workload {name!r}; choose one of {', '.join(names())}")
    return checkpointed(_REGISTRY[base], schedule) if schedule else _REGISTRY[base]


def names() -> list[str]:
    _load()
    return list(_REGISTRY)


def _load() -> None:
    from adcompare.workloads import (  # noqa: F401  (importing a module registers it)
        basic,
        chain,
        control,
        det,
        gmm,
        gp,
        helmholtz,
        llsq,
        lse,
        lstm,
        mlp,
        ode,
    )
