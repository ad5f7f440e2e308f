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
:mod:`.containers` and are re-exported here. :func:`unbroadcast` answers its common cases first (a scalar's share
of a scalar, shapes that agree, NumPy's sum to a scalar) exactly as :func:`unbroadcast_general` would.
"""

from __future__ import annotations

from collections.abc import Mapping, MappingView, Set
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
from adcompare.engines.sct.errors import SCTError
from adcompare.primitives import divide_p, getitem_p, power_p, shape, stack_p

_RAW = frozenset({np.ndarray, np.float64, float})  # a cotangent on NumPy, with no boxes
_ND, _F64 = np.ndarray, np.float64


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


def check_sequence(seq: Any, function: str, filename: str, line: int) -> None:
    """A loop ``for v in seq`` runs over ``seq[0], seq[1], ...``: refuse what is not read by position
    (a dict, whose loop runs over keys; a set, a dict's view, an iterator)."""
    if isinstance(seq, dict):
        raise SCTError("iterating over a dict", function, filename, line,
                       "iterate over a tuple of its keys, e.g. for k in ('w', 'b'): ... p[k]")
    if isinstance(seq, (Set, MappingView, Mapping)) or not hasattr(type(seq), "__getitem__") \
            or not hasattr(type(seq), "__len__"):
        raise SCTError(f"iterating over a {type(seq).__name__} (SCT reads a loop's items by position)", function,
                       filename, line, "iterate over a tuple or list of its items, e.g. tuple(...), or index")


def field_index(x: Any, name: str, function: str, filename: str, line: int) -> int:
    """The position of field ``name`` of the named tuple ``x``: ``x.name`` on a differentiated named tuple is
    read as ``x[field_index(x, 'name', ...)]``; any other differentiated value's attribute is refused here."""
    fields = getattr(type(x), "_fields", None) if isinstance(x, tuple) else None
    made = next((c for c in type(x).__mro__ if "_make" in c.__dict__), None) if fields else None
    if made is not None and name in fields and getattr(type(x), name) is made.__dict__[name]:
        return fields.index(name)
    kind = type(x).__name__
    hint = ("use adcompare.numpy functions" if made is None else f"{kind} has the fields {', '.join(fields)}"
            if name not in fields else f"{kind}.{name} is not the field but {kind}'s own attribute: read the "
            f"field by position, x[{fields.index(name)}], or the attribute on values that are not differentiated")
    raise SCTError(f"the attribute .{name} of a differentiated {kind}", function, filename, line, hint)


def positional_len(seq: Any, function: str, filename: str, line: int) -> int:
    """``len(seq)`` for a loop SCT runs by index (``zip``, ``enumerate``, ``reversed``, ``max``...),
    after :func:`check_sequence`: a dict or a set is refused, not read by position."""
    check_sequence(seq, function, filename, line)
    return len(seq)


def list_position(index: Any, n: int) -> int:
    """The position ``seq[index] = v`` writes in a list of length ``n``, as Python finds it (an integer,
    negative from the end), or Python's error."""
    if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"list indices must be integers or slices, not {type(index).__name__}")
    if not -n <= index < n:
        raise IndexError("list assignment index out of range")
    return int(index) % n


def nonempty_len(seq: Any, function: str, filename: str, line: int, name: str) -> int:
    """:func:`positional_len` for Python's ``max(seq)`` or ``min(seq)``, which raise on an empty sequence."""
    n = positional_len(seq, function, filename, line)
    if n == 0:
        raise ValueError(f"{name}() iterable argument is empty")
    return n


def sort_order(values: Any, key: Any, reverse: bool, function: str, filename: str, line: int) -> tuple:
    """The positions of ``values`` in the order ``sorted(values, key=key, reverse=reverse)`` puts them (stable,
    as Python's): a constant, so the sorted list's derivative follows this permutation, as JAX's does. Of a
    dict, its keys themselves in that order (constants)."""
    if isinstance(values, dict):
        return tuple(sorted(values, key=key, reverse=reverse))
    n = positional_len(values, function, filename, line)
    keys = [values[k] if key is None else key(values[k]) for k in range(n)]
    return tuple(sorted(range(n), key=keys.__getitem__, reverse=reverse))


def sorted_keys(d: dict, key: Any = None, reverse: bool = False) -> list:
    """``sorted(d, key=key, reverse=reverse)`` of a dict: its keys, constants."""
    return sorted(d, key=key, reverse=reverse)


def written_keys(d: Any, function: str, filename: str, line: int) -> tuple:
    """The keys of the dict ``d`` that ``d[key] = value`` writes into (a new dict, see :mod:`..front.sized_code`)."""
    if not isinstance(d, dict):
        raise SCTError(f"a write by a string key into a {type(d).__name__}", function, filename, line,
                       "SCT writes string keys into a dict only")
    return tuple(d)


def same_size(d: dict, keys: tuple) -> None:
    """Python's check, at each step of a loop over the keys of ``d`` and at its end, that no key was added."""
    if len(d) != len(keys):
        raise RuntimeError("dictionary changed size during iteration")


def dict_keys(d: Any, function: str, filename: str, line: int) -> tuple:
    """The keys of the dict ``d`` (constants): a loop over ``d.items()``, ``d.values()`` or ``d.keys()``
    runs over them, reading ``d[k]`` (see :mod:`..front.for_targets`). Only keys in sorted order, in
    which JAX's dict arguments and Python's dicts agree."""
    if not isinstance(d, dict):
        raise SCTError(f"a loop over .items(), .values() or .keys() of a {type(d).__name__}", function, filename,
                       line, "iterate over range(len(...)) and index, or over a dict")
    keys = tuple(d)
    try:
        ordered = list(keys) == sorted(keys)
    except TypeError:  # keys that do not compare
        ordered = False
    if not ordered:  # JAX rebuilds a dict argument with sorted keys, Python keeps insertion order: refuse both
        raise SCTError("a loop over .items(), .values() or .keys() of a dict whose keys are not in sorted "
                       "order", function, filename, line, "JAX orders a dict argument's keys, Python keeps the "
                       "order they were added in: add them in sorted order, or loop over a tuple of the keys")
    return keys


def discard(value: Any) -> None:
    """The forward sweep's ``push`` in a checkpointed loop: the reverse sweep recomputes instead."""


def jit_static_argument(value: Any) -> Any:
    """A static argument of a function ``jax.jit`` made, in code SCT transforms, hashed as JAX hashes it
    (see :mod:`..front.jit_calls`)."""
    try:
        hash(value)
    except TypeError as exc:
        raise ValueError("Non-hashable static arguments are not supported. An error occurred while trying to hash "
                         f"an object of type {type(value)}, {value!r}. The error was:\nTypeError: {exc}") from None
    return value
