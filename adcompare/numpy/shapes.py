"""Shape and indexing; ``asarray``/``array`` pack nested lists (active values too).

Beyond the primitives (``transpose``, ``reshape``, ``broadcast_to``, ``getitem``, ``concatenate``, ``stack``,
``astype``) every name here is a composition of them: ``ravel`` and ``squeeze`` are reshapes, ``flip`` a getitem
with reversed slices, ``swapaxes`` a transpose, ``sort`` a gather by the argsort permutation (a constant), and so
on, so each derivative is exactly that of its parts. The index and axis arithmetic happens in private helpers that
see shapes only, never a value (this is also what lets SCT transform these functions like user code). Assembly
(stacks, splits, pad, diagonals) is in :mod:`.assembly`.
"""

from __future__ import annotations

import copy as _copy
import math as _math
from collections.abc import Iterator as _Iterator

import numpy as _np

from adcompare import primitives as _p
from adcompare.concrete import user_location
from adcompare.primitives.weak import WeakArray as _WeakArray


def transpose(x, axes=None):
    return _p.transpose_p(x, axes=None if axes is None else tuple(axes))


def reshape(x, shape, order="C"):
    shape = (shape,) if isinstance(shape, _p.INTEGERS) else tuple(shape)
    if order == "F":
        return transpose(_p.reshape_p(transpose(x), shape=shape[::-1]))  # as jnp's column-major order
    if order != "C":
        raise ValueError(f"reshape(): order={order!r} (at {user_location()}) is refused, as jnp's: use 'C' or 'F'")
    return _p.reshape_p(x, shape=shape)


def broadcast_to(x, shape):
    shape = (shape,) if isinstance(shape, _p.INTEGERS) else tuple(shape)
    return _p.broadcast_to_p(x, shape=shape)


def concatenate(arrays, axis=0):
    return _p.concatenate_p(*arrays, axis=axis)


def stack(arrays, axis=0):
    return _p.stack_p(*arrays, axis=axis)


def getitem(x, idx):
    return _p.getitem_p(x, idx=idx)


def index_update(x, idx, v):
    """``x`` with ``x[idx]`` replaced by ``v`` (broadcast), as a new value: JAX's ``x.at[idx].set(v)``.

    ``y[idx] = v`` on an active ``y`` does this and rebinds ``y`` in place.
    """
    if isinstance(v, _p.Box) and not _p.is_float(x):
        raise TypeError(f"index_update: writing an active value into an array of dtype "
                        f"{_p.result_dtype(x)} would drop its derivative; make the array float, "
                        f"e.g. anp.zeros(shape, like=v)")
    return _p.index_update_p(x, v, idx=idx)


def asarray(a, dtype=None):
    """``a`` as an array. Nested lists and tuples (of active values too) are packed as
    ``jnp.asarray`` packs them; an active value is returned as it is."""
    if isinstance(a, _Iterator):  # a generator or iterator: NumPy makes an object array of it, jnp refuses it
        raise TypeError(f"a {type(a).__name__} is not an array (at {user_location()}): pass a list: [f(v) for v in ..]")
    a = _p.pack(a)
    if type(a) is _WeakArray and dtype is None:  # anp.full's weak array stays weak, as jnp.asarray's
        return a
    if isinstance(a, _p.Box):  # as it is, or cast (to a non-float dtype: a constant, as astype)
        return a if dtype is None or _np.dtype(dtype) == a.dtype else _p.asarray_p(a, dtype=dtype)
    xp = _p.namespace((a,))  # a JAX or peer's array (autograd's asarray has no VJP) is returned as it is
    return xp.asarray(a, dtype=dtype) if dtype is not None or xp is _np or not hasattr(a, "shape") else a


def array(a, dtype=None):
    """As :func:`asarray`, but always a new value: writing into it by index leaves ``a`` alone."""
    packed = asarray(a, dtype)
    if packed is a:
        return _copy.copy(a) if isinstance(a, (_p.Box, _WeakArray)) else _p.namespace((a,)).array(a)
    return packed


def shape(x):
    return _p.shape(x)


def ndim(x):
    return len(_p.shape(x))


def size(x):
    """The number of entries (a constant)."""
    return _math.prod(_p.shape(x))


def astype(x, dtype, *, copy=True):
    """``x`` as ``dtype``; to a non-float dtype it is a constant (no derivative), as in JAX. With ``copy=False``,
    ``x`` itself where it has ``dtype`` already, as NumPy's (so a write into the result is one into ``x``)."""
    if not copy and hasattr(_p.primal(x), "dtype") and _np.dtype(dtype) == _np.dtype(_p.result_dtype(x)):
        return x
    if _p.float_dtype(dtype):
        return _p.astype_p(x, dtype=dtype)
    return _p.astype_p(_p.primal(x), dtype=dtype)


def argsort(x, axis=-1, kind=None, order=None, *, stable=True, descending=False, dtype=None):
    """The sorting permutation (integers of ``dtype=``, as jnp's: a constant, never differentiated). Always a
    stable sort, as JAX's: equal values keep their order, so ``sort``'s derivative at ties goes where JAX's goes
    (NumPy's default quicksort may order ties otherwise, which NumPy allows too); so is ``descending``'s."""
    if order is not None:
        raise NotImplementedError("argsort: order= (structured arrays) is not supported")
    x = _p.primal(x)
    xp = _p.namespace((x,))
    if not descending:
        index = xp.argsort(x, axis=axis, stable=True)
    else:
        x, axis = (xp.ravel(x), 0) if axis is None else (x, axis)
        reverse = xp.argsort(xp.flip(x, axis), axis=axis, stable=True)  # of the reversed array: ties last-first
        index = xp.flip(x.shape[axis] - 1 - reverse, axis)
    return index if dtype is None else index.astype(dtype)


# --------------------------------------------------------------------------
# Axis arithmetic on shapes (never on values)


def _axis(axis: int, n: int, name: str = "axis") -> int:
    if not -n <= axis < n:
        raise ValueError(f"{name} {axis} is out of bounds for array of dimension {n}")
    return axis % n


def _axes(axis, n: int) -> tuple:
    axes = tuple(_axis(a, n) for a in ((axis,) if isinstance(axis, _p.INTEGERS) else axis))
    if len(set(axes)) != len(axes):
        raise ValueError("repeated axis")
    return axes


def _squeezed(s: tuple, axis) -> tuple:
    if axis is None:
        return tuple(d for d in s if d != 1)
    axes = _axes(axis, len(s))
    if any(s[a] != 1 for a in axes):
        raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return tuple(d for i, d in enumerate(s) if i not in axes)


def _expanded(s: tuple, axis) -> tuple:
    n = len(s) + (1 if isinstance(axis, _p.INTEGERS) else len(axis))
    axes = _axes(axis, n)
    rest = iter(s)
    return tuple(1 if i in axes else next(rest) for i in range(n))


def _swapped(n: int, axis1: int, axis2: int) -> tuple:
    perm = list(range(n))
    a, b = _axis(axis1, n, "axis1"), _axis(axis2, n, "axis2")
    perm[a], perm[b] = b, a
    return tuple(perm)


def _moved(n: int, source, destination) -> tuple:
    src, dst = _axes(source, n), _axes(destination, n)
    if len(src) != len(dst):
        raise ValueError("`source` and `destination` arguments must have the same number of elements")
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return tuple(order)


def _reversed_index(n: int, axis) -> tuple:
    axes = range(n) if axis is None else _axes(axis, n)
    return tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(n))


def _rolled_index(s: tuple, shift, axis) -> tuple:
    """The gather that rolls: for each rolled axis, positions ``(i - shift) % n``."""
    shifts = (shift,) if isinstance(shift, _p.INTEGERS) else tuple(shift)
    axes = (axis,) if isinstance(axis, _p.INTEGERS) else tuple(axis)
    shifts, axes = _np.broadcast_arrays(_np.asarray(shifts), _np.asarray(axes))
    total = [0] * len(s)
    for sh, ax in zip(shifts.ravel(), axes.ravel()):
        total[_axis(int(ax), len(s))] += int(sh)
    rolled = [i for i in range(len(s)) if total[i] % max(s[i], 1)]
    if len(rolled) == 1:  # one integer array among slices keeps its place
        i = rolled[0]
        return (slice(None),) * i + ((_np.arange(s[i]) - total[i]) % s[i],)
    return _np.ix_(*((_np.arange(n) - total[i]) % max(n, 1) for i, n in enumerate(s)))


def _tile_shapes(s: tuple, reps) -> tuple:
    reps = (reps,) if isinstance(reps, _p.INTEGERS) else tuple(reps)
    n = max(len(s), len(reps))
    s, reps = (1,) * (n - len(s)) + tuple(s), (1,) * (n - len(reps)) + reps
    spread, tiled, out = [], [], []
    for d, r in zip(s, reps):
        spread += [1, d]
        tiled += [r, d]
        out.append(r * d)
    return tuple(spread), tuple(tiled), tuple(out)


def _repeat_plan(s: tuple, repeats, axis: int):
    """``("broadcast", shapes...)`` for one count, ``("gather", index)`` for a count per element."""
    if isinstance(repeats, _p.INTEGERS) or _np.ndim(repeats) == 0 or _np.size(repeats) == 1:
        r = int(_np.reshape(repeats, ()))
        if r < 0:
            raise ValueError("repeat: negative dimensions are not allowed")
        return ("broadcast", s[:axis + 1] + (1,) + s[axis + 1:], s[:axis + 1] + (r,) + s[axis + 1:],
                s[:axis] + (s[axis] * r,) + s[axis + 1:])
    return ("gather", (slice(None),) * axis + (_np.repeat(_np.arange(s[axis]), repeats),))


def _sorted_index(s: tuple, perm, axis: int) -> tuple:
    """The gather ``x[index]`` that takes ``perm`` (of ``x``'s rank, as NumPy's) along ``axis`` (take_along_axis)."""
    if _np.ndim(perm) != len(s):  # (a 1-d labels for a 2-d x, labels[:, None] meant, would broadcast silently)
        raise ValueError("take_along_axis / put_along_axis: indices and arr must have the same number of "
                         f"dimensions; {_np.ndim(perm)} vs. {len(s)}")
    return tuple(perm if i == axis else _np.arange(n).reshape((1,) * i + (n,) + (1,) * (len(s) - i - 1))
                 for i, n in enumerate(s))


# --------------------------------------------------------------------------
# Compositions


def ravel(x, order="C"):
    """``x`` flattened in row-major (``'C'``) or column-major (``'F'``) order; ``'A'`` and ``'K'`` (NumPy's memory
    orders) are refused, as jnp's."""
    if order not in ("C", "F"):
        raise NotImplementedError(f"ravel: order={order!r} (at {user_location()}) is not supported, as in jnp: "
                                  "use 'C' or 'F'")
    return reshape(x, (-1,), order)


def _flattened(x, order="C"):
    """``x.flatten(order)``: :func:`ravel`'s values as a new array (NumPy's method copies, ``ravel`` may view)."""
    return _copied(ravel(x, order))


def squeeze(x, axis=None):
    return _p.reshape_p(x, shape=_squeezed(shape(x), axis))


def expand_dims(x, axis):
    return _p.reshape_p(x, shape=_expanded(shape(x), axis))


def swapaxes(x, axis1, axis2):
    return _p.transpose_p(x, axes=_swapped(ndim(x), axis1, axis2))


def moveaxis(x, source, destination):
    return _p.transpose_p(x, axes=_moved(ndim(x), source, destination))


def flip(x, axis=None):
    return _p.getitem_p(x, idx=_reversed_index(ndim(x), axis))


def fliplr(x):
    if ndim(x) < 2:
        raise ValueError("fliplr: input must be >= 2-d")
    return flip(x, 1)


def flipud(x):
    if ndim(x) < 1:
        raise ValueError("flipud: input must be >= 1-d")
    return flip(x, 0)


def rot90(m, k=1, axes=(0, 1)):
    axes = tuple(axes)
    n = ndim(m)
    if len(axes) != 2 or _axis(axes[0], n) == _axis(axes[1], n):
        raise ValueError("rot90: axes must be two different axes")
    k = k % 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    perm = _swapped(n, axes[0], axes[1])
    if k == 1:
        return _p.transpose_p(flip(m, axes[1]), axes=perm)
    return flip(_p.transpose_p(m, axes=perm), axes[1])


def roll(x, shift, axis=None):
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), shape(x))
    return _p.getitem_p(x, idx=_rolled_index(shape(x), shift, axis))


def _owned(out, operand):
    """``out`` as a new array, where NumPy's function makes one whatever its operands (``tile(x, 1)``,
    ``clip(x)``, ``positive(x)``): a copy where its NumPy value shares memory with ``operand``'s, so that a
    write into it leaves the operand alone (and is not refused as a write into a read-only broadcast)."""
    return _copied(out) if _shares(out, operand) else out


def _copied(x):
    """A new array of ``x``'s values in its dtype: ``astype`` copies a NumPy array and binds a new box, so a
    write into the copy leaves ``x`` as it is."""
    return _p.astype_p(x, dtype=_p.result_dtype(x))


def _shares(out, operand) -> bool:
    """Is ``out`` the operand itself, a box linked as a view (of a JAX-backed box too, where NumPy's would be
    one), or a NumPy array sharing the operand's memory?"""
    a, b = _p.primal(out), _p.primal(operand)
    return out is operand or _p.is_view(out) or isinstance(a, _np.ndarray) and \
        isinstance(b, _np.ndarray) and bool(_np.may_share_memory(a, b))


def tile(x, reps):
    spread, tiled, out = _tile_shapes(shape(x), reps)
    return _owned(_p.reshape_p(_p.broadcast_to_p(_p.reshape_p(x, shape=spread), shape=tiled), shape=out), x)


def repeat(x, repeats, axis=None):
    if axis is None:
        return repeat(ravel(x), repeats, 0)
    plan = _repeat_plan(shape(x), repeats, _axis(axis, ndim(x)))
    if plan[0] == "gather":
        return _p.getitem_p(x, idx=plan[1])
    return _owned(_p.reshape_p(_p.broadcast_to_p(_p.reshape_p(x, shape=plan[1]), shape=plan[2]), shape=plan[3]), x)


def sort(x, axis=-1, kind=None, order=None, *, stable=True, descending=False):
    """Sorted along ``axis``: a gather by the argsort permutation, so ties and nan sort as NumPy's;
    ``descending``: the ascending sort reversed, as JAX's (its derivative at ties goes where JAX's goes)."""
    if order is not None:
        raise NotImplementedError("sort: order= (structured arrays) is not supported")
    x = asarray(x)  # a list or tuple is packed first, as jnp.asarray packs it
    if axis is None:
        return sort(ravel(x), 0, descending=descending)
    axis = _axis(axis, ndim(x))
    if descending:
        return flip(sort(x, axis), axis)
    return _p.getitem_p(x, idx=_sorted_index(shape(x), argsort(x, axis), axis))
