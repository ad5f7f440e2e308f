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
    """Whether ``element`` is a scalar (a 0-d active value is one, as a 0-d JAX array is for jnp)."""
    return _np.ndim(_p.primal(element)) == 0 if isinstance(element, _p.Box) else bool(_np.isscalar(element))


__all__ = ["isin", "intersect1d", "union1d", "setdiff1d", "setxor1d", "array_equal", "array_equiv", "iscomplex",
           "isreal", "tril_indices_from", "triu_indices_from", "diag_indices_from", "lexsort", "unravel_index",
           "ravel_multi_index", "indices", "ix_", "iscomplexobj", "isrealobj", "isscalar"]
