"""Runtime: the few helpers generated code calls besides the vocabulary.

Contract: generated reverse code keeps a cotangent exactly shaped like its primal or as the Python float ``0.0``,
"zero, of whatever shape" (nothing has flowed back yet); a container's (tuple, named tuple, list, dict) cotangent
is a container of the same kind holding its elements' cotangents. Every helper keeps that invariant, treats ``0.0``
(and ``None``, an empty subtree) as zero, leaves genuine values alone and takes a fast path on Python floats and
NumPy arrays; two cotangents of one value that do not fit together raise rather than lose one. All derivative math
here comes from :mod:`adcompare.rules`. ``divide`` and ``power`` are ``/`` and ``**`` with NumPy's inf or nan where
Python's floats raise or turn complex. The forward sweep keeps a value, a rule's pull-back (:func:`pull` calls it),
or, where the adjoints read only a shape, :func:`shape_of` it; code transformed again or stacked by ``lax.scan``
keeps values (see :func:`materialize`, :func:`seq_vjp`). :func:`zeros` marks its arrays as symbolic (:mod:`.symbolic`).
The containers' helpers (:func:`add_bar`, :func:`item_bar`, :func:`final_bar`, :func:`leaf_bars`) live in
:mod:`.containers` and are re-exported here, as are Python's own checks of containers and calls
(:mod:`.python_checks`). :func:`unbroadcast` answers its common cases first (a scalar's share
of a scalar, shapes that agree, NumPy's sum to a scalar) exactly as :func:`unbroadcast_general` would.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from adcompare import numpy as anp
from adcompare import rules
from adcompare.checkpoint import segments  # noqa: F401  (generated code calls it from here)
from adcompare.engines.sct.emit import symbolic
from adcompare.engines.sct.emit.containers import (  # noqa: F401  (generated code calls them from here)
    _SEQ,
    _TREES,
    _mismatch,
    _rebuild,
    _split,
    _values,
    add_bar,
    final_bar,
    is_tree,
    is_zero,
    item_bar,
    leaf_bars,
)
from adcompare.engines.sct.emit.python_checks import (  # noqa: F401  (generated code calls them from here)
    array_receiver,
    check_sequence,
    copy_for,
    dict_keys,
    field_index,
    integer_index,
    jit_static_argument,
    list_position,
    loop_keys,
    nonempty_len,
    positional_len,
    same_length,
    same_size,
    sort_order,
    sorted_keys,
    traced_isinstance,
    traced_type,
    written_keys,
)
from adcompare.engines.sct.emit.unshared import unshared_item  # noqa: F401
from adcompare.primitives import divide_p, getitem_p, masked, power_p, shape, stack_p
from adcompare.primitives.promotion import promoted

_RAW = frozenset({np.ndarray, np.float64, float})  # a cotangent on NumPy, with no boxes
_ND, _F64 = np.ndarray, np.float64
_F64D = np.dtype(np.float64)
_AS_NUMPY = frozenset({float, int, np.float64})  # operands NumPy promotes with anything as JAX does


def _mixed(x: Any, y: Any) -> bool:
    """May NumPy's dtype of ``x op y`` differ from JAX's (NumPy operands of two dtypes, see
    :mod:`adcompare.primitives.promotion`)? Python numbers are weak in both; one dtype agrees."""
    dx, dy = getattr(x, "dtype", None), getattr(y, "dtype", None)
    return dx is not dy and dx is not None and dy is not None


def _promoting(op: Callable, name: str, doc: str) -> Callable:
    """``op`` of two names in the primal, in JAX's dtype (float32 with int64 is float32). A Python float or int
    (weak in both) or a float64 scalar (float64 with anything in both) first, as NumPy computes it. A masked array
    operand is refused (:mod:`adcompare.primitives.masked`): NumPy's operator would apply its mask, the rules not."""
    def run(x: Any, y: Any) -> Any:
        tx, ty = type(x), type(y)
        if tx in _AS_NUMPY and (ty in _AS_NUMPY or ty is _ND) or tx is _ND and (
                ty in _AS_NUMPY or ty is _ND and x.dtype is y.dtype):
            return op(x, y)
        masked.check(name, x, y)
        if tx in _AS_NUMPY or ty in _AS_NUMPY:
            return op(x, y)
        if _mixed(x, y):
            x, y = promoted((x, y))
        return op(x, y)

    run.__name__ = run.__qualname__ = name
    run.__doc__ = doc
    return run


add = _promoting(operator.add, "add", "``x + y`` in JAX's dtype (see :func:`_promoting`).")
subtract = _promoting(operator.sub, "subtract", "``x - y`` in JAX's dtype (see :func:`_promoting`).")
multiply = _promoting(operator.mul, "multiply", "``x * y`` in JAX's dtype (see :func:`_promoting`).")


def divide(x: Any, y: Any) -> Any:
    """``x / y``, with NumPy's inf or nan where Python's numbers raise (``1.0 / 0.0``), in JAX's dtype."""
    tx, ty = type(x), type(y)  # float64 scalars first (a straight-line gradient's most): nothing to promote
    if not (tx is _F64 or tx is float) or not (ty is _F64 or ty is float):
        masked.check("divide", x, y)
        if getattr(x, "dtype", _F64D) is not _F64D or getattr(y, "dtype", _F64D) is not _F64D:
            x, y = promoted((x, y), True)
    try:
        return x / y
    except ArithmeticError:
        return divide_p(x, y)


def power(x: Any, y: Any) -> Any:
    """``x ** y``, NumPy's inf or nan where Python's raise (``0.0 ** -1.0``) or turn complex (``(-4.0) ** 0.5``)."""
    masked.check("power", x, y)
    try:
        out = x ** y
    except ArithmeticError:
        return power_p(x, y)
    if type(out) is complex and type(x) is not complex and type(y) is not complex:
        return power_p(x, y)
    return out


def unbroadcast(g: Any, like: Any) -> Any:
    """``g`` summed down to ``like``'s shape: a broadcasting operand's share of a cotangent."""
    tg = type(g)  # the common cases first: a scalar's share of a scalar, shapes that agree, a sum to a scalar
    if tg is _F64 or tg is float:
        if like is _SCALAR or tg is float:  # a float: shape (), or the zero placeholder
            return g
        tl = type(like)
        if tl is float or tl is _F64 or (tl is Shaped or tl is _ND) and like.shape == ():
            return g
    elif tg is _ND:
        tl = type(like)
        if tl is Shaped or tl is _ND:
            target = like.shape
            if g.shape == target:
                return g
            if target == ():
                return rules.unbroadcast(g, ())
        elif tl is float or tl is _F64:
            return rules.unbroadcast(g, ())
    return unbroadcast_general(g, like)


def unbroadcast_general(g: Any, like: Any) -> Any:
    """:func:`unbroadcast` without its fast paths (which answer as this does): the rule table's sum."""
    if isinstance(g, _TREES) or isinstance(like, _TREES):
        raise TypeError("SCT cannot differentiate arithmetic (+, *, anp.multiply, ...) with a tuple, list or "
                        "dict of differentiated values as an operand (Python's operators concatenate or repeat "
                        "it); pack it into an array first with anp.stack or anp.concatenate")
    target, gshape = shape(like), shape(g)
    if gshape == target:
        return g
    lead = len(gshape) - len(target)
    if lead >= 0 and all(t == 1 or t == s for t, s in zip(target, gshape[lead:])):
        return rules.unbroadcast(g, target)
    return 0.0  # only a zero grown from the placeholder can fail to cover ``like``


class Shaped:
    """What the reverse sweep keeps of a value whose shape is all its adjoints read
    (``unbroadcast``, ``getitem_bar`` and ``unpack_bar`` read nothing else): the shape, not the data."""

    __slots__ = ("shape",)

    def __init__(self, shape_: tuple):
        self.shape = shape_

    def __repr__(self) -> str:
        return f"Shaped({self.shape})"


_SCALAR = Shaped(())
_SHAPED: dict[tuple, Shaped] = {(): _SCALAR}


def shape_of(x: Any) -> Any:
    """``x``'s stand-in in the reverse sweep, where only its shape is read (see :class:`Shaped`):
    containers elementwise, ``None`` (a name not bound yet) as itself."""
    t = type(x)
    if t is float or t is _F64:
        return _SCALAR
    out = _SHAPED.get(x.shape) if t is _ND else None  # the common case, first
    if out is not None:
        return out
    if x is None:
        return None
    if isinstance(x, _TREES):
        return _rebuild(x, [shape_of(v) for v in _values(x)])
    s = x.shape if t is _ND else shape(x)
    out = _SHAPED.get(s)
    if out is None:
        out = _SHAPED[s] = Shaped(s)
    return out


def broadcast(t: Any, ans: Any) -> Any:
    """A lone tangent contribution broadcast to the result's shape."""
    return t if type(t) is float and type(ans) is float else rules.broadcast(t, ans)


def zeros(x: Any) -> Any:
    """The zero tangent of ``x`` (containers elementwise; floats for integers)."""
    if isinstance(x, _TREES):
        return _rebuild(x, [zeros(v) for v in _values(x)])
    if type(x) is range:  # a loop's range among generated code's residuals: a zero per index
        return [0.0] * len(x)
    if not hasattr(x, "dtype") or isinstance(x, (type, np.dtype)) or callable(x):  # numbers, indices, dtypes...
        return 0.0
    return symbolic.mark(anp.zeros_like(x))


def last_bar(g: Any) -> Any:
    return 0.0 if (type(g) is float and g == 0.0) or len(g) == 0 else g[-1]


def drop_last(g: Any) -> Any:
    return g if (type(g) is float and g == 0.0) else g[:-1]


def getitem_bar(g: Any, x: Any, idx: Any) -> Any:
    """The cotangent of ``x`` from the cotangent ``g`` of ``x[idx]`` (arrays and containers)."""
    if g is None or (type(g) is float and g == 0.0):
        return 0.0
    if type(x) is Shaped or type(x) is _ND:
        return rules.getitem_vjp_numpy(g, idx, x.shape) if type(g) in _RAW \
            else getitem_p.vjps[0](None, x, idx=idx)(g)  # NumPy's cotangents: the rule run directly
    if isinstance(x, dict):
        bar: Any = dict.fromkeys(x, 0.0)
        bar[idx] = g
        return bar
    if isinstance(x, _SEQ):
        if isinstance(g, _SEQ) and len(g) == 0:
            return 0.0
        bar = [0.0] * len(x)
        bar[idx] = g
        return _rebuild(x, bar)
    return getitem_p.vjps[0](None, x, idx=idx)(g)


def unpack_bar(bars: tuple, src: Any) -> Any:
    """The cotangent of ``src`` from those of the names ``a, b, ... = src`` unpacked it into."""
    if isinstance(src, dict):
        return 0.0  # unpacking a dict gives its keys: constants
    if isinstance(src, _SEQ):
        return _rebuild(src, bars)
    total: Any = 0.0
    for i, g in enumerate(bars):
        part = getitem_bar(g, src, i)
        total = part if type(total) is float else (total if type(part) is float else total + part)
    return total


def materialize(g: Any, like: Any) -> Any:
    """A cotangent the rule table can take: the zero placeholder becomes real zeros."""
    if type(g) is float and g == 0.0 and shape(like) != ():
        return anp.zeros_like(like)
    return g


def seq_vjp(prim, g: Any, ans: Any, xs: Any, params: dict) -> list:
    """Cotangents of every element of ``xs`` for ``ans = prim(*xs, **params)`` (stack, concatenate):
    a list, or for an array ``xs`` (its rows are the elements) an array."""
    g = materialize(g, ans)
    bars = [prim.vjps[i](ans, *xs, **params)(g) for i in range(len(xs))]
    return bars if isinstance(xs, _SEQ) else stack_p(*bars)


def pull(pullback: Any, g: Any) -> Any:
    """A rule's pull-back (kept by the forward sweep) applied to the cotangent ``g``; zero pulls back to zero."""
    if g is None or (type(g) is float and g == 0.0):
        return 0.0
    return pullback(g)


def seq_pullback(prim, ans: Any, xs: Any, params: dict) -> Any:
    """The pull-back of ``ans = prim(*xs, **params)`` (stack, concatenate) to the list ``xs``, as a list;
    to an array ``xs`` (whose elements are its rows, as ``jnp.concatenate(x)`` reads them), an array."""
    pullback = prim.vjp((True,) * len(xs), ans, *xs, **params)  # the joint rule: one pass for all
    if isinstance(xs, _SEQ):
        return lambda g: list(pullback(g))
    return lambda g: stack_p(*pullback(g))


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


def discard(value: Any) -> None:
    """The forward sweep's ``push`` in a checkpointed loop: the reverse sweep recomputes instead."""
