"""NumPy masked arrays and matrices: refused as operands, by name, on every engine.

Contract: NumPy's arithmetic on a ``np.ma.MaskedArray`` applies its mask, and on a ``np.matrix`` reads ``*`` and
``**`` as matrix products and keeps reductions 2-D; JAX's does neither (``jnp.asarray`` keeps the data) and neither
do the rules, so such an operand would give an answer that is neither NumPy's nor JAX's (SCT's gradient of
``sum(m * m)`` for a matrix ``m`` was off, with NumPy's value). :func:`refusal` is the one error for them: a
primitive's call raises it (:mod:`.core`), a box raises it where NumPy's masked arithmetic asks the box for its
array (``M * x`` with ``M`` masked), and SCT's generated arithmetic (:mod:`adcompare.engines.sct.emit.runtime`)
where one operand is one. A differentiated input of either kind is refused earlier
(:func:`adcompare.trees.check_leaves`).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

MASKED = (np.ma.MaskedArray, np.matrix)


def refusal(name: str, operand: Any = None) -> TypeError:
    """The error for a masked (or, ``operand`` one, a matrix) operand of ``name`` (a primitive's or an operator's
    name)."""
    return TypeError(f"{name}: {kind(operand, ' operand')}: pass np.asarray of it ({hint(operand)})")


def kind(x: Any, what: str = "") -> str:
    if isinstance(x, np.matrix):
        return f"a NumPy matrix{what} (np.matrix), whose * and ** NumPy reads as matrix products and whose " \
               "reductions stay 2-D"
    return f"a NumPy masked array{what}, whose mask would not be applied as NumPy applies it"


def hint(x: Any) -> str:
    return "and write @ for its products" if isinstance(x, np.matrix) else "its data, and its mask as a boolean " \
        "array for anp.where"


def check(name: str, x: Any, y: Any) -> None:
    """Refuses ``x <op> y`` where either is a masked array or a matrix."""
    if isinstance(x, MASKED) or isinstance(y, MASKED):
        raise refusal(name, x if isinstance(x, MASKED) else y)


def refuse_a_request() -> None:
    """Refuses a box's ``__array__`` (its caller) called by NumPy's masked-array code (``getdata`` of an operand of
    ``M * x``, whose ``M.__mul__`` does not defer to the box's ``__rmul__``)."""
    frame = sys._getframe(2)
    if frame is not None and str(frame.f_globals.get("__name__", "")).startswith("numpy.ma"):
        raise refusal("NumPy arithmetic with a masked array")
