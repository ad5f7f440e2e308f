"""NumPy's conversions and queries that ``jax.numpy`` lacks, as NumPy gives them.

``asanyarray``, ``ascontiguousarray``, ``asfortranarray``, ``require``, ``asarray_chkfinite`` and ``real_if_close``
are :func:`asarray` (the same value, so the same derivative: memory order and subclasses mean nothing for values that
are never written through a second layout); ``ascontiguousarray`` and ``asfortranarray`` give a 0-d value one axis,
as NumPy's, ``require`` checks its requirements' names as NumPy does (and copies for ``'O'``), ``asarray_chkfinite``
raises NumPy's error where a primal entry is inf or nan, and ``real_if_close`` gives a complex array's real part where
every imaginary part is within ``tol`` machine epsilons of zero (a real array as it is). ``row_stack`` is
:func:`vstack` (NumPy deprecates the name). The queries (``shares_memory``, ``may_share_memory``, ``isfortran``,
``common_type``, ``min_scalar_type``, ``mintypecode``) are NumPy's answers for the values' primal arrays: constants.
"""

from __future__ import annotations

import numpy as _np

from adcompare import primitives as _p
from adcompare.concrete import user_location
from adcompare.numpy.assembly import vstack
from adcompare.numpy.editing import copy
from adcompare.numpy.shapes import asarray, ndim, reshape


def asanyarray(a, dtype=None, order=None, *, like=None):
    return asarray(a, dtype)


def _at_least_1d(a, dtype):
    a = asarray(a, dtype)
    return reshape(a, (1,)) if ndim(a) == 0 else a


def ascontiguousarray(a, dtype=None, *, like=None):
    """``a`` as an array of at least one axis (a 0-d value gets one, as NumPy's): ``a`` itself where its NumPy
    value is C-contiguous, else a new array, as NumPy's (a write into it then leaves ``a`` alone)."""
    out = _at_least_1d(a, dtype)
    return out if _in_order(_p.primal(out), "C_CONTIGUOUS") else copy(out)


def asfortranarray(a, dtype=None, *, like=None):
    """As :func:`ascontiguousarray`, for Fortran order (the new array's memory order is NumPy's own)."""
    out = _at_least_1d(a, dtype)
    return out if _in_order(_p.primal(out), "F_CONTIGUOUS") else copy(out)


def _in_order(v, flag: str) -> bool:
    """Is ``v`` in that memory order: a NumPy array's flag, else (a JAX array has no layout) that of a C-ordered
    NumPy array of its shape (a stand-in of one byte an element, never read)."""
    if not isinstance(v, _np.ndarray):
        v = _np.empty(_np.shape(v), _np.uint8)
    return bool(v.flags[flag])


_REQUIREMENTS = {"C": "C", "C_CONTIGUOUS": "C", "CONTIGUOUS": "C", "F": "F", "F_CONTIGUOUS": "F",
                 "FORTRAN": "F", "A": "A", "ALIGNED": "A", "W": "W", "WRITEABLE": "W", "O": "O",
                 "OWNDATA": "O", "E": "E", "ENSUREARRAY": "E"}


def require(a, dtype=None, requirements=None, *, like=None):
    """``a`` as an array of ``dtype``; ``requirements`` are NumPy's names (an unknown one raises NumPy's KeyError),
    and ``'O'`` (own data) gives a new value, so that writing into it leaves ``a`` alone."""
    names = [] if requirements is None else [requirements] if isinstance(requirements, str) else requirements
    flags = ""  # (a loop, not a set comprehension: SCT reads this code too)
    for r in names:
        flags = flags + _REQUIREMENTS[str(r).upper()]
    if "C" in flags and "F" in flags:
        raise ValueError(f"require: the requirements C and F (at {user_location()}) cannot both hold, as NumPy says")
    out = asarray(a, dtype)
    return copy(out) if "O" in flags and out is a else out


def asarray_chkfinite(a, dtype=None, order=None):
    """``a`` as an array; NumPy's ``ValueError`` where an entry of its primal value is inf or nan."""
    out = asarray(a, dtype)
    value = _p.primal(out)
    if _p.result_dtype(out).kind in "fc" and not bool(_p.namespace((value,)).isfinite(value).all()):
        raise ValueError(f"array must not contain infs or NaNs (asarray_chkfinite, at {user_location()})")
    return out


def real_if_close(a, tol=100):
    """``a``'s real part if ``a`` is complex and each imaginary part (of the primal) is within ``tol`` (in machine
    epsilons of its dtype if above 1, else absolute) of zero; otherwise ``a`` as it is, as NumPy's."""
    a = asarray(a)
    dtype = _p.result_dtype(a)
    if dtype.kind != "c":
        return a
    if tol > 1:
        tol = tol * _np.finfo(dtype).eps
    value = _p.primal(a)  # (a complex value is a constant: adcompare differentiates real arrays only)
    xp = _p.namespace((value,))
    return xp.real(value) if bool(xp.all(xp.abs(xp.imag(value)) < tol)) else a


def row_stack(tup, *, dtype=None, casting="same_kind"):
    """:func:`vstack` (NumPy's older name, deprecated there)."""
    out = vstack(tup)
    return out if dtype is None else asarray(out, dtype)


def _values(arrays) -> list:
    """The primal arrays of ``arrays`` as NumPy sees them (a JAX array as the NumPy array it converts to)."""
    return [_np.asarray(_p.primal(_p.pack(a))) for a in arrays]


def shares_memory(a, b, /, max_work=None):
    return bool(_np.shares_memory(*_values((a, b)), max_work=max_work))


def may_share_memory(a, b, /, max_work=None):
    return bool(_np.may_share_memory(*_values((a, b)), max_work=max_work))


def isfortran(a):
    return bool(_np.isfortran(*_values((a,))))


def _stand_in(a):
    """A one-entry array of ``a``'s dtype (what NumPy's dtype queries read of an array)."""
    return _np.zeros((), _p.result_dtype(_p.pack(a)))


def common_type(*arrays):
    """NumPy's scalar type (a float or complex type) common to the arrays' dtypes."""
    return _np.common_type(*(_stand_in(a) for a in arrays))


def min_scalar_type(a, /):
    """NumPy's smallest dtype that holds the primal value ``a`` (its dtype itself for an array of more than one
    entry)."""
    value = _p.primal(_p.pack(a))
    return _np.min_scalar_type(value if isinstance(value, (int, float, complex)) else _np.asarray(value))


def mintypecode(typechars, typeset="GDFgdf", default="d"):
    """NumPy's type character of the smallest type (of ``typeset``) that safely holds ``typechars``' types (arrays
    give their dtype's character)."""
    chars = [c if isinstance(c, str) else _p.result_dtype(_p.pack(c)).char for c in typechars]
    return _np.mintypecode(chars, typeset, default)


__all__ = ["asanyarray", "ascontiguousarray", "asfortranarray", "require", "asarray_chkfinite", "real_if_close",
           "row_stack", "shares_memory", "may_share_memory", "isfortran", "common_type", "min_scalar_type",
           "mintypecode"]
