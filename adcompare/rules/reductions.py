"""Rules of the reductions: the cotangent is spread back over the reduced axes.

``prod`` and ``cumprod`` divide by ``x`` only where it has no zero; with a zero
their rules use products of the other entries, which is exact (as JAX's
rules are) and costs n times the memory along the axis.

``max`` and ``min`` give the derivative to the positions that hold the result,
split over ties as JAX does: on NumPy with long slices and no tie, by writing
at those positions (kept: one index per slice); otherwise through a mask and,
only where a slice has a tie, a count. ``logsumexp``'s weights are
``exp(x - ans)`` while |ans| is small enough for that to be exact to rounding,
and the max-shifted softmax beyond. Each form gives the numbers of the others
and of JAX (``tests/test_speed6_red_reductions.py``). A tape (the overloading and
elemental engines) and SCT's forward sweep compute logsumexp of a NumPy array by its ``value_and_vjp``,
which keeps the forward's exponentials: its pull-back is one product
(``tests/test_rules14_reductions.py``).
"""

from __future__ import annotations

import math

import jax
import numpy as np

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import primal, shape
from adcompare.rules.base import append_axis, defjvp, defvjp, keepdims_shape, spread

mul, add, sub, div, neg = anp.multiply, anp.add, anp.subtract, anp.divide, anp.negative


def _sum_vjp(ans, x, axis=None, keepdims=False):
    sx = shape(x)
    return lambda g: spread(g, sx, axis)


defjvp(p.sum_p, lambda t, ans, x, axis=None, keepdims=False: anp.sum(t, axis, keepdims))
defvjp(p.sum_p, _sum_vjp)


def _mean_vjp(ans, x, axis=None, keepdims=False):
    sx = shape(x)
    n = float(math.prod(sx) // max(math.prod(shape(ans)), 1))
    return lambda g: spread(div(g, n), sx, axis)  # divided before it is spread: the same values, fewer


defjvp(p.mean_p, lambda t, ans, x, axis=None, keepdims=False: anp.mean(t, axis, keepdims))
defvjp(p.mean_p, _mean_vjp)


def _concrete(*values) -> bool:
    """Can a rule read the numbers of ``values`` (raw values, unboxed)? Not a JAX tracer's (under
    ``jax.jit``, ``jax.grad``, ``vmap``...): it has none, or none NumPy may read."""
    return not any(isinstance(v, jax.core.Tracer) for v in values)


def _certain(check, *values) -> bool:
    """``check()`` (which reads ``values``) as a Python bool; False, the general form, where
    ``values`` hold a JAX tracer. Any error ``check`` raises on concrete values propagates."""
    return _concrete(*values) and bool(check())


def _finite(v) -> bool:
    """Is every entry of ``v``'s value finite? JAX's pull-back multiplies the cotangent by a mask, so
    a non-finite one gives nan where the mask is 0, which writing at positions alone would not."""
    pv = primal(v)
    return _certain(lambda: np.isfinite(pv).all(), pv)


def _hits(ans, x, axis):
    """max / min's constants: where x holds the result (booleans), and the count of hits per
    reduced slice (keepdims shape), or None where every slice holds it exactly once (no tie, no
    nan: then the count has nothing to divide). Ties split the derivative 1/count, as JAX's rule."""
    px, pans = primal(x), primal(ans)
    xp = p.namespace((px, pans))
    hit = px == xp.reshape(pans, keepdims_shape(shape(x), axis))
    # each slice holds a non-nan result at least once, so as many hits as slices means once each
    if _certain(lambda: xp.count_nonzero(hit) == xp.size(pans) and not xp.any(xp.isnan(pans)), hit, pans):
        return hit, None
    return hit, xp.sum(hit, axis=axis, keepdims=True)


# Reduced slices at least this long (on average) take the cotangent by writing it at the result's
# positions (zeros, then one write per slice) instead of multiplying a mask of x's size
_POSITIONS_MIN_SLICE = 16


def _positions(ans, x, axis):
    """Where a NumPy x holds the result, as an index (one integer array per axis) in the result's
    order; None unless every slice holds it exactly once (no tie, no nan) and slices are long."""
    px, pans = primal(x), primal(ans)
    if type(px) is not np.ndarray or px.size < _POSITIONS_MIN_SLICE * np.size(pans):
        return None
    flat = np.flatnonzero(px == np.reshape(pans, keepdims_shape(px.shape, axis)))
    if flat.size != np.size(pans) or np.isnan(pans).any():
        return None
    where = np.unravel_index(flat, px.shape)
    kept = [k for k in range(px.ndim) if k not in _axes(px.ndim, axis)]
    if kept:  # hits come in x's order; put them in the result's
        order = np.ravel_multi_index([where[k] for k in kept], [px.shape[k] for k in kept])
        take = np.empty_like(order)
        take[order] = np.arange(order.size)
        where = tuple(w[take] for w in where)
    return where


def _chooser_jvp(t, ans, x, axis=None, keepdims=False):
    """The tangent at the result's positions (a select, as JAX computes it: a non-finite tangent
    elsewhere in the slice does not reach the result), averaged over ties."""
    idx = _positions(ans, x, axis)
    if idx is not None:
        return anp.reshape(anp.getitem(t, idx), shape(ans))
    hit, count = _hits(ans, x, axis)
    out = anp.sum(anp.where(hit, t, 0.0), axis, keepdims)
    return out if count is None else div(out, count.reshape(shape(out)))


def _mask(ans, x, axis):
    """1.0 where x holds the result, else 0.0, and the count (see _hits). A float mask: JAX
    multiplies a boolean one as a select (inf * False = 0), where JAX's pull-back gives nan."""
    hit, count = _hits(ans, x, axis)
    return hit.astype(p.result_dtype(primal(x))), count


def _chooser_vjp(ans, x, axis=None, keepdims=False):
    sx, keep, n = shape(x), keepdims_shape(shape(x), axis), math.prod(shape(ans))
    idx = _positions(ans, x, axis)
    mask, count = (None, None) if idx is not None else _mask(ans, x, axis)

    def vjp(g):
        if idx is not None and _finite(g):
            return p.index_add_p(anp.reshape(g, (n,)), idx=idx, shape=sx)
        w, c = (mask, count) if mask is not None else _mask(ans, x, axis)
        g = anp.reshape(g, keep)
        return mul(g if c is None else div(g, c), w)  # spread by broadcasting against the mask

    return vjp


for _prim in (p.max_p, p.min_p):
    defjvp(_prim, _chooser_jvp)
    defvjp(_prim, _chooser_vjp)

# exp(x - ans) is softmax(x) to within the rounding of ans = m + log(sum(exp(x - m))): at most
# half an ulp of ans, relative, which is 2**-48 (float64) while |ans| <= 64. Beyond that the
# rounding grows, until ans + log(n) rounds to ans and the weights are off by a factor n (1e76).
_ANS_EXACT = 64.0


def _softmax(ans, x, axis):
    """softmax(x) along ``axis``: exp(x - ans) where every |ans| <= _ANS_EXACT (two passes over x;
    ans is differentiated through, as the math says); elsewhere exp(x - m) / sum(exp(x - m)), m
    the (constant) max, which stays exact at any magnitude."""
    pans = primal(ans)
    if _certain(lambda: p.namespace((pans,)).all(abs(pans) <= _ANS_EXACT), pans):
        return anp.exp(sub(x, anp.reshape(ans, keepdims_shape(shape(x), axis))))
    px = primal(x)
    xp = p.namespace((px,))
    m = xp.max(px, axis=axis, keepdims=True)
    e = anp.exp(sub(x, xp.where(xp.isfinite(m), m, 0.0)))
    return div(e, anp.sum(e, axis, True))


def _logsumexp_vjp(ans, x, axis=None, keepdims=False):
    keep = keepdims_shape(shape(x), axis)
    return lambda g: mul(_softmax(ans, x, axis), anp.reshape(g, keep))


def _logsumexp_value_and_vjp(active, x, axis=None, keepdims=False):
    """For a tape: on a NumPy array, the value as the primitive computes it, keeping the forward's
    ``e = exp(x - m)`` and its sum ``s``, so that the pull-back is one product ``e * (g / s)`` (the
    max-shifted softmax, exact at any magnitude) where the rule recomputes the exponentials; it keeps
    e (x's size) instead of x. Elsewhere (boxes of an outer level, JAX) the primitive and its rule."""
    if type(x) is not np.ndarray:
        ans = p.logsumexp_p(x, axis=axis, keepdims=keepdims)
        return ans, p.logsumexp_p.vjp(active, ans, x, axis=axis, keepdims=keepdims)
    e, s, m = p.logsumexp_parts(np, x, axis)
    keep = s.shape
    return p.logsumexp_from_parts(np, s, m, axis, keepdims), lambda g: (mul(e, div(anp.reshape(g, keep), s)),)


defjvp(p.logsumexp_p, lambda t, ans, x, axis=None, keepdims=False:
       anp.sum(mul(t, _softmax(ans, x, axis)), axis, keepdims))
defvjp(p.logsumexp_p, _logsumexp_vjp)
p.logsumexp_p.value_and_vjp = _logsumexp_value_and_vjp


# --------------------------------------------------------------------------
# Products, and cumulative sums and products


def _has_zero(x) -> bool:
    """Might ``x``'s value hold a zero? True for a JAX tracer (no value to read): the exact rule."""
    px = primal(x)
    return not _concrete(px) or bool(p.namespace((px,)).any(px == 0))


def _axes(ndim: int, axis) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted(a % ndim for a in ((axis,) if isinstance(axis, p.INTEGERS) else axis)))


def _to_last(x, axes: tuple):
    """``x`` with ``axes`` moved last and merged into one, and the function that undoes it."""
    sx = shape(x)
    perm = tuple(i for i in range(len(sx)) if i not in axes) + axes
    moved = tuple(sx[i] for i in perm)
    kept = moved[:len(moved) - len(axes)]
    inverse = tuple(sorted(range(len(perm)), key=perm.__getitem__))
    flat = anp.reshape(anp.transpose(x, perm), kept + (math.prod(sx[i] for i in axes),))
    return flat, lambda y: anp.transpose(anp.reshape(y, moved), inverse)


def _each_left_out(x_last):
    """Shape (..., n, n): row i is ``x_last`` with its entry i replaced by 1."""
    n = shape(x_last)[-1]
    return anp.where(np.eye(n, dtype=bool), 1.0, append_axis(x_last, -2))


def _others_product(ans, x, axis):
    """Each entry's product of the other entries of its reduced slice."""
    if not _has_zero(x):
        return div(spread(ans, shape(x), axis), x)
    flat, back = _to_last(x, _axes(len(shape(x)), axis))
    return back(anp.prod(_each_left_out(flat), axis=-1))


def _prod_vjp(ans, x, axis=None, keepdims=False):
    sx, w = shape(x), _others_product(ans, x, axis)
    return lambda g: mul(spread(g, sx, axis), w)


defjvp(p.prod_p, lambda t, ans, x, axis=None, keepdims=False:
       anp.sum(mul(t, _others_product(ans, x, axis)), axis, keepdims))
defvjp(p.prod_p, _prod_vjp)


def _reverse_cumsum(g, axis: int):
    flip = (slice(None),) * (axis % len(shape(g))) + (slice(None, None, -1),)
    return anp.getitem(anp.cumsum(anp.getitem(g, flip), axis), flip)


defjvp(p.cumsum_p, lambda t, ans, x, axis: anp.cumsum(t, axis))
defvjp(p.cumsum_p, lambda ans, x, axis: lambda g: _reverse_cumsum(g, axis))


def _cumprod_partials(x, axis: int):
    """Shape (..., n, n), the axis moved last: [i, k] = d ans_k / d x_i (0 for k < i), exactly."""
    flat, back = _to_last(x, (axis % len(shape(x)),))
    n = shape(flat)[-1]
    return anp.multiply(anp.cumprod(_each_left_out(flat), -1), np.triu(np.ones((n, n)))), back


def _cumprod_jvp(t, ans, x, axis):
    if not _has_zero(x):
        return mul(ans, anp.cumsum(div(t, x), axis))
    partials, back = _cumprod_partials(x, axis)
    t_last, _ = _to_last(t, (axis % len(shape(x)),))
    return back(anp.sum(mul(append_axis(t_last, -1), partials), axis=-2))


def _cumprod_vjp(ans, x, axis):
    if not _has_zero(x):
        return lambda g: div(_reverse_cumsum(mul(g, ans), axis), x)
    partials, back = _cumprod_partials(x, axis)

    def vjp(g):
        g_last, _ = _to_last(g, (axis % len(shape(x)),))
        return back(anp.sum(mul(append_axis(g_last, -2), partials), axis=-1))

    return vjp


defjvp(p.cumprod_p, _cumprod_jvp)
defvjp(p.cumprod_p, _cumprod_vjp)
