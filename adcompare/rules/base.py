"""How rules are written, and the shape helpers they share.

For a primitive ``p`` with operands ``x_0 .. x_n`` and result ``ans``:

* ``p.jvps[i](t, ans, *operands, **params)`` is operand i's contribution to the
  output tangent, shaped like ``ans``. An engine sums the contributions of the
  active operands (inactive ones have a zero tangent and are skipped).
* ``p.vjps[i](ans, *operands, **params)`` is curried, as in HIPS autograd: it
  returns ``lambda g: x_i_bar``, shaped like operand i. What the inner function
  closes over is exactly what the reverse sweep keeps alive.

An elementwise primitive has a diagonal Jacobian, which is its own transpose:
one entry, :func:`defderiv`, gives both rules. Other primitives give the two
with :func:`defjvp` and :func:`defvjp`.

``None`` in a table means the operand has no derivative (a ``where`` condition,
an index). Rules are written with the vocabulary's primitives, never with Python
operators, so every engine can differentiate a rule again (higher order).
"""

from __future__ import annotations

import inspect
from functools import partial

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import primal, shape


def defjvp(prim: p.Primitive, *jvps) -> None:
    prim.jvps = jvps


def defvjp(prim: p.Primitive, *vjps) -> None:
    prim.vjps = vjps


def defderiv(prim: p.Primitive, *scalings, operands: tuple[str, ...] = ("x", "y")) -> None:
    """An elementwise primitive's one derivative entry, from which both rules are built.

    ``scalings[i](g, ...)`` is ``g`` times d(ans)/d(operand i), elementwise
    (``None``: no derivative). Its parameters after ``g`` name what it reads:
    ``ans`` and the operands by the names in ``operands`` (``x`` and ``y`` by
    default), e.g. ``defderiv(exp_p, lambda g, ans: mul(g, ans))``. The JVP rule
    is ``scaling(t, ...)`` broadcast to the result; the VJP rule is
    ``scaling(g, ...)`` summed down to the operand's shape, and keeps alive only
    the values the scaling names. SCT inlines the same entries
    (:mod:`adcompare.engines.sct.templates`).
    """
    prim.derivatives = scalings
    prim.jvps = tuple(None if s is None else _jvp_of(s, operands) for s in scalings)
    prim.vjps = tuple(None if s is None else _vjp_of(s, operands, i) for i, s in enumerate(scalings))


def reads(scaling, operands: tuple[str, ...] = ("x", "y")) -> tuple:
    """What a :func:`defderiv` scaling reads: -1 for ``ans``, else operand positions."""
    names = tuple(inspect.signature(scaling).parameters)[1:]
    unknown = [n for n in names if n != "ans" and n not in operands]
    if unknown:
        raise TypeError(f"derivative entry {scaling}: parameters {unknown} are neither 'ans' nor "
                        f"an operand name {operands}")
    return tuple(-1 if n == "ans" else operands.index(n) for n in names)


def _jvp_of(scaling, operands):
    where = reads(scaling, operands)

    def jvp(t, ans, *xs, **params):
        return broadcast(scaling(t, *(ans if k < 0 else xs[k] for k in where)), ans)

    return jvp


def _vjp_of(scaling, operands, i):
    where = reads(scaling, operands)

    def vjp(ans, *xs, **params):
        kept, target = tuple(ans if k < 0 else xs[k] for k in where), shape(xs[i])
        return lambda g: unbroadcast(scaling(g, *kept), target)

    return vjp


class PerOperand:
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

