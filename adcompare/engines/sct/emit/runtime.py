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
"""

from __future__ import annotations

from typing import Any

import numpy as np
from jax import tree_util

from adcompare import numpy as anp
from adcompare import rules
from adcompare.checkpoint import segments  # noqa: F401  (generated code calls it from here)
from adcompare.engines.sct.emit import symbolic
from adcompare.engines.sct.errors import SCTError
from adcompare.primitives import divide_p, getitem_p, power_p, shape, stack_p

_SEQ = (tuple, list)
_TREES = (tuple, list, dict)
_RAW = frozenset({np.ndarray, np.float64, float})  # a cotangent on NumPy, with no boxes


def divide(x: Any, y: Any) -> Any:
    """``x / y``, with NumPy's inf or nan where Python's numbers raise (``1.0 / 0.0``)."""
    try:
        return x / y
    except ArithmeticError:
        return divide_p(x, y)


def power(x: Any, y: Any) -> Any:
    """``x ** y``, NumPy's inf or nan where Python's raise (``0.0 ** -1.0``) or turn complex (``(-4.0) ** 0.5``)."""
    try:
        out = x ** y
    except ArithmeticError:
        return power_p(x, y)
    if type(out) is complex and type(x) is not complex and type(y) is not complex:
        return power_p(x, y)
    return out


def unbroadcast(g: Any, like: Any) -> Any:
    """``g`` summed down to ``like``'s shape: a broadcasting operand's share of a cotangent."""
    tg, tl = type(g), type(like)  # the common cases first: shapes agree (or a NumPy array's share of a scalar:)
    if tg is np.ndarray and (tl is Shaped or tl is np.ndarray) and g.shape == like.shape:
        return g
    if tg is float:
        return g  # shape (): ``like`` is a scalar too, or ``g`` is the zero placeholder
    number = tl is float or tl is np.float64
    if tg is np.float64 and (number or (tl is Shaped or tl is np.ndarray) and like.shape == ()):
        return g
    if tg is np.ndarray and (number or tl is Shaped and like.shape == ()):
        return rules.unbroadcast(g, ())
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
    if t is float or t is np.float64:
        return _SCALAR
    out = _SHAPED.get(x.shape) if t is np.ndarray else None  # the common case, first
    if out is not None:
        return out
    if x is None:
        return None
    if isinstance(x, _TREES):
        return _rebuild(x, [shape_of(v) for v in _values(x)])
    s = x.shape if t is np.ndarray else shape(x)
    out = _SHAPED.get(s)
    if out is None:
        out = _SHAPED[s] = Shaped(s)
    return out


def broadcast(t: Any, ans: Any) -> Any:
    """A lone tangent contribution broadcast to the result's shape."""
    return t if type(t) is float and type(ans) is float else rules.broadcast(t, ans)


# --- containers: tuples (named ones too), lists and dicts ---------------------------
#
# A container's cotangent is a container of the same kind holding its elements'
# cotangents, or the placeholder for all of it; ``None`` (an empty subtree, as in
# JAX) counts as zero too.


def is_tree(x: Any) -> bool:
    return isinstance(x, _TREES)


def is_zero(g: Any) -> bool:
    return g is None or (type(g) is float and g == 0.0)

def _rebuild(like: Any, values: Any) -> Any:
    """A container of ``like``'s kind holding ``values`` (in its order; by key for a dict)."""
    if isinstance(like, dict):
        return dict(zip(like.keys(), values))
    if hasattr(like, "_fields"):  # a named tuple
        return type(like)(*values)
    return type(like)(values)


def _values(x: Any) -> list:
    return list(x.values()) if isinstance(x, dict) else list(x)


def zeros(x: Any) -> Any:
    """The zero tangent of ``x`` (containers elementwise; floats for integers)."""
    if isinstance(x, _TREES):
        return _rebuild(x, [zeros(v) for v in _values(x)])
    if type(x) is range:  # a loop's range among generated code's residuals: a zero per index
        return [0.0] * len(x)
    if not hasattr(x, "dtype") or isinstance(x, (type, np.dtype)) or callable(x):  # numbers, indices, dtypes...
        return 0.0
    return symbolic.mark(anp.zeros_like(x))


def _mismatch(a: Any, b: Any) -> TypeError:
    what = [f"a {type(v).__name__}" + (f" of {len(v)}" if isinstance(v, _TREES) else "") for v in (a, b)]
    return TypeError(f"SCT: the cotangents of one value do not fit together ({what[0]}, {what[1]}); "
                     "was + or * applied to a tuple or list (which concatenates or repeats it)? "
                     "Use anp.stack or anp.concatenate. Otherwise, please report this")


def _split(g: Any, like: Any) -> Any:
    """The cotangent ``g`` of a tuple or list that a vocabulary call packed into one array
    (as ``jnp.asarray`` packs it), as a container of its elements' cotangents."""
    if not isinstance(like, _SEQ) or isinstance(g, _TREES) or not shape(g) or shape(g)[0] != len(like):
        raise _mismatch(g, like)
    return _rebuild(like, [g[i] for i in range(len(like))])


def add_bar(a: Any, b: Any) -> Any:
    """a + b for cotangents that may be containers (added element by element)."""
    ta, tb = type(a), type(b)
    if (ta is np.ndarray or ta is np.float64 or ta is float) and (tb is np.ndarray or tb is np.float64):
        return a + b  # the common cases, first (as below: the placeholder plus an array is the array, anew)
    if isinstance(b, _TREES):
        if not isinstance(a, _TREES):
            if is_zero(a):
                return b
            a = _split(a, b)
        if len(a) != len(b) or isinstance(a, dict) != isinstance(b, dict):
            raise _mismatch(a, b)
        if isinstance(b, dict):
            return {k: add_bar(a[k], v) for k, v in b.items()}
        return _rebuild(b, [add_bar(u, v) for u, v in zip(a, b)])
    if isinstance(a, _TREES) or b is None:
        return a if is_zero(b) else add_bar(a, _split(b, a))
    if a is None:
        return b
    return a + b


def item_bar(g: Any, i: Any, n: int | None = None) -> Any:
    """The cotangent of element (or key) i of a container (of ``n`` elements, for a tuple or
    list) whose cotangent is ``g``: an array where a vocabulary call packed it into one."""
    if isinstance(g, _TREES):
        return g[i]
    if is_zero(g):
        return 0.0
    if n is None or not shape(g) or shape(g)[0] != n:
        raise _mismatch(g, [None] * n if n is not None else {})
    return g[i]


def last_bar(g: Any) -> Any:
    return 0.0 if (type(g) is float and g == 0.0) or len(g) == 0 else g[-1]


def drop_last(g: Any) -> Any:
    return g if (type(g) is float and g == 0.0) else g[:-1]


def getitem_bar(g: Any, x: Any, idx: Any) -> Any:
    """The cotangent of ``x`` from the cotangent ``g`` of ``x[idx]`` (arrays and containers)."""
    if g is None or (type(g) is float and g == 0.0):
        return 0.0
    if type(x) is Shaped or type(x) is np.ndarray:
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
    """Cotangents of every element of ``xs`` for ``ans = prim(*xs, **params)`` (stack, concatenate)."""
    g = materialize(g, ans)
    return [prim.vjps[i](ans, *xs, **params)(g) for i in range(len(xs))]


def pull(pullback: Any, g: Any) -> Any:
    """A rule's pull-back (kept by the forward sweep) applied to the cotangent ``g``; zero pulls back to zero."""
    if g is None or (type(g) is float and g == 0.0):
        return 0.0
    return pullback(g)


def seq_pullback(prim, ans: Any, xs: Any, params: dict) -> Any:
    """The pull-back of ``ans = prim(*xs, **params)`` (stack, concatenate) to the list ``xs``, as a list."""
    pullback = prim.vjp((True,) * len(xs), ans, *xs, **params)  # the joint rule: one pass for all
    return lambda g: list(pullback(g))


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
    if isinstance(x, _TREES):
        children = _values(x)
        if not isinstance(bar, _TREES) and not is_zero(bar):
            bar = _split(bar, x)
        if isinstance(bar, _TREES):
            bars = _values(bar) if not isinstance(x, dict) else [bar.get(k, 0.0) for k in x]
        else:
            bars = [0.0] * len(children)
        return _rebuild(x, [final_bar(b, v) for b, v in zip(bars, children)])
    if x is None:
        return None
    if type(bar) is float and bar == 0.0 and type(x) is not float:
        return anp.zeros_like(x)
    return bar


def leaf_bars(bar: Any, x: Any) -> list:
    """One cotangent (or tangent) per leaf of ``x`` in JAX's order (``None`` for zero)."""
    out: list = []
    _leaf_bars(bar, x, out)
    return out


def _leaf_bars(bar: Any, x: Any, out: list) -> None:
    if x is None:
        return
    if not isinstance(x, _TREES):
        if isinstance(bar, _TREES):
            raise _mismatch(bar, x)
        out.append(None if is_zero(bar) else bar)
        return
    if not isinstance(bar, _TREES) and not is_zero(bar):
        bar = _split(bar, x)  # a vocabulary call packed x into one array
    if isinstance(bar, _TREES) and (len(bar) != len(x) or isinstance(bar, dict) != isinstance(x, dict)):
        raise _mismatch(bar, x)
    children, _ = tree_util.tree_flatten_with_path(x, is_leaf=lambda v: v is not x)
    for path, child in children:
        key = path[0]
        if not isinstance(bar, _TREES):
            sub = None
        elif isinstance(key, tree_util.DictKey):
            sub = bar.get(key.key)
        elif isinstance(key, tree_util.SequenceKey):
            sub = bar[key.idx]
        else:  # a named tuple's field
            sub = bar[x._fields.index(key.name)]
        _leaf_bars(sub, child, out)


def check_sequence(seq: Any, function: str, filename: str, line: int) -> None:
    """A loop ``for v in seq`` runs over ``seq[0], seq[1], ...``: refuse a dict, whose loop runs over keys."""
    if isinstance(seq, dict):
        raise SCTError("iterating over a dict", function, filename, line,
                       "iterate over a tuple of its keys, e.g. for k in ('w', 'b'): ... p[k]")


def discard(value: Any) -> None:
    """The forward sweep's ``push`` in a checkpointed loop: the reverse sweep recomputes instead."""
