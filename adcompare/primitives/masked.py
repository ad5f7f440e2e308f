"""NumPy masked arrays: refused as operands, by name, on every engine.

Contract: NumPy's arithmetic on a ``np.ma.MaskedArray`` applies its mask; JAX's does not (``jnp.asarray`` keeps the
data) and neither do the rules, so a masked operand would give an answer that is neither NumPy's nor JAX's.
:func:`refusal` is the one error for it: a primitive's call raises it (:mod:`.core`), a box raises it where NumPy's
masked arithmetic asks the box for its array (``M * x`` with ``M`` masked), and SCT's generated arithmetic
(:mod:`adcompare.engines.sct.emit.runtime`) where one operand is masked. A differentiated masked input is refused
earlier (:func:`adcompare.trees.check_leaves`).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

MASKED = np.ma.MaskedArray


def refusal(name: str) -> TypeError:
    """The error for a masked operand of ``name`` (a primitive's or an operator's name)."""
    return TypeError(f"{name}: a NumPy masked array operand, whose mask would not be applied as NumPy applies it: "
                     "pass its data, and its mask as a boolean array (anp.where)")


def check(name: str, x: Any, y: Any) -> None:
    """Refuses ``x <op> y`` where either is a masked array."""
    if isinstance(x, MASKED) or isinstance(y, MASKED):
        raise refusal(name)


def refuse_a_request() -> None:
    """Refuses a box's ``__array__`` (its caller) called by NumPy's masked-array code (``getdata`` of an operand of
    ``M * x``, whose ``M.__mul__`` does not defer to the box's ``__rmul__``)."""
    frame = sys._getframe(2)
    if frame is not None and str(frame.f_globals.get("__name__", "")).startswith("numpy.ma"):
        raise refusal("NumPy arithmetic with a masked array")
