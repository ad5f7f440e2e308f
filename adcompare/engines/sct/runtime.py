"""Runtime: the few helpers generated code calls besides the vocabulary.

Contract: generated reverse code keeps a cotangent either exactly shaped like
its primal or as the Python float ``0.0``, which stands for "zero, of whatever
shape" (a variable nothing has flowed back to yet). Every helper here keeps
that invariant, treats ``0.0`` as zero, and leaves genuine values alone; each
takes a fast path on Python floats, so scalar code stays native Python. All
derivative math here comes from :mod:`adcompare.rules` (``unbroadcast``,
``broadcast``, the getitem rule, a primitive's own rules). ``divide`` and
``power`` are Python's ``/`` and ``**`` with NumPy's answers (inf, nan) where
Python's floats would raise or give a complex number.
"""

from __future__ import annotations

import math
from typing import Any

from adcompare import numpy as anp
from adcompare import rules
from adcompare.primitives import divide_p, getitem_p, power_p, shape, stack_p

_SEQ = (tuple, list)


def divide(x: Any, y: Any) -> Any:
    """``x / y``, with NumPy's inf or nan where Python's numbers raise (``1.0 / 0.0``)."""
    try:
        return x / y
    except ArithmeticError:
        return divide_p(x, y)


def power(x: Any, y: Any) -> Any:
    """``x ** y``, with NumPy's inf or nan where Python's numbers raise (``0.0 ** -1.0``,
    ``10.0 ** 400.0``) or turn complex (``(-4.0) ** 0.5``)."""
    try:
        out = x ** y
    except ArithmeticError:
        return power_p(x, y)
    if type(out) is complex and type(x) is not complex and type(y) is not complex:
        return power_p(x, y)
    return out


def unbroadcast(g: Any, like: Any) -> Any:
    """``g`` summed down to ``like``'s shape: a broadcasting operand's share of a cotangent."""
    if type(g) is float:
        return g  # shape (): ``like`` is a scalar too, or ``g`` is the zero placeholder
    target, gshape = shape(like), shape(g)
    if gshape == target:
        return g
    lead = len(gshape) - len(target)
    if lead >= 0 and all(t == 1 or t == s for t, s in zip(target, gshape[lead:])):
        return rules.unbroadcast(g, target)
    return 0.0  # only a zero grown from the placeholder can fail to cover ``like``


def broadcast(t: Any, ans: Any) -> Any:
    """A lone tangent contribution broadcast to the result's shape."""
    if type(t) is float and type(ans) is float:
        return t
    return rules.broadcast(t, ans)


def materialize(g: Any, like: Any) -> Any:
    """A cotangent the rule table can take: the zero placeholder becomes real zeros."""
    if type(g) is float and g == 0.0 and shape(like) != ():
        return anp.zeros_like(like)
    return g


def zeros(x: Any) -> Any:
    """The zero tangent of ``x`` (tuples and lists elementwise; floats for integers)."""
    if isinstance(x, _SEQ):
        return type(x)(zeros(v) for v in x)
    if type(x) in (float, int, bool) or x is None:
        return 0.0
    return anp.zeros_like(x)


def _is_placeholder(g: Any) -> bool:
    return type(g) is float and g == 0.0


def add_bar(a: Any, b: Any) -> Any:
    """a + b for cotangents that may be tuples or lists (added elementwise; an array cotangent of
    a list, from a vocabulary function that packed it, adds row by row)."""
    if _is_placeholder(a):
        return b
    if _is_placeholder(b):
        return a
    if isinstance(a, _SEQ) or isinstance(b, _SEQ):
        kind = type(a) if isinstance(a, _SEQ) else type(b)
        return kind(add_bar(u, v) for u, v in zip(a, b))
    return a + b


def item_bar(g: Any, i: int) -> Any:
    """The cotangent of element i of a tuple or list whose cotangent is ``g`` (a tuple or list, or
    an array where a vocabulary function packed the list)."""
    if _is_placeholder(g):
        return 0.0
    return g[i]


def last_bar(g: Any) -> Any:
    if _is_placeholder(g) or len(g) == 0:
        return 0.0
    return g[-1]


def drop_last(g: Any) -> Any:
    return g if _is_placeholder(g) else g[:-1]


def getitem_bar(g: Any, x: Any, idx: Any) -> Any:
    """The cotangent of ``x`` from the cotangent ``g`` of ``x[idx]`` (arrays, tuples, lists)."""
    if type(g) is float and g == 0.0:
        return 0.0
    if isinstance(x, _SEQ):
        if isinstance(g, _SEQ) and len(g) == 0:
            return 0.0
        bar: list = [0.0] * len(x)
        bar[idx] = g
        return type(x)(bar)
    return getitem_p.vjps[0](None, x, idx=idx)(g)


def unpack_bar(bars: tuple, src: Any) -> Any:
    """The cotangent of ``src`` from those of the names ``a, b, ... = src`` unpacked it into."""
    if isinstance(src, _SEQ):
        return type(src)(bars)
    total: Any = 0.0
    for i, g in enumerate(bars):
        part = getitem_bar(g, src, i)
        total = part if type(total) is float else (total if type(part) is float else total + part)
    return total


def seq_vjp(prim, g: Any, ans: Any, xs: Any, params: dict) -> list:
    """Cotangents of every element of ``xs`` for ``ans = prim(*xs, **params)`` (stack, concatenate)."""
    g = materialize(g, ans)
    return [prim.vjps[i](ans, *xs, **params)(g) for i in range(len(xs))]


def seq_jvp(prim, ts: Any, ans: Any, xs: Any, params: dict) -> Any:
    """The tangent of ``ans = prim(*xs, **params)`` from the tangents ``ts`` of the elements."""
    out = None
    for i, t in enumerate(ts):
        part = prim.jvps[i](_packed(t), ans, *xs, **params)
        out = part if out is None else anp.add(out, part)
    return out if out is not None else zeros(ans)


def _packed(t: Any) -> Any:
    """The tangent of an element that is itself a tuple or list, packed as the primal is."""
    if isinstance(t, _SEQ):
        return stack_p(*[_packed(v) for v in t])
    return t


def final_bar(bar: Any, x: Any) -> Any:
    """An input's cotangent as JAX returns it: the placeholder becomes zeros shaped like ``x``."""
    if isinstance(x, _SEQ):
        if _is_placeholder(bar):
            bar = [0.0] * len(x)
        return type(x)(final_bar(b, v) for b, v in zip(bar, x))
    if type(bar) is float and bar == 0.0 and type(x) is not float:
        return anp.zeros_like(x)
    return bar


def segments(r: range, every: int | None) -> list[range]:
    """A checkpointed loop's range cut into segments of ``every`` iterations (default √n)."""
    if every is None:
        every = max(1, round(math.sqrt(len(r))))
    if every < 1:
        raise ValueError(f"checkpointed_range: every must be a positive number of iterations, not {every}")
    return [r[k:k + every] for k in range(0, len(r), every)]


def discard(value: Any) -> None:
    """The forward sweep's ``push`` in a checkpointed loop: the reverse sweep recomputes instead."""
