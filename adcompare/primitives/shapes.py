"""Shape, assembly and indexing primitives (``stack`` is in :mod:`.core`: packing uses it), and
constant arrays on a value's backend (:func:`constant_like`)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from adcompare.concrete import a_type
from adcompare.primitives.core import Primitive, namespace, primal, result_dtype
from adcompare.primitives.promotion import promoted

# what an axis, a length or a count may be: a Python int or NumPy's (np.argmax's, a NumPy shape's arithmetic), as
# NumPy and JAX take them; ``isinstance(axis, int)`` alone sent an np.int64 axis down the tuple path
INTEGERS = (int, np.integer)


def float_dtype(dtype: Any) -> bool:
    """Whether ``dtype`` is differentiable (float or complex), by JAX's test: NumPy's says no to
    ``bfloat16`` (an ml_dtypes type), a float on the JAX backend."""
    return jax.dtypes.issubdtype(dtype, np.inexact)


def is_float(x: Any) -> bool:
    return float_dtype(result_dtype(x))


def is_complex(x: Any) -> bool:
    return jax.dtypes.issubdtype(result_dtype(x), np.complexfloating)


def constant_like(x: Any, fill: float, shape_: tuple | None = None) -> Any:
    """A constant array (never boxed) on ``x``'s backend and dtype."""
    value = primal(x)  # (a new name: SCT, transforming a rule again, takes a name's activity for the whole function)
    shape_ = np.shape(value) if shape_ is None else shape_
    if type(value) is float and shape_ == ():
        return float(fill)  # keeps Python-float programs on the scalar fast path
    xp = namespace((value,))
    dtype = result_dtype(value) if is_float(value) else np.float64
    return xp.full(shape_, fill, dtype=dtype)



def _index_add(xp, g, idx, shape):
    """Zeros of ``shape`` with ``g`` added at ``idx``: the transpose of getitem."""
    if xp is not jnp:
        return index_add_numpy(g, idx, shape)
    dtype = g.dtype if type(g) is np.ndarray or type(g) is np.float64 else result_dtype(g)
    if isinstance(g, jax.core.Tracer):  # traced (jit, scan): JAX's own transpose (pad, not scatter-add)
        zeros = jax.ShapeDtypeStruct(tuple(shape), dtype)
        return jax.linear_transpose(lambda x: x[idx], zeros)(jnp.asarray(g, dtype))[0]
    return jnp.zeros(shape, dtype).at[idx].add(g)


def index_add_numpy(g, idx, shape) -> np.ndarray:
    """``index_add`` of a NumPy value ``g`` (an array or a number, no boxes): new zeros, ``g`` added at ``idx``.

    Which kind of index ``idx`` is, is read from what the zeros give for it, not by walking it: a view
    of them (basic indexing: integers and slices name each position once) or one element (a NumPy
    scalar) takes ``g`` by assignment, the sum into zeros; anything else (integer or boolean arrays,
    which may repeat a position) goes through the slower ``np.add.at``, which adds each repeat."""
    tg = type(g)
    if tg is float or tg is _F64:  # float64 numbers: NumPy's default dtype (``result_dtype`` is ~0.5 us)
        out = np.zeros(shape, _F64_DTYPE)
    else:
        out = np.zeros(shape, g.dtype if tg is _ND else result_dtype(g))
    view = out[idx]
    if type(view) is not _ND:
        out[idx] = g  # one element
    elif view.base is out:
        view[...] = g
    else:
        np.add.at(out, idx, g)
    return out


def index_add_into(g, idx, out: np.ndarray) -> np.ndarray:
    """``out + index_add(g, idx, out.shape)``, written into ``out`` (a NumPy array the caller owns,
    of the result's dtype) and returned: the in-place form of ``index_add`` for accumulating."""
    if not _basic(idx):
        np.add.at(out, idx, g)
    elif type(g) is np.ndarray:
        view = out[idx]  # basic indexing: a view of ``out`` (or one element, a NumPy scalar)
        if type(view) is np.ndarray and g.shape == view.shape:
            view += g  # into the view, in place (``out[idx] += g`` would write it back onto itself)
        else:
            out[idx] += g
    else:
        out[idx] += g  # a number: one element, or added over a region
    return out


def _basic(idx) -> bool:
    if type(idx) is not tuple:
        return type(idx) in _BASIC_PARTS
    for part in idx:
        if type(part) not in _BASIC_PARTS:
            return False
    return True


_ND, _F64, _F64_DTYPE = np.ndarray, np.float64, np.dtype(np.float64)


_BASIC_PARTS = frozenset({int, slice, type(None), type(Ellipsis)})  # each names its positions once


def _index_update(xp, x, v, idx):
    """A copy of ``x`` with ``x[idx]`` replaced by ``v`` (broadcast), as JAX's ``x.at[idx].set(v)``."""
    if isinstance(x, (list, tuple, dict)):
        raise TypeError(f"index_update: writing by index into {a_type(x)}; only arrays are "
                        "updated functionally (make it an array, e.g. with anp.zeros, or build a new "
                        "list (with append) or dict)")
    if xp is jnp:
        return jnp.asarray(x).at[idx].set(v)
    out = xp.array(x, copy=True)
    out[idx] = v
    return out


transpose_p = Primitive("transpose", lambda xp, x, axes=None: xp.transpose(x, axes))
reshape_p = Primitive("reshape", lambda xp, x, shape: xp.reshape(x, shape))
broadcast_to_p = Primitive("broadcast_to", lambda xp, x, shape: xp.broadcast_to(x, shape))
concatenate_p = Primitive("concatenate", lambda xp, *xs, axis=0: xp.concatenate(promoted(xs) if xp is np else xs,
                                                                                axis=axis))
getitem_p = Primitive("getitem", lambda xp, x, idx: x[idx])
# NumPy's diagonal is a read-only view of its operand (a primitive of its own so that it can be one)
diagonal_p = Primitive("diagonal", lambda xp, x, offset=0, axis1=0, axis2=1:
                       xp.diagonal(x, offset=offset, axis1=axis1, axis2=axis2))
index_add_p = Primitive("index_add", _index_add)
astype_p = Primitive("astype", lambda xp, x, dtype: xp.asarray(x).astype(dtype))
# ``anp.asarray``/``anp.array`` of a value (SCT binds it for them; lists are packed by ``stack`` first)
asarray_p = Primitive("asarray", lambda xp, x, dtype=None: xp.asarray(x, dtype=dtype))

# Functional index update: ``y[idx] = v`` on an active value, ``el.index_update``.
index_update_p = Primitive("index_update", _index_update)
