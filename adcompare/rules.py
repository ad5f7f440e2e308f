"""The one table of derivative rules. All derivative math in adcompare lives here.

For a primitive ``p`` with operands ``x_0 .. x_n`` and result ``ans``:

* ``p.jvps[i](t, ans, *operands, **params)`` is operand i's contribution to the
  output tangent, shaped like ``ans``. An engine sums the contributions of the
  active operands (inactive ones have a zero tangent and are skipped).
* ``p.vjps[i](ans, *operands, **params)`` is curried, as in HIPS autograd: it
  returns ``lambda g: x_i_bar``, shaped like operand i. What the inner function
  closes over is exactly what the reverse sweep keeps alive.

``None`` in a table means the operand has no derivative (a ``where`` condition,
an index). Rules are written with the vocabulary's primitives, never with Python
operators, so every engine can differentiate a rule again (higher order).
"""

from __future__ import annotations

import math
import operator
from functools import partial

import numpy as np

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import primal, shape

mul, add, sub, div, neg = anp.multiply, anp.add, anp.subtract, anp.divide, anp.negative


def defjvp(prim: p.Primitive, *jvps) -> None:
    prim.jvps = jvps


def defvjp(prim: p.Primitive, *vjps) -> None:
    prim.vjps = vjps


class _PerOperand:
    """Rules for a variadic primitive: operand i's rule is ``rule(i, ...)``."""

    def __init__(self, rule):
        self.rule = rule

    def __getitem__(self, i):
        return partial(self.rule, i)


# --------------------------------------------------------------------------
# Shape helpers (themselves made of primitives, so they differentiate again)


def unbroadcast(g, target: tuple):
    """Sum ``g`` down to ``target``: the VJP of NumPy broadcasting."""
    gshape = shape(g)
    if gshape == target:
        return g
    lead = len(gshape) - len(target)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(target) if n == 1 and gshape[lead + i] != 1
    )
    return anp.reshape(anp.sum(g, axis=axes), target)


def broadcast(t, ans):
    """``t`` broadcast to the shape of ``ans`` (a no-op when it already is)."""
    target = shape(ans)
    return t if shape(t) == target else anp.broadcast_to(t, target)


def keepdims_shape(xshape: tuple, axis) -> tuple:
    """The shape a reduction over ``axis`` has with ``keepdims=True``."""
    if axis is None:
        return (1,) * len(xshape)
    axes = {a % len(xshape) for a in ((axis,) if isinstance(axis, int) else axis)}
    return tuple(1 if i in axes else n for i, n in enumerate(xshape))


def spread(g, xshape: tuple, axis):
    """A reduction's cotangent ``g`` spread back over the reduced axes."""
    return anp.broadcast_to(anp.reshape(g, keepdims_shape(xshape, axis)), xshape)


def _is_number(x) -> bool:
    """A Python float or int (the scalar fast path), where a constant stays a Python float."""
    return type(x) in (float, int)


def mask(x, y, tie: float):
    """Constant 1 where ``x`` wins over ``y``, ``tie`` where they are equal, else 0 (and 0 at nan)."""
    px, py = primal(x), primal(y)
    if _is_number(px) and _is_number(py):
        return 1.0 if px > py else tie if px == py else 0.0
    xp = p.namespace((px, py))
    return xp.where(px > py, 1.0, xp.where(px == py, tie, 0.0))


def swap_last(x):
    n = len(shape(x))
    return anp.transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def append_axis(x, where: int):
    """``x`` with a new axis of length 1 at ``-1`` or ``-2``."""
    s = shape(x)
    return anp.reshape(x, s + (1,) if where == -1 else s[:-1] + (1,) + s[-1:])


# --------------------------------------------------------------------------
# Elementwise arithmetic (broadcasting)


def _same(t, ans, x, y):
    return broadcast(t, ans)


def _pass_x(ans, x, y):
    sx = shape(x)
    return lambda g: unbroadcast(g, sx)


def _pass_y(ans, x, y):
    sy = shape(y)
    return lambda g: unbroadcast(g, sy)


def _negate_y(ans, x, y):
    sy = shape(y)
    return lambda g: unbroadcast(neg(g), sy)


defjvp(p.add_p, _same, _same)
defvjp(p.add_p, _pass_x, _pass_y)
defjvp(p.subtract_p, _same, lambda t, ans, x, y: broadcast(neg(t), ans))
defvjp(p.subtract_p, _pass_x, _negate_y)

defjvp(p.multiply_p,
       lambda t, ans, x, y: broadcast(mul(t, y), ans),
       lambda t, ans, x, y: broadcast(mul(x, t), ans))


def _multiply_vjp_x(ans, x, y):
    sx = shape(x)
    return lambda g: unbroadcast(mul(g, y), sx)


def _multiply_vjp_y(ans, x, y):
    sy = shape(y)
    return lambda g: unbroadcast(mul(x, g), sy)


defvjp(p.multiply_p, _multiply_vjp_x, _multiply_vjp_y)

defjvp(p.divide_p,
       lambda t, ans, x, y: broadcast(div(t, y), ans),
       lambda t, ans, x, y: broadcast(neg(mul(t, div(ans, y))), ans))


def _divide_vjp_x(ans, x, y):
    sx = shape(x)
    return lambda g: unbroadcast(div(g, y), sx)


def _divide_vjp_y(ans, x, y):
    sy = shape(y)
    return lambda g: unbroadcast(neg(mul(g, div(ans, y))), sy)


defvjp(p.divide_p, _divide_vjp_x, _divide_vjp_y)


def _is_integer(y) -> bool:
    return np.issubdtype(p.result_dtype(y), np.integer)


def _power_jac_x(x, y):
    """d(x**y)/dx for a float exponent: y * x**(y - 1) (nan at x = 0 for y = 0.0, as JAX)."""
    return mul(y, anp.power(x, sub(y, 1.0)))


def _integer_power_term(g, x, n):
    """``g * n * x**(n - 1)`` for an integer exponent ``n`` (never active), as JAX's rules.

    A concrete integer scalar ``n`` is JAX's ``integer_pow`` (``jnp.power`` makes
    the same choice): the term is exactly 0 for ``n == 0`` (so ``x ** 0`` has
    derivative 0 at 0), and ``n - 1`` stays an integer, so every higher
    derivative is an integer power too. Any other integer ``n`` (an array, a
    tracer) is JAX's ``pow``: ``g`` times a Jacobian that is 0 where ``n == 0``,
    with a float ``n - 1.0`` (its second derivative at 0 is nan for ``n == 1``, as JAX's).
    """
    try:
        k = operator.index(n)
    except TypeError:
        return mul(g, anp.where(n == 0, 0.0, mul(n, anp.power(x, sub(n, 1.0)))))
    return anp.zeros_like(g) if k == 0 else mul(g, mul(float(k), anp.power(x, k - 1)))


def _replace_zero(x):
    """``x`` with its zeros replaced by 1 (a constant there)."""
    px = primal(x)
    if _is_number(px):
        return 1.0 if px == 0 else x
    return anp.where(px == 0, 1.0, x)


def _power_jac_y(ans, x):
    return mul(anp.log(_replace_zero(x)), ans)  # d/dy 0**y is taken as 0, as JAX does


def _power_jvp_x(t, ans, x, y):
    if _is_integer(y):
        return broadcast(_integer_power_term(t, x, primal(y)), ans)
    return broadcast(mul(t, _power_jac_x(x, y)), ans)


def _power_vjp_x(ans, x, y):
    sx = shape(x)
    if _is_integer(y):
        n = primal(y)
        return lambda g: unbroadcast(_integer_power_term(g, x, n), sx)
    return lambda g: unbroadcast(mul(g, _power_jac_x(x, y)), sx)


def _power_vjp_y(ans, x, y):
    sy = shape(y)
    return lambda g: unbroadcast(mul(g, _power_jac_y(ans, x)), sy)


defjvp(p.power_p, _power_jvp_x, lambda t, ans, x, y: broadcast(mul(t, _power_jac_y(ans, x)), ans))
defvjp(p.power_p, _power_vjp_x, _power_vjp_y)


def _chooser_rules(prim, sign: float):
    """maximum / minimum: the winner takes the derivative, ties split it (as JAX)."""

    def wins(i, x, y):
        a, b = (x, y) if i == 0 else (y, x)
        return mask(a, b, 0.5) if sign > 0 else mask(b, a, 0.5)

    def jvp(i, t, ans, x, y):
        return broadcast(mul(t, wins(i, x, y)), ans)

    def vjp(i, ans, x, y):
        m, target = wins(i, x, y), shape((x, y)[i])
        return lambda g: unbroadcast(mul(g, m), target)

    defjvp(prim, partial(jvp, 0), partial(jvp, 1))
    defvjp(prim, partial(vjp, 0), partial(vjp, 1))


_chooser_rules(p.maximum_p, +1.0)
_chooser_rules(p.minimum_p, -1.0)

defjvp(p.where_p, None,
       lambda t, ans, c, x, y: broadcast(anp.where(c, t, 0.0), ans),
       lambda t, ans, c, x, y: broadcast(anp.where(c, 0.0, t), ans))


def _where_vjp_x(ans, c, x, y):
    sx = shape(x)
    return lambda g: unbroadcast(anp.where(c, g, 0.0), sx)


def _where_vjp_y(ans, c, x, y):
    sy = shape(y)
    return lambda g: unbroadcast(anp.where(c, 0.0, g), sy)


defvjp(p.where_p, None, _where_vjp_x, _where_vjp_y)

# --------------------------------------------------------------------------
# Elementwise functions: d(ans)/dx, once for each mode

defjvp(p.negative_p, lambda t, ans, x: neg(t))
defvjp(p.negative_p, lambda ans, x: lambda g: neg(g))
defjvp(p.sin_p, lambda t, ans, x: mul(t, anp.cos(x)))
defvjp(p.sin_p, lambda ans, x: lambda g: mul(g, anp.cos(x)))
defjvp(p.cos_p, lambda t, ans, x: neg(mul(t, anp.sin(x))))
defvjp(p.cos_p, lambda ans, x: lambda g: neg(mul(g, anp.sin(x))))
defjvp(p.tan_p, lambda t, ans, x: mul(t, add(1.0, mul(ans, ans))))
defvjp(p.tan_p, lambda ans, x: lambda g: mul(g, add(1.0, mul(ans, ans))))
defjvp(p.exp_p, lambda t, ans, x: mul(t, ans))
defvjp(p.exp_p, lambda ans, x: lambda g: mul(g, ans))
defjvp(p.log_p, lambda t, ans, x: div(t, x))
defvjp(p.log_p, lambda ans, x: lambda g: div(g, x))
defjvp(p.log1p_p, lambda t, ans, x: div(t, add(1.0, x)))
defvjp(p.log1p_p, lambda ans, x: lambda g: div(g, add(1.0, x)))
defjvp(p.expm1_p, lambda t, ans, x: mul(t, add(ans, 1.0)))
defvjp(p.expm1_p, lambda ans, x: lambda g: mul(g, add(ans, 1.0)))
defjvp(p.sqrt_p, lambda t, ans, x: div(t, mul(2.0, ans)))
defvjp(p.sqrt_p, lambda ans, x: lambda g: div(g, mul(2.0, ans)))
defjvp(p.tanh_p, lambda t, ans, x: mul(t, sub(1.0, mul(ans, ans))))
defvjp(p.tanh_p, lambda ans, x: lambda g: mul(g, sub(1.0, mul(ans, ans))))
defjvp(p.sigmoid_p, lambda t, ans, x: mul(t, mul(ans, sub(1.0, ans))))
defvjp(p.sigmoid_p, lambda ans, x: lambda g: mul(g, mul(ans, sub(1.0, ans))))


def _abs_sign(x):
    """d|x|/dx: 1 at 0 and -1 at nan, as in JAX."""
    px = primal(x)
    if _is_number(px):
        return 1.0 if px >= 0 else -1.0
    return p.namespace((px,)).where(px >= 0, 1.0, -1.0)


defjvp(p.abs_p, lambda t, ans, x: mul(t, _abs_sign(x)))


def _abs_vjp(ans, x):
    s = _abs_sign(x)
    return lambda g: mul(g, s)


defvjp(p.abs_p, _abs_vjp)

# gammaln has no rule: the workloads only apply it to constants.

# --------------------------------------------------------------------------
# Reductions


def _sum_vjp(ans, x, axis=None, keepdims=False):
    sx = shape(x)
    return lambda g: spread(g, sx, axis)


defjvp(p.sum_p, lambda t, ans, x, axis=None, keepdims=False: anp.sum(t, axis, keepdims))
defvjp(p.sum_p, _sum_vjp)


def _mean_vjp(ans, x, axis=None, keepdims=False):
    sx = shape(x)
    n = float(math.prod(sx) // max(math.prod(shape(ans)), 1))
    return lambda g: div(spread(g, sx, axis), n)


defjvp(p.mean_p, lambda t, ans, x, axis=None, keepdims=False: anp.mean(t, axis, keepdims))
defvjp(p.mean_p, _mean_vjp)


def _max_weights(ans, x, axis):
    """Constant weights: 1/count on the positions that hold the max (ties split, as JAX)."""
    px, pans = primal(x), primal(ans)
    xp = p.namespace((px, pans))
    hit = xp.where(px == xp.reshape(pans, keepdims_shape(shape(x), axis)), 1.0, 0.0)
    return hit / xp.sum(hit, axis=axis, keepdims=True)


def _max_vjp(ans, x, axis=None, keepdims=False):
    sx, w = shape(x), _max_weights(ans, x, axis)
    return lambda g: mul(spread(g, sx, axis), w)


defjvp(p.max_p, lambda t, ans, x, axis=None, keepdims=False:
       anp.sum(mul(t, _max_weights(ans, x, axis)), axis, keepdims))
defvjp(p.max_p, _max_vjp)


def _softmax(ans, x, axis):
    """exp(x - m) / sum(exp(x - m)), m the (constant) max: exp(x - ans) loses the weights once
    |ans| is so large that ans + log(n) rounds to ans (a factor n at 1e76)."""
    px = primal(x)
    xp = p.namespace((px,))
    m = xp.max(px, axis=axis, keepdims=True)
    e = anp.exp(sub(x, xp.where(xp.isfinite(m), m, 0.0)))
    return div(e, anp.sum(e, axis, True))


def _logsumexp_vjp(ans, x, axis=None, keepdims=False):
    sx = shape(x)
    return lambda g: mul(spread(g, sx, axis), _softmax(ans, x, axis))


defjvp(p.logsumexp_p, lambda t, ans, x, axis=None, keepdims=False:
       anp.sum(mul(t, _softmax(ans, x, axis)), axis, keepdims))
defvjp(p.logsumexp_p, _logsumexp_vjp)

# --------------------------------------------------------------------------
# Linear algebra


def _matmul_vjp_x(ans, x, y):
    sx, sy = shape(x), shape(y)

    def vjp(g):
        if len(sx) == 1 and len(sy) == 1:
            return mul(g, y)
        if len(sy) == 1:  # (..., n, k) @ (k,): outer product of g and y
            return unbroadcast(mul(append_axis(g, -1), y), sx)
        if len(sx) == 1:  # (k,) @ (..., k, m)
            gx = anp.matmul(y, append_axis(g, -1))
            return unbroadcast(anp.reshape(gx, shape(gx)[:-1]), sx)
        return unbroadcast(anp.matmul(g, swap_last(y)), sx)

    return vjp


def _matmul_vjp_y(ans, x, y):
    sx, sy = shape(x), shape(y)

    def vjp(g):
        if len(sx) == 1 and len(sy) == 1:
            return mul(g, x)
        if len(sx) == 1:  # (k,) @ (..., k, m): outer product of x and g
            return unbroadcast(mul(append_axis(x, -1), append_axis(g, -2)), sy)
        if len(sy) == 1:  # (..., n, k) @ (k,)
            gy = anp.matmul(swap_last(x), append_axis(g, -1))
            return unbroadcast(anp.reshape(gy, shape(gy)[:-1]), sy)
        return unbroadcast(anp.matmul(swap_last(x), g), sy)

    return vjp


defjvp(p.matmul_p,
       lambda t, ans, x, y: anp.matmul(t, y),
       lambda t, ans, x, y: anp.matmul(x, t))
defvjp(p.matmul_p, _matmul_vjp_x, _matmul_vjp_y)


def _dot_as(ans, x, y):
    """np.dot is multiply on a scalar operand and matmul otherwise (up to 2-D)."""
    return p.multiply_p if 0 in (len(shape(x)), len(shape(y))) else p.matmul_p


defjvp(p.dot_p,
       lambda t, ans, x, y: anp.dot(t, y),
       lambda t, ans, x, y: anp.dot(x, t))
defvjp(p.dot_p,
       lambda ans, x, y: _dot_as(ans, x, y).vjps[0](ans, x, y),
       lambda ans, x, y: _dot_as(ans, x, y).vjps[1](ans, x, y))

# --------------------------------------------------------------------------
# Shape and indexing


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

defjvp(p.getitem_p, lambda t, ans, x, idx: anp.getitem(t, idx))


def _getitem_vjp(ans, x, idx):
    sx = shape(x)
    return lambda g: p.index_add_p(g, idx=idx, shape=sx)


defvjp(p.getitem_p, _getitem_vjp)
defjvp(p.index_add_p, lambda t, ans, g, idx, shape: p.index_add_p(t, idx=idx, shape=shape))
defvjp(p.index_add_p, lambda ans, g, idx, shape: lambda h: anp.getitem(h, idx))


def _concatenate_region(i, xs, axis):
    """The index of operand i's block inside ``concatenate(xs, axis)``."""
    ax = axis % len(shape(xs[0]))
    start = sum(shape(x)[ax] for x in xs[:i])
    return (slice(None),) * ax + (slice(start, start + shape(xs[i])[ax]),)


def _stack_region(i, xs, axis):
    ax = axis % (len(shape(xs[0])) + 1)
    return (slice(None),) * ax + (i,)


def _placement_rules(prim, region):
    """concatenate / stack: operand i fills a region of the output, and back."""

    def jvp(i, t, ans, *xs, axis=0):
        return p.index_add_p(t, idx=region(i, xs, axis), shape=shape(ans))

    def vjp(i, ans, *xs, axis=0):
        idx = region(i, xs, axis)
        return lambda g: anp.getitem(g, idx)

    prim.jvps = _PerOperand(jvp)
    prim.vjps = _PerOperand(vjp)


_placement_rules(p.concatenate_p, _concatenate_region)
_placement_rules(p.stack_p, _stack_region)

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
    return p.index_update_p(p.constant_like(ans, 0.0), t, idx=idx)


def _index_update_vjp_v(ans, x, v, idx):
    sv, written = shape(v), _written(x, idx)
    if written is None:
        return lambda g: unbroadcast(anp.getitem(g, idx), sv)
    return lambda g: unbroadcast(mul(anp.getitem(g, idx), written), sv)


defjvp(p.index_update_p,
       lambda t, ans, x, v, idx: p.index_update_p(t, 0.0, idx=idx),
       _index_update_jvp_v)
defvjp(p.index_update_p,
       lambda ans, x, v, idx: lambda g: p.index_update_p(g, 0.0, idx=idx),
       _index_update_vjp_v)
