"""JAX's dtype promotion for operands on NumPy, where NumPy's differs (jax_enable_x64 on).

Contract: :func:`promoted` gives an elementwise primitive's NumPy operands cast so that NumPy's own
promotion of them is JAX's; JAX's arrays (and a peer's) are returned as they are. NumPy and JAX agree
on integers with integers, floats with floats and Python numbers (NEP 50's weak scalars are JAX's weak
types); they differ in two places, both fixed here by a cast before the operation, as JAX casts:

* an integer (or bool) array with a float array is that float in JAX (int64 with float32 is float32;
  NumPy widens it to float64, and int32 with float16 to float64);
* an operation that makes a float of integers (``sin``, ``divide``, ``arctan2``) computes in JAX's
  ``to_inexact_dtype`` of them: float32 for bool and integers of up to 32 bits, float64 for 64 bits
  (NumPy's float16 for int8, float64 for int32).

Float64 operands, the common case, pass with one look at each operand.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_F64 = np.dtype(np.float64)
_EXACT = "biu"
# jax._src.dtypes._dtype_to_inexact (jax_enable_x64 on)
INEXACT = {np.dtype(k): np.dtype(v) for k, v in [
    ("bool", "float32"), ("int8", "float32"), ("uint8", "float32"), ("int16", "float32"),
    ("uint16", "float32"), ("int32", "float32"), ("uint32", "float32"), ("int64", "float64"),
    ("uint64", "float64")]}


def promoted(args: tuple, inexact: bool = False) -> tuple:
    """``args`` (NumPy arrays, NumPy scalars, Python numbers) cast so that NumPy computes in JAX's dtype.

    Args:
        args: the operands of one elementwise operation.
        inexact: the operation makes a float of integers (``divide``, ``sin``), as JAX's
            ``promote_dtypes_inexact`` does.

    Returns:
        ``args``, itself where nothing needs a cast.
    """
    for a in args:
        if getattr(a, "dtype", _F64) is not _F64:  # Python numbers and float64: nothing to cast
            break
    else:
        return args
    floats = exact = None
    for a in args:
        d = getattr(a, "dtype", None)
        if d is None or d is _F64 or type(a) in (float, int, bool):
            continue
        if not isinstance(d, np.dtype) or not isinstance(a, (np.ndarray, np.generic)):
            return args  # a JAX array or a peer's: its own backend promotes
        if d.kind == "f":
            floats = d if floats is None else np.promote_types(floats, d)
        elif d.kind in _EXACT:
            exact = True
    if exact is None:
        return args
    if floats is not None:  # integers with a float: that float, as JAX's lattice
        return tuple(_cast(a, floats) for a in args)
    if not inexact:
        return args
    target = INEXACT.get(np.result_type(*args))
    return args if target is None else tuple(_cast(a, target) for a in args)


def _cast(a: Any, dtype: np.dtype) -> Any:
    d = getattr(a, "dtype", None)
    if d is None or type(a) in (float, int, bool) or d.kind not in _EXACT:
        return a
    return a.astype(dtype)


def inexact(x: Any) -> Any:
    """``x`` (one operand) as JAX's float of it on NumPy: float32 for an int32 array, unchanged if float."""
    return promoted((x,), True)[0]


def inexact_dtype(*xs: Any) -> np.dtype | None:
    """JAX's float for operands whose promoted dtype is an integer's (float32 for int32), else None; arrays
    (JAX's too) by their dtypes, Python numbers weak."""
    return INEXACT.get(np.result_type(*(getattr(x, "dtype", x) for x in xs)))
