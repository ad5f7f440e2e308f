"""Rules of the shape, assembly and indexing primitives (and of the functional index update)."""

from __future__ import annotations

import math

import numpy as np

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import primal, shape
from adcompare.rules.base import PerOperand, defjvp, defvjp, in_dtype_of, unbroadcast

mul, add, sub, div, neg = anp.multiply, anp.add, anp.subtract, anp.divide, anp.negative
_ND = np.ndarray


def _inverse_permutation(axes, n):
    axes = tuple(reversed(range(n))) if axes is None else tuple(a % n for a in axes)
    return tuple(axes.index(i) for i in range(n))


def _transpose_vjp(ans, x, axes=None):
    inverse = _inverse_permutation(axes, len(shape(x)))
    return lambda g: anp.transpose(g, inverse)


defjvp(p.transpose_p, lambda t, ans, x, axes=None: anp.transpose(t, axes))
defvjp(p.transpose_p, _transpose_vjp)


def _reshape_vjp(ans, x, shape_):
    sx = shape(x)
    return lambda g: anp.reshape(g, sx)


defjvp(p.reshape_p, lambda t, ans, x, shape: anp.reshape(t, shape))
defvjp(p.reshape_p, lambda ans, x, shape: _reshape_vjp(ans, x, shape))


def _broadcast_to_vjp(ans, x, shape_):
    sx = shape(x)
    return lambda g: unbroadcast(g, sx)


defjvp(p.broadcast_to_p, lambda t, ans, x, shape: anp.broadcast_to(t, shape))
defvjp(p.broadcast_to_p, lambda ans, x, shape: _broadcast_to_vjp(ans, x, shape))

defjvp(p.astype_p, lambda t, ans, x, dtype: p.astype_p(t, dtype=dtype))


def _astype_vjp(ans, x, dtype):
    dx = p.result_dtype(x)
    return lambda g: p.astype_p(g, dtype=dx)


defvjp(p.astype_p, _astype_vjp)


def _differentiable(dtype) -> bool:
    return dtype is None or p.float_dtype(dtype)


def _asarray_jvp(t, ans, x, dtype=None):
    if not _differentiable(dtype):  # an integer or boolean result is a constant
        return p.constant_like(ans, 0.0)
    t = p.pack(t)  # x a (nested) list: its elements' tangents, packed as x is
    return t if dtype is None else p.astype_p(t, dtype=dtype)


def _asarray_vjp(ans, x, dtype=None):
    if isinstance(x, (list, tuple)):  # SCT's code hands the list itself: one cotangent per element
        return lambda g: _elements_bar(g, x, dtype)
    dx, sx = p.result_dtype(x), shape(x)
    if not _differentiable(dtype):
        return lambda g: p.constant_like(x, 0.0, sx)
    return lambda g: g if dtype is None else p.astype_p(g, dtype=dx)


def _elements_bar(g, x, dtype):
    """The cotangents of the (nested) list or tuple ``x``'s elements that asarray packed, held as ``x`` holds them:
    each element's as above. A loop and a call of itself, no closure per element, so that SCT transforms it again
    (``bars + [...]``, not an append: a list appended to is not passed on)."""
    bars = []
    for k in range(len(x)):
        e, e_bar = x[k], anp.getitem(g, k)
        if isinstance(e, (list, tuple)):
            bars = bars + [_elements_bar(e_bar, e, dtype)]
        elif not _differentiable(dtype):
            bars = bars + [p.constant_like(e, 0.0, shape(e))]
        else:
            bars = bars + [e_bar if dtype is None else p.astype_p(e_bar, dtype=p.result_dtype(e))]
    return tuple(bars) if isinstance(x, tuple) else bars


defjvp(p.asarray_p, _asarray_jvp)
defvjp(p.asarray_p, _asarray_vjp)

defjvp(p.getitem_p, lambda t, ans, x, idx: anp.getitem(t, idx))


def _getitem_vjp(ans, x, idx):
    sx = shape(x)
    return lambda g: p.index_add_p(g, idx=idx, shape=sx)


defvjp(p.getitem_p, _getitem_vjp)

defjvp(p.diagonal_p, lambda t, ans, x, offset=0, axis1=0, axis2=1: p.diagonal_p(t, offset=offset, axis1=axis1,
                                                                                   axis2=axis2))


def _diagonal_frame(sx: tuple, count: int, offset: int, axis1: int, axis2: int) -> tuple:
    """The shape with axis1, axis2 moved last, the index of the diagonal there, and the two axes."""
    n = len(sx)
    a1, a2 = axis1 % n, axis2 % n
    moved = tuple(d for i, d in enumerate(sx) if i not in (a1, a2)) + (sx[a1], sx[a2])
    rows = np.arange(count) + max(-offset, 0)
    return moved, (Ellipsis, rows, rows - max(-offset, 0) + max(offset, 0)), (a1, a2)


def _diagonal_vjp(ans, x, offset=0, axis1=0, axis2=1):
    """g goes onto the diagonal of zeros, in the frame with axis1, axis2 last, then moved back."""
    moved, idx, axes = _diagonal_frame(shape(x), shape(ans)[-1], offset, axis1, axis2)
    return lambda g: anp.moveaxis(p.index_add_p(g, idx=idx, shape=moved), (-2, -1), axes)


defvjp(p.diagonal_p, _diagonal_vjp)

defjvp(p.index_add_p, lambda t, ans, g, idx, shape: p.index_add_p(t, idx=idx, shape=shape))
defvjp(p.index_add_p, lambda ans, g, idx, shape: lambda h: anp.getitem(h, idx))


def _concatenate_region(i, xs, axis):
    """The index of operand i's block inside ``concatenate(xs, axis)`` (a plain loop: SCT's forward
    sweep makes one pull-back per operand, and a generator here was half of lstm's forward sweep)."""
    ax = axis % len(shape(xs[0]))
    start = 0
    for k in range(i):
        start += shape(xs[k])[ax]
    block = slice(start, start + shape(xs[i])[ax])
    return (block,) if ax == 0 else (slice(None),) * ax + (block,)


def _stack_region(i, xs, axis):
    ax = axis % (len(shape(xs[0])) + 1)
    return (slice(None),) * ax + (i,)


_ALL = slice(None)


def _concatenate_regions(active, xs, axis) -> list:
    """Each active operand's ``_concatenate_region`` (None for an inactive one), in one walk over
    the operands' shapes (the joint pull-back is made once per call in SCT's forward sweep); along
    axis 0 the bare slice, which indexes as the region's one-element tuple does."""
    if axis == 0:  # the common case: a plain slice of the first axis each (the same positions)
        out, start = [], 0
        for x, a in zip(xs, active):
            stop = start + (x.shape[0] if type(x) is _ND else shape(x)[0])
            out.append(slice(start, stop) if a else None)
            start = stop
        return out
    ax = axis if axis >= 0 else axis % len(shape(xs[0]))
    lead = (_ALL,) * ax
    out, start = [], 0
    for x, a in zip(xs, active):
        stop = start + (x.shape[ax] if type(x) is np.ndarray else shape(x)[ax])
        out.append(lead + (slice(start, stop),) if a else None)
        start = stop
    return out


def _stack_regions(active, xs, axis) -> list:
    lead = (_ALL,) * (axis if axis >= 0 else axis % (len(shape(xs[0])) + 1))
    return [lead + (i,) if a else None for i, a in enumerate(active)]


def _cut(g, idxs: list) -> tuple:
    """``anp.getitem(g, idx)`` for each ``idx`` (None: None). These indices are basic (slices and
    ints), so on a NumPy ``g`` each is the view ``g[idx]``, which is what getitem's implementation
    returns: it is taken without the primitive's dispatch (a plain loop: no comprehension's frame)."""
    if type(g) is np.ndarray:
        out = []
        for idx in idxs:
            out.append(None if idx is None else g[idx])
        return tuple(out)
    return tuple([None if idx is None else anp.getitem(g, idx) for idx in idxs])


def _flat_region(i, xs):
    """Operand i's block inside ``concatenate(xs, axis=None)`` (flat: every operand raveled)."""
    start = 0
    for k in range(i):
        start += math.prod(shape(xs[k]))
    return (slice(start, start + math.prod(shape(xs[i]))),)


def _concatenate_key(active, xs, axis):
    """What concatenate's regions depend on, where that is cheap to tell (NumPy operands of one
    rank, an int axis): the active operands, the axis, the rank (a negative axis counts from it)
    and the operands' lengths along the axis; else None."""
    if type(active) is not tuple or type(axis) is not int:
        return None
    nd = xs[0].ndim if xs and type(xs[0]) is _ND else 0
    if not -nd <= axis < nd:
        return None
    k = [active, axis, nd]
    for x in xs:
        if type(x) is not _ND or x.ndim != nd:
            return None
        k.append(x.shape[axis])
    return tuple(k)


def _stack_key(active, xs, axis):
    """stack's regions depend on the active operands and a non-negative axis alone."""
    return (active, axis) if type(active) is tuple and type(axis) is int and axis >= 0 else None


_MADE_MAX = 256  # pull-backs kept per primitive; more clear them (a program's shapes are few)


def _placement_rules(prim, region, regions, key):
    """concatenate / stack: operand i fills a region of the output, and back. The joint VJP finds
    every active operand's region in one walk and cuts the cotangent once (the same cotangents as
    the per-operand rules, which SCT transforms again from their source). Its pull-back reads
    nothing but the regions, so one is made per ``key`` (the operands' lengths, say) and shared by
    every call with that key: SCT's forward sweep makes one per call in a loop (lstm's gates)."""

    def jvp(i, t, ans, *xs, axis=0):
        t = in_dtype_of(t, ans)  # the other operands' zeros come in t's dtype
        if axis is None:  # concatenate's NumPy meaning: the operands flattened, then joined
            return p.index_add_p(anp.ravel(t), idx=_flat_region(i, xs), shape=shape(ans))
        return p.index_add_p(t, idx=region(i, xs, axis), shape=shape(ans))

    def vjp(i, ans, *xs, axis=0):
        if axis is None:
            idx, sx = _flat_region(i, xs), shape(xs[i])
            return lambda g: anp.reshape(anp.getitem(g, idx), sx)
        idx = region(i, xs, axis)
        return lambda g: anp.getitem(g, idx)

    made: dict = {}  # the pull-backs made, by what their regions depend on (``key``)

    def joint(active, ans, *xs, axis=0):
        if axis is None:
            pulls = [vjp(i, ans, *xs, axis=None) if a else None for i, a in enumerate(active)]
            return lambda g: tuple([None if f is None else f(g) for f in pulls])
        k = key(active, xs, axis)
        pullback = made.get(k) if k is not None else None
        if pullback is None:
            idxs = regions(active, xs, axis)
            pullback = lambda g: _cut(g, idxs)  # noqa: E731
            if k is not None:
                if len(made) >= _MADE_MAX:
                    made.clear()
                made[k] = pullback
        return pullback

    defjvp(prim, PerOperand(jvp))
    defvjp(prim, PerOperand(vjp), joint=joint)


_placement_rules(p.concatenate_p, _concatenate_region, _concatenate_regions, _concatenate_key)
_placement_rules(p.stack_p, _stack_region, _stack_regions, _stack_key)

# --------------------------------------------------------------------------
# Functional index update: ``index_update_p(x, v, idx=idx)`` is x with x[idx] = v


def _index_parts(idx) -> tuple:
    return idx if isinstance(idx, tuple) else (idx,)


def _may_repeat(idx) -> bool:
    """Whether ``idx`` can name one position twice: only integer arrays (or lists) can."""
    for part in _index_parts(idx):
        if isinstance(part, (list, tuple)):
            return True
        if hasattr(part, "dtype") and shape(part) != () and np.issubdtype(part.dtype, np.integer):
            return True
    return False


def _written(x, idx):
    """Constant 1 where an element of ``x[idx]`` is the one the update leaves in the result, else 0.

    With a repeated index only the last write to a position survives (as in NumPy;
    JAX's scatter leaves one of them, the same in the primal and here), so only
    that one gets the cotangent. ``None`` when no position can repeat.
    """
    if not _may_repeat(idx):
        return None
    px = primal(x)
    xp = p.namespace((px,))
    target = shape(xp.asarray(px)[idx])
    ids = xp.reshape(xp.arange(math.prod(target), dtype=np.float64), target)
    landed = p.index_update_p.impl(xp, xp.full(shape(px), -1.0), ids, idx=idx)[idx]
    return xp.where(landed == ids, 1.0, 0.0)


def _index_update_jvp_v(t, ans, x, v, idx):
    if not p.is_float(ans):  # v cast to x's integers (as NumPy's write and JAX's .at[].set): a constant
        return p.constant_like(ans, 0.0)
    return p.index_update_p(p.constant_like(ans, 0.0), t, idx=idx)


def _index_update_vjp_v(ans, x, v, idx):
    if not p.is_float(ans):
        return lambda g: p.constant_like(v, 0.0)
    sv, written = shape(v), _written(x, idx)
    dv = p.result_dtype(v) if hasattr(primal(v), "dtype") else None  # (a Python number takes x's dtype)
    if dv == p.result_dtype(ans):
        dv = None
    if written is None:
        return lambda g: _as(unbroadcast(anp.getitem(g, idx), sv), dv)
    return lambda g: _as(unbroadcast(mul(anp.getitem(g, idx), written), sv), dv)


def _as(g, dtype):
    """``g`` in the written value's dtype, where it differs from the array's (cast by the write, as JAX's)."""
    return g if dtype is None else p.astype_p(g, dtype=dtype)


defjvp(p.index_update_p,
       lambda t, ans, x, v, idx: p.index_update_p(t, 0.0, idx=idx),
       _index_update_jvp_v)
defvjp(p.index_update_p,
       lambda ans, x, v, idx: lambda g: p.index_update_p(g, 0.0, idx=idx),
       _index_update_vjp_v)
