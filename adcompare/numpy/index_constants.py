"""Constants about indices, sets and arrays, as ``jax.numpy``'s: computed on primal values with the
operands' own namespace (NumPy's, or JAX's on JAX arrays and tracers) and never differentiated. JAX's
derivative of the set operations' values (``intersect1d``, ``union1d``, ``setdiff1d``, ``setxor1d``) is zero
too, as ``unique``'s is.
"""

from __future__ import annotations

import numpy as _np

from adcompare import primitives as _p
from adcompare.numpy.elementwise import _constant

isin = _constant("isin")
intersect1d = _constant("intersect1d")
union1d = _constant("union1d")
setdiff1d = _constant("setdiff1d")
setxor1d = _constant("setxor1d")
array_equal = _constant("array_equal")
array_equiv = _constant("array_equiv")
iscomplex = _constant("iscomplex")
isreal = _constant("isreal")
tril_indices_from = _constant("tril_indices_from")
triu_indices_from = _constant("triu_indices_from")
diag_indices_from = _constant("diag_indices_from")
triu_indices, tril_indices, diag_indices = _np.triu_indices, _np.tril_indices, _np.diag_indices  # of sizes only


def lexsort(keys, axis=-1):
    """The stable sort by the last key, then the one before, ...: integers (a constant)."""
    raw = [_p.primal(_p.pack(k)) for k in keys]
    return _p.namespace(tuple(raw)).lexsort(raw, axis=axis)


def unravel_index(indices, shape):
    return _np.unravel_index(_p.primal(indices), shape)


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    return _np.ravel_multi_index(tuple(_p.primal(i) for i in multi_index), dims, mode=mode, order=order)


def indices(dimensions, dtype=int, sparse=False):
    return _np.indices(dimensions, dtype=dtype, sparse=sparse)


def ix_(*args):
    return _np.ix_(*(_p.primal(a) for a in args))


def iscomplexobj(x):
    return _np.iscomplexobj(_p.primal(x))


def isrealobj(x):
    return not iscomplexobj(x)


def isscalar(element):
    """Whether ``element`` is a scalar: NumPy's, or a 0-d array (an active one too), as jnp's."""
    if hasattr(element, "ndim"):
        return _np.ndim(_p.primal(element)) == 0
    return _np.isscalar(element)


def iterable(y):
    return _np.iterable(_p.primal(y))


def mask_indices(n, mask_func, k=0, *, size=None):
    if size is not None:
        raise NotImplementedError("mask_indices: size= is not supported here (the indices' count is known)")
    return _np.mask_indices(n, mask_func, k)


# Integer (bitwise, divisor) operations, and the unique-set family of the array API: constants
bitwise_and, bitwise_or, bitwise_xor = _constant("bitwise_and"), _constant("bitwise_or"), _constant("bitwise_xor")
bitwise_not, bitwise_invert, invert = _constant("bitwise_not"), _constant("bitwise_invert"), _constant("invert")
bitwise_left_shift, bitwise_right_shift = _constant("bitwise_left_shift"), _constant("bitwise_right_shift")
left_shift, right_shift, bitwise_count = _constant("left_shift"), _constant("right_shift"), _constant("bitwise_count")
gcd, lcm = _constant("gcd"), _constant("lcm")
packbits, unpackbits = _constant("packbits"), _constant("unpackbits")
unique_values, unique_counts = _constant("unique_values"), _constant("unique_counts")
unique_inverse, unique_all = _constant("unique_inverse"), _constant("unique_all")

# NumPy's dtypes and dtype utilities (as ``constants``' float64, ...): they read no array's values
uint8, uint16, uint32, uint64, uint = _np.uint8, _np.uint16, _np.uint32, _np.uint64, _np.uint
complex64, complex128, csingle, cdouble = _np.complex64, _np.complex128, _np.csingle, _np.cdouble
single, double, int_, bool = _np.single, _np.double, _np.int_, _np.bool_  # noqa: A001 (NumPy's name)
number, floating, integer, inexact, complexfloating = (_np.number, _np.floating, _np.integer, _np.inexact,
                                                       _np.complexfloating)
signedinteger, unsignedinteger, generic = _np.signedinteger, _np.unsignedinteger, _np.generic
finfo, iinfo, issubdtype, isdtype, dtype = _np.finfo, _np.iinfo, _np.issubdtype, _np.isdtype, _np.dtype
promote_types, can_cast, broadcast_shapes = _np.promote_types, _np.can_cast, _np.broadcast_shapes


__all__ = ["isin", "intersect1d", "union1d", "setdiff1d", "setxor1d", "array_equal", "array_equiv", "iscomplex",
           "isreal", "tril_indices_from", "triu_indices_from", "diag_indices_from", "triu_indices", "tril_indices",
           "diag_indices", "lexsort", "unravel_index",
           "ravel_multi_index", "indices", "ix_", "iscomplexobj", "isrealobj", "isscalar", "iterable", "mask_indices",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_invert", "invert", "bitwise_left_shift",
           "bitwise_right_shift", "left_shift", "right_shift", "bitwise_count", "gcd", "lcm", "unique_values",
           "unique_counts", "unique_inverse", "unique_all", "uint8", "uint16", "uint32", "uint64", "uint", "complex64",
           "complex128", "csingle", "cdouble", "single", "double", "int_", "bool", "number", "floating", "integer",
           "inexact", "complexfloating", "signedinteger", "unsignedinteger", "generic", "finfo", "iinfo", "issubdtype",
           "isdtype", "dtype", "promote_types", "can_cast", "broadcast_shapes", "packbits", "unpackbits"]
# (the functions, for SCT's vocabulary of constants; the dtype classes stay what they are, as float64's)
FUNCTIONS = [f for f in (globals()[n] for n in __all__) if not isinstance(f, type)]
