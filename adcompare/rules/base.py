"""How rules are written, and the shape helpers they share.

The table is joint, as autodidax's transpose rules and autograd's ``defvjp_argnums`` are. For a primitive ``p`` with
operands ``x_0 .. x_n`` and result ``ans``:

* ``p.jvp(tangents, ans, *operands, **params)`` is the output tangent, shaped like ``ans`` (and in its float
  dtype); ``tangents[i]`` is operand i's tangent, or ``None`` for an inactive operand (a zero tangent, skipped).
* ``p.vjp(active, ans, *operands, **params)`` is curried, as in HIPS autograd: ``active[i]`` says whether
  operand i is active, and it returns ``lambda g: (x_0_bar, ..., x_n_bar)``, each shaped like its operand,
  ``None`` for an inactive one. What the inner function closes over is what the reverse sweep keeps alive.
* ``p.differentiable(i)`` says whether operand i has a derivative at all (a ``where`` condition does not).

Engines read only the joint rules. Three shorthands build them:

* :func:`defderiv`: an elementwise primitive has a diagonal Jacobian, which is its own transpose, so one entry gives
  both rules;
* :func:`defjvp` and :func:`defvjp`: one rule per operand (``jvps[i](t, ans, *operands, **params)`` is operand i's
  contribution; ``vjps[i](ans, *operands, **params)`` returns ``lambda g: x_i_bar``), kept as ``p.jvps`` /
  ``p.vjps``; ``defvjp(..., joint=)`` also gives a joint VJP that does in one pass what the per-operand rules do one
  by one (concatenate, stack);
* :func:`defjoint` gives the joint rules directly (a custom function's ``fwd`` and ``bwd`` treat all operands at
  once), and the per-operand views from them.

``None`` in a per-operand table means the operand has no derivative (a ``where`` condition, an index). Rules
are written with the vocabulary's primitives, never with Python operators, so every engine can differentiate a
rule again (higher order).
"""

from __future__ import annotations

import inspect
import math
from functools import partial

import numpy as np

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.concrete import user_location
from adcompare.primitives import primal, shape


def no_derivative(prim: p.Primitive, i: int) -> TypeError:
    return TypeError(f"primitive '{prim.name}' has no derivative with respect to operand {i}, "
                     f"which is active here (at {user_location()}): pass it a constant")


def defjoint(prim: p.Primitive, jvp=None, vjp=None, nondiff: tuple[int, ...] = (), value_and_vjp=None,
             value_and_jvp=None) -> None:
    """Give ``prim`` joint rules directly (see the module docstring for their form).

    The per-operand views ``prim.jvps`` / ``prim.vjps`` are made from them, for
    code that asks for one operand's rule (SCT's generated code).

    Args:
        jvp: ``jvp(tangents, ans, *operands, **params) -> ans_dot``, or None.
        vjp: ``vjp(active, ans, *operands, **params) -> (g -> operand bars)``, or None.
        nondiff: operand positions that have no derivative.
        value_and_vjp: ``value_and_vjp(active, *operands, **params) -> (ans, pullback)``
            where the rule computes the value itself (a custom_vjp's ``fwd``); a
            reverse-mode tape then asks it instead of the implementation and ``vjp``.
        value_and_jvp: ``value_and_jvp(tangents, *operands, **params) -> (ans, ans_dot)``, the
            same for forward mode (a custom_jvp's rule, which gives the value too).
    """
    prim.nondiff, prim.value_and_vjp, prim.value_and_jvp = frozenset(nondiff), value_and_vjp, value_and_jvp
    if jvp is not None:
        prim.jvp = jvp
        prim.jvps = PerOperand(partial(_one_jvp, jvp))
    if vjp is not None:
        prim.vjp = vjp
        prim.vjps = PerOperand(partial(_one_vjp, vjp))


def _one_jvp(jvp, i, t, ans, *xs, **params):
    return jvp(tuple(t if k == i else None for k in range(len(xs))), ans, *xs, **params)


def _one_vjp(vjp, i, ans, *xs, **params):
    pullback = vjp(tuple(k == i for k in range(len(xs))), ans, *xs, **params)
    return lambda g: pullback(g)[i]


def _nondiff(prim: p.Primitive, rules) -> frozenset:
    if not isinstance(rules, tuple):
        return prim.nondiff
    return prim.nondiff | {i for i, r in enumerate(rules) if r is None}


def defjvp(prim: p.Primitive, *jvps) -> None:
    """Per-operand JVP rules: ``jvps[i](t, ans, *operands, **params)``; the joint rule sums them."""
    if len(jvps) == 1 and isinstance(jvps[0], PerOperand):
        jvps = jvps[0]
    prim.jvps, prim.nondiff = jvps, _nondiff(prim, jvps)

    def jvp(tangents, ans, *operands, **params):
        out = None
        for i, t in enumerate(tangents):
            if t is not None:
                rule = jvps[i]
                if rule is None:
                    raise no_derivative(prim, i)
                term = rule(t, ans, *operands, **params)
                out = term if out is None else anp.add(out, term)
        return out

    prim.jvp = jvp


def defvjp(prim: p.Primitive, *vjps, joint=None) -> None:
    """Per-operand curried VJP rules: ``vjps[i](ans, *operands, **params)`` returns ``g -> x_i_bar``.

    The joint rule applies each active operand's rule, unless ``joint`` gives it: a
    ``vjp(active, ans, *operands, **params)`` that does in one pass what the per-operand
    rules do one by one (concatenate's regions: one walk over the operands' shapes, one
    pull-back that cuts the cotangent once). It must give exactly their cotangents; the
    per-operand rules stay the ones SCT reads from source (to transform them again).
    """
    if len(vjps) == 1 and isinstance(vjps[0], PerOperand):
        vjps = vjps[0]
    prim.vjps, prim.nondiff = vjps, _nondiff(prim, vjps)
    if joint is not None:
        prim.vjp = joint
        return

    def vjp(active, ans, *operands, **params):
        pullbacks = []
        for i, a in enumerate(active):
            if a:
                rule = vjps[i]
                if rule is None:
                    raise no_derivative(prim, i)
                pullbacks.append(rule(ans, *operands, **params))
            else:
                pullbacks.append(None)
        return lambda g: tuple([None if pb is None else pb(g) for pb in pullbacks])

    prim.vjp = vjp


def defderiv(prim: p.Primitive, *scalings, operands: tuple[str, ...] = ("x", "y")) -> None:
    """An elementwise primitive's one derivative entry, from which both rules are built.

    ``scalings[i](g, ...)`` is ``g`` times d(ans)/d(operand i), elementwise
    (``None``: no derivative). Its parameters after ``g`` name what it reads:
    ``ans`` and the operands by the names in ``operands`` (``x`` and ``y`` by
    default), e.g. ``defderiv(exp_p, lambda g, ans: mul(g, ans))``. The JVP rule
    sums ``scaling(t_i, ...)``, each broadcast to the result; the VJP rule is
    ``scaling(g, ...)`` summed down to each active operand's shape, and keeps
    alive only the values the active operands' scalings name. SCT inlines the
    same entries (:mod:`adcompare.engines.sct.emit.templates`).
    """
    wheres = tuple(None if s is None else reads(s, operands) for s in scalings)
    terms = tuple(None if s is None else (s, w) for s, w in zip(scalings, wheres))
    prim.derivatives, prim.operand_names = scalings, operands
    prim.nondiff = frozenset(i for i, s in enumerate(scalings) if s is None)

    def jvp(tangents, ans, *xs, **params):
        out = None
        for i, t in enumerate(tangents):
            if t is not None:
                if terms[i] is None:
                    raise no_derivative(prim, i)
                s, where = terms[i]
                part = broadcast(s(t, *[ans if k < 0 else xs[k] for k in where]), ans)
                out = part if out is None else anp.add(out, part)
        return out

    def vjp(active, ans, *xs, **params):
        kept = []  # per active operand: its scaling, the values it reads, and the operand's shape
        for i, a in enumerate(active):
            if not a:
                kept.append(None)
                continue
            if terms[i] is None:
                raise no_derivative(prim, i)
            s, where = terms[i]
            kept.append((s, tuple([ans if k < 0 else xs[k] for k in where]), shape(xs[i])))
        return lambda g: tuple([None if k is None else unbroadcast(k[0](g, *k[1]), k[2]) for k in kept])

    # Fast paths for one and two operands, the hot path of every reverse-mode operation. The values a
    # scaling reads are looked up in ``(x, y, ans)``, where position -1 is ``ans``. An elementwise
    # result has its operands' common shape, so where they agree no unbroadcast is needed.
    if len(terms) == 1 and terms[0] is not None:
        s, where = terms[0]

        def jvp(tangents, ans, x, **params):
            return broadcast(s(tangents[0], *[ans if k < 0 else x for k in where]), ans)

        def vjp(active, ans, x, **params):
            kept = [(x, ans)[k] for k in where]
            return lambda g: (s(g, *kept),)

    if len(terms) == 2 and None not in terms:
        (s0, w0), (s1, w1) = terms

        def jvp(tangents, ans, x, y, **params):
            t0, t1 = tangents
            vals = (x, y, ans)
            out = None if t0 is None else broadcast(s0(t0, *[vals[k] for k in w0]), ans)
            if t1 is None:
                return out
            part = broadcast(s1(t1, *[vals[k] for k in w1]), ans)
            return part if out is None else anp.add(out, part)

        def vjp(active, ans, x, y, **params):
            vals = (x, y, ans)
            k0 = [vals[k] for k in w0] if active[0] else None
            k1 = [vals[k] for k in w1] if active[1] else None
            sx, sy = shape(x), shape(y)
            if sx == sy:
                if k1 is None:
                    return lambda g: (None if k0 is None else s0(g, *k0), None)
                if k0 is None:
                    return lambda g: (None, s1(g, *k1))
                return lambda g: (s0(g, *k0), s1(g, *k1))
            if k1 is None:
                return lambda g: (None if k0 is None else unbroadcast(s0(g, *k0), sx), None)
            if k0 is None:
                return lambda g: (None, unbroadcast(s1(g, *k1), sy))
            return lambda g: (unbroadcast(s0(g, *k0), sx), unbroadcast(s1(g, *k1), sy))

    prim.jvp, prim.vjp = jvp, vjp
    prim.jvps = tuple(None if s is None else partial(_one_jvp, jvp, i) for i, s in enumerate(scalings))
    prim.vjps = tuple(None if s is None else partial(_one_vjp, vjp, i) for i, s in enumerate(scalings))


def reads(scaling, operands: tuple[str, ...] = ("x", "y")) -> tuple:
    """What a :func:`defderiv` scaling reads: -1 for ``ans``, else operand positions."""
    names = tuple(inspect.signature(scaling).parameters)[1:]
    unknown = [n for n in names if n != "ans" and n not in operands]
    if unknown:
        raise TypeError(f"derivative entry {scaling}: parameters {unknown} are neither 'ans' nor "
                        f"an operand name {operands}")
    return tuple(-1 if n == "ans" else operands.index(n) for n in names)


class PerOperand:
    """Rules for a variadic primitive: operand i's rule is ``rule(i, ...)``."""

    def __init__(self, rule):
        self.rule = rule
        self._views: dict = {}  # i -> operand i's rule, made once (engines look it up per call)

    def __getitem__(self, i):
        view = self._views.get(i)
        if view is None:
            view = self._views[i] = partial(self.rule, i)
        return view


# --------------------------------------------------------------------------
# Shape helpers (themselves made of primitives, so they differentiate again)
_add_reduce = np.add.reduce


def unbroadcast(g, target: tuple):
    """Sum ``g`` down to ``target``: the VJP of NumPy broadcasting."""
    if type(g) is np.ndarray and target == () and g.shape:
        return _add_reduce(g, None)  # NumPy down to a scalar, the commonest case: g.sum() without its wrapper
    gshape = shape(g)
    if gshape == target:
        return g
    lead = len(gshape) - len(target)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(target) if n == 1 and gshape[lead + i] != 1
    )
    if type(g) is np.ndarray:  # NumPy: the same sum, without the primitive's dispatch
        summed = _add_reduce(g, axes)  # g.sum(axis=axes), without its wrapper
        return summed if summed.shape == target else summed.reshape(target)
    summed = anp.sum(g, axis=axes)
    return summed if shape(summed) == target else anp.reshape(summed, target)


def broadcast(t, ans):
    """``t`` broadcast to the shape of ``ans``, in its float dtype (:func:`in_dtype_of`)."""
    return in_dtype_of(t if shape(t) == shape(ans) else anp.broadcast_to(t, shape(ans)), ans)


def in_dtype_of(t, ans):
    """Tangent ``t`` in the float dtype of ``ans``, as JAX converts an operand first (x32 + c64: float64)."""
    have = getattr(t, "dtype", None)
    if type(t) is float is type(ans) or have is not None and have == getattr(ans, "dtype", None):
        return t  # the common cases first: two Python floats, or one dtype
    want, have = p.result_dtype(ans), p.result_dtype(t)
    return anp.astype(t, want) if have != want and have.kind == want.kind == "f" else t


def keepdims_shape(xshape: tuple, axis) -> tuple:
    """The shape a reduction over ``axis`` has with ``keepdims=True``."""
    if axis is None:
        return (1,) * len(xshape)
    axes = {a % len(xshape) for a in ((axis,) if isinstance(axis, p.INTEGERS) else axis)}
    return tuple(1 if i in axes else n for i, n in enumerate(xshape))


# NumPy cotangents spread into a fresh array (np.empty, then a fill or a broadcasting copy: about 1 us)
# instead of a read-only broadcast view (reshape then broadcast_to, two primitive dispatches and
# NumPy's Python wrapper: about 5 us); up to this many elements, where writing them costs less than that
# and the next operation's pass over a stride-0 view (measured break-even: about 30,000 float64 elements)
_SPREAD_FRESH_MAX = 16384
_NUMPY_SCALARS = (np.float64, np.float32, np.complex128, np.complex64)


def spread(g, xshape: tuple, axis):
    """A reduction's cotangent ``g`` spread back over the reduced axes. A NumPy ``g`` (an exact
    ndarray, a NumPy float or complex scalar, or a Python float) over a small ``xshape`` gives a fresh
    array of the same values and dtype; SCT transforming its own output takes this as a linear helper
    (``engines/sct/emit/second.py``), never from this source."""
    t = type(g)
    if axis is None and (t is float or t is np.float64) and math.prod(xshape) <= _SPREAD_FRESH_MAX:
        out = np.empty(xshape)  # the common case first (a float64 number over every axis): the fill below
        out.fill(g)
        return out
    keep = keepdims_shape(xshape, axis)
    one = math.prod(keep) == 1  # one value spread (a sum over every axis)
    # a NumPy array, or a scalar where one value is spread (a scalar elsewhere: the general path raises)
    if (t is np.ndarray or (t is float or t in _NUMPY_SCALARS) and one) and math.prod(xshape) <= _SPREAD_FRESH_MAX:
        out = np.empty(xshape, np.float64 if t is float else g.dtype)
        if one and (t is not np.ndarray or g.size == 1):
            out.fill(g if t is not np.ndarray or g.ndim == 0 else g.reshape(()))  # ~0.4 us less than copyto
        else:
            np.copyto(out, g.reshape(keep) if t is np.ndarray else g)  # reshape raises as anp.reshape would
        return out
    return anp.broadcast_to(anp.reshape(g, keep), xshape)


def is_number(x) -> bool:
    """A Python float or int (the scalar fast path), where a constant stays a Python float."""
    return type(x) in (float, int)


def mask(x, y, tie: float):
    """Constant 1 where ``x`` wins over ``y``, ``tie`` where they are equal, else 0 (and 0 at nan)."""
    px, py = primal(x), primal(y)
    if is_number(px) and is_number(py):
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

