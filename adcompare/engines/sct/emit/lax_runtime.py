"""The structured-control-flow runtime: what ``SCTEngine(control="lax")`` code calls for loops and branches.

Contract: generated code hands a loop's body (or a branch) to these helpers as a
function of its carried state, and each helper runs it as JAX's structured
control flow where it can, and as the plain Python loop (or branch) otherwise,
with the same result:

* :func:`scan_loop` ``(r, body, carry, where) -> carry``: ``for t in r: carry =
  body(carry, t)``, as one ``lax.scan`` over ``r``'s indices;
* :func:`scan_fwd` ``(r, body, carry, where) -> (carry, residuals)`` with ``body(carry,
  t) -> (carry, saves)``: a ``lax.scan`` whose per-iteration saves are its stacked
  outputs; :func:`scan_bwd` ``(r, body, bars, residuals, where) -> bars`` with ``body(bars,
  (t, saves)) -> bars``: the reverse ``lax.scan`` over them;
* :func:`cond` ``(test, then, orelse, where) -> outs``: ``lax.cond`` on a traced
  test, the chosen branch called on a concrete one; :func:`cond_fwd` and
  :func:`cond_bwd` the same with the branch's saves kept and replayed;
* :func:`while_loop` ``(test, body, carry, where)``: ``lax.while_loop``;
* :func:`static_test`: the plain Python test, refused clearly if it is traced.

A loop runs as the plain Python loop (which ``jax.jit`` unrolls, and which is
still exact) when its range is not a ``range``, or when tracing its body once
shows that the structured form cannot express it: the carried state changes
structure, shape or type across iterations, or the body needs a concrete value
(a branch or a ``range`` on the loop variable). A carried cotangent that is
still the placeholder ``0.0`` (see :mod:`.runtime`) becomes zeros of the shape
it grows to, and a carried variable not yet bound (``None``) takes the shape
the body gives it. Saves that are not arrays (a ``range``, a branch taken, a
Python number) are constants of the traced body, the same in every iteration:
they are kept once, beside the stacked arrays. What the structured form cannot
express where the Python form is not exact either (a branch whose two sides
give values of different shapes on a traced test) raises :class:`SCTError`
naming the user's loop or branch.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import lax, tree_util

from adcompare.engines.sct.errors import SCTError

_DYNAMIC = object()  # a traced leaf's place in a described tree


def _traced(x: Any) -> bool:
    return any(isinstance(leaf, jax.core.Tracer) for leaf in tree_util.tree_leaves(x))


def _is_array(x: Any) -> bool:
    """An array, a traced value, or an aval (what :func:`_trace` describes a traced leaf by)."""
    return isinstance(x, (jax.Array, jax.ShapeDtypeStruct)) or (hasattr(x, "__array__") and hasattr(x, "dtype"))


def _is_number(x: Any) -> bool:
    return type(x) in (int, float, bool) or _is_array(x)


def _placeholder(x: Any) -> bool:
    return type(x) is float and x == 0.0


def _aval(x: Any) -> jax.ShapeDtypeStruct:
    return x if isinstance(x, jax.ShapeDtypeStruct) else jax.ShapeDtypeStruct(jnp.shape(x), jnp.result_type(x))


def _zeros(like: Any) -> Any:
    """Zeros shaped like ``like`` (arrays, avals, or a tree of them; other leaves kept)."""
    return tree_util.tree_map(lambda a: jnp.zeros(a.shape, a.dtype) if hasattr(a, "shape") else a, like)


# --- carried state: which leaves are traced, what the body gives back --------------


def _kept(leaf: Any, bars: bool) -> bool:
    """Is this leaf of a carried state kept as a Python value (the zero placeholder of a
    cotangent), rather than traced?"""
    return bars and _placeholder(leaf)


def _split(x: Any, bars: bool) -> tuple[list, Any]:
    """(traced leaves, rebuild(traced leaves) -> x)."""
    leaves, tree = tree_util.tree_flatten(x)
    kept = [_kept(v, bars) for v in leaves]

    def rebuild(dynamic: list) -> Any:
        it = iter(dynamic)
        return tree_util.tree_unflatten(tree, [v if k else next(it) for v, k in zip(leaves, kept)])

    return [v for v, k in zip(leaves, kept) if not k], rebuild


def _trace(fn, x: Any, bars: bool) -> Any:
    """What ``fn(x)`` gives back, traced once: a tree of avals (traced leaves) and Python values."""
    dynamic, rebuild = _split(x, bars)
    box: dict = {}

    def run(dyn):
        leaves, box["tree"] = tree_util.tree_flatten(fn(rebuild(dyn)))
        box["leaves"] = [_DYNAMIC if _is_array(v) else v for v in leaves]
        return [v for v in leaves if _is_array(v)]

    avals = iter(jax.eval_shape(run, dynamic))
    return tree_util.tree_unflatten(box["tree"], [next(avals) if v is _DYNAMIC else v for v in box["leaves"]])


def _grow(value: Any, like: Any, bars: bool) -> Any:
    """``value`` made to fit ``like`` (an aval tree, or the values it replaces) where that keeps
    its meaning: ``None`` (not yet bound) and, for a cotangent, the placeholder ``0.0``
    become zeros; a Python number becomes a 0-d array; a weak-typed array takes ``like``'s type."""
    if (value is None or (bars and _placeholder(value))) and like is not None and not _placeholder(like) \
            and not isinstance(like, (int, float, bool, str, range)):
        return _zeros(like)
    if type(value) in (tuple, list) and type(like) is type(value) and len(value) == len(like):
        return type(value)(_grow(v, a, bars) for v, a in zip(value, like))
    if isinstance(value, tuple) and hasattr(value, "_fields") and type(like) is type(value):
        return type(value)(*(_grow(v, a, bars) for v, a in zip(value, like)))
    if type(value) is dict and type(like) is dict and value.keys() == like.keys():
        return {k: _grow(value[k], like[k], bars) for k in value}
    if type(value) in (int, float, bool) and getattr(like, "shape", None) == ():
        return jnp.asarray(value, jnp.result_type(value, like.dtype))
    if _is_array(value) and hasattr(like, "shape") and jnp.shape(value) == like.shape \
            and jnp.result_type(value) != like.dtype and getattr(_aval(value), "weak_type", False):
        return jnp.asarray(value).astype(like.dtype)
    return value


def _fits(carry: Any, out: Any, bars: bool) -> bool:
    """Does a body that gives back ``out`` (described by :func:`_trace`) keep ``carry``'s
    structure, shapes and types (up to the coercions of :func:`_grow`)?"""
    a, ta = tree_util.tree_flatten(carry)
    b, tb = tree_util.tree_flatten(out)
    if ta != tb:
        return False
    for x, y in zip(a, b):
        if _kept(x, bars):
            if not _placeholder(y):
                return False
        elif not _is_number(x):
            return False
        elif bars and _placeholder(y):
            continue
        elif not _is_number(y):
            return False
        else:
            ax, ay = _aval(x) if _is_array(x) else _aval(jnp.asarray(x)), _aval(y) if _is_array(y) else None
            if ay is not None and (ax.shape != ay.shape or ax.dtype != ay.dtype):
                return False
            if ay is None and ax.shape != ():
                return False
    return True


def _settle(step, carry: Any, bars: bool) -> Any:
    """The carry as the structured loop needs it (fixed structure, shapes and types), or
    None if the body's carried state changes across iterations, or it cannot be traced."""
    for _ in range(4):
        try:
            out = _trace(step, carry, bars)
        except Exception:  # noqa: BLE001  (the Python loop runs it, and raises any genuine error)
            return None
        if _fits(carry, out, bars):
            return carry
        grown = _grow(carry, out, bars)
        if tree_util.tree_structure(grown) == tree_util.tree_structure(carry) and all(
                x is y for x, y in zip(tree_util.tree_leaves(grown), tree_util.tree_leaves(carry))):
            return None
        carry = grown
    return None


def _scan(body, start: Any, xs: Any, bars: bool, reverse: bool = False) -> tuple[Any, Any]:
    """``lax.scan`` of ``body(carry, x) -> (carry, ys)`` from a settled carry (its placeholders kept)."""
    dynamic, rebuild = _split(start, bars)
    tree = tree_util.tree_structure(start)

    def step(dyn, x):
        c = rebuild(dyn)
        out, ys = body(c, x)
        out = _grow(out, c, bars)
        if tree_util.tree_structure(out) != tree:
            raise AssertionError("SCT internal error: a settled loop's carry changed structure")
        return _split(out, bars)[0], ys

    dynamic, ys = lax.scan(step, dynamic, xs, reverse=reverse)
    return rebuild(dynamic), ys


# --- loops ---------------------------------------------------------------------------


class Statics:
    """Saves of a traced body split into arrays (stacked by the scan) and everything else (kept once)."""

    def __init__(self):
        self.tree = None
        self.static: list = []

    def split(self, saves: Any) -> list:
        leaves, self.tree = tree_util.tree_flatten(saves)
        self.static = [_DYNAMIC if _is_array(v) else v for v in leaves]
        return [v for v in leaves if _is_array(v)]

    def join(self, arrays: list) -> Any:
        it = iter(arrays)
        return tree_util.tree_unflatten(self.tree, [next(it) if v is _DYNAMIC else v for v in self.static])


class Residuals:
    """A loop's saves: stacked arrays and the static rest (``scanned``), or one entry per iteration."""

    def __init__(self, scanned: bool, stacked: Any, statics: Statics | None = None):
        self.scanned, self.stacked, self.statics = scanned, stacked, statics


def _indices(r: range) -> Any:
    return jnp.arange(r.start, r.stop, r.step)


def _scannable(r: Any) -> bool:
    return type(r) is range and len(r) > 0


def scan_loop(r: Any, body, carry: Any, where: tuple) -> Any:
    """``for t in r: carry = body(carry, t)``: one ``lax.scan``, or the Python loop."""
    start = _settle(lambda c: body(c, jnp.asarray(r.start)), carry, False) if _scannable(r) else None
    if start is None:
        for t in r:
            carry = body(carry, t)
        return carry
    return _scan(lambda c, t: (body(c, t), None), start, _indices(r), False)[0]


def scan_fwd(r: Any, body, carry: Any, where: tuple) -> tuple[Any, Residuals]:
    """The forward sweep of a loop: ``body(carry, t) -> (carry, saves)``, the saves stacked."""
    start = _settle(lambda c: body(c, jnp.asarray(r.start))[0], carry, False) if _scannable(r) else None
    if start is not None:
        statics = Statics()

        def step(c, t):
            c, saves = body(c, t)
            return c, statics.split(saves)

        carry, stacked = _scan(step, start, _indices(r), False)
        return carry, Residuals(True, stacked, statics)
    per_iteration = []
    for t in r:
        carry, saves = body(carry, t)
        per_iteration.append(saves)
    return carry, Residuals(False, per_iteration)


def scan_bwd(r: Any, body, bars: Any, residuals: Residuals, where: tuple) -> Any:
    """The reverse sweep of a loop: ``body(bars, (t, saves)) -> bars``, from the last iteration to the first."""
    if residuals.scanned:
        statics = residuals.statics
        last = (jnp.asarray(r[-1]), statics.join([a[-1] for a in residuals.stacked]))
        start = _settle(lambda b: body(b, last), bars, True)
        if start is not None:
            def step(b, xs):
                t, arrays = xs
                return body(b, (t, statics.join(arrays))), None
            return _scan(step, start, (_indices(r), residuals.stacked), True, reverse=True)[0]
        per_iteration = [statics.join([a[k] for a in residuals.stacked]) for k in range(len(r))]
    else:
        per_iteration = residuals.stacked
    for t, saves in zip(reversed(r), reversed(per_iteration)):
        bars = body(bars, (t, saves))
    return bars


def while_loop(test, body, carry: Any, where: tuple) -> Any:
    """``while test(carry): carry = body(carry)``: the Python loop while everything is concrete,
    then ``lax.while_loop``."""
    while not _traced(carry):
        go = test(carry)
        if _traced(go):
            break
        if not go:
            return carry
        carry = body(carry)
    start = _settle(body, carry, False)
    if start is None:
        raise _refuse(where, "a while loop on a traced value whose carried state changes structure, shape "
                      "or type across iterations (or whose body needs a concrete value)",
                      "keep each carried variable's shape and type fixed, or use SCTEngine(control='python') "
                      "without jax.jit")
    return lax.while_loop(lambda c: _boolean(test(c)), lambda c: _grow(body(c), c, False), start)


# --- branches --------------------------------------------------------------------------


def _refuse(where: tuple, construct: str, hint: str) -> SCTError:
    function, filename, line = where
    return SCTError(construct, function, filename, line, hint)


def _boolean(test: Any) -> Any:
    return jnp.asarray(test).astype(bool).reshape(())


def _join(a: Any, b: Any, bars: bool) -> Any:
    """One description both sides' results fit (see :func:`_trace`), or ``_DYNAMIC`` if none does."""
    if bars and _placeholder(a):
        return b
    if bars and _placeholder(b):
        return a
    if type(a) in (tuple, list) and type(b) is type(a) and len(a) == len(b):
        parts = [_join(x, y, bars) for x, y in zip(a, b)]
        return _DYNAMIC if any(p is _DYNAMIC for p in parts) else type(a)(parts)
    if isinstance(a, tuple) and hasattr(a, "_fields") and type(b) is type(a):
        parts = [_join(x, y, bars) for x, y in zip(a, b)]
        return _DYNAMIC if any(p is _DYNAMIC for p in parts) else type(a)(*parts)
    if type(a) is dict and type(b) is dict and a.keys() == b.keys():
        parts = {k: _join(a[k], b[k], bars) for k in a}
        return _DYNAMIC if any(p is _DYNAMIC for p in parts.values()) else parts
    if a is None and b is None:
        return None
    if not (_is_number(a) and _is_number(b)):
        return a if type(a) is type(b) and a == b else _DYNAMIC
    x, y = _aval(jnp.asarray(a) if not _is_array(a) else a), _aval(jnp.asarray(b) if not _is_array(b) else b)
    if x.shape != y.shape:
        return _DYNAMIC
    return jax.ShapeDtypeStruct(x.shape, jnp.result_type(x, y))


def _target(sides: list, where: tuple, bars: bool) -> Any:
    target = _join(sides[0], sides[1], bars)
    if target is _DYNAMIC:
        raise _refuse(where, "a branch on a traced value whose sides give values of different structures, "
                      "shapes or types",
                      "give every variable the branch sets the same shape and type on both sides, "
                      "and set it on both sides (or before the if)")
    return target


def _fit(value: Any, target: Any, bars: bool) -> list:
    """The traced leaves of a side's result brought to ``target`` (its placeholders kept)."""
    grown = _grow(value, target, bars)
    if tree_util.tree_structure(grown) != tree_util.tree_structure(target):
        raise AssertionError("SCT internal error: a branch's result does not fit its other side's")
    return _split(grown, bars)[0]


def cond(test: Any, then, orelse, operands: Any, where: tuple, bars: bool = False) -> Any:
    """``then(operands) if test else orelse(operands)``: ``lax.cond`` when ``test`` is traced."""
    if not _traced(test):
        return then(operands) if test else orelse(operands)
    target = _target([_trace(s, operands, bars) for s in (then, orelse)], where, bars)
    dynamic, rebuild = _split(operands, bars)
    _, result = _split(_zeros(target), bars)

    def side(fn):
        return lambda dyn: _fit(fn(rebuild(dyn)), target, bars)

    return result(lax.cond(_boolean(test), side(then), side(orelse), dynamic))


class Branch:
    """A branch's record: which side ran (a traced boolean under ``lax.cond``) and its saves."""

    def __init__(self, index: Any, saves: Any, statics: list | None = None):
        self.index, self.saves, self.statics = index, saves, statics


def cond_fwd(test: Any, then, orelse, operands: Any, where: tuple) -> tuple[Any, Branch]:
    """The forward sweep of a branch: each side ``(operands) -> (outs, saves)``; on a traced
    test, ``lax.cond`` gives back both sides' array saves (zeros for the side not taken)."""
    if not _traced(test):
        outs, saves = (then if test else orelse)(operands)
        return outs, Branch(bool(test), saves)
    sides = [then, orelse]
    statics = [Statics(), Statics()]
    shapes = []
    for k in range(2):
        outs, _ = _trace(sides[k], operands, False)
        shapes.append((outs, _trace(lambda o, k=k: statics[k].split(sides[k](o)[1]), operands, False)))
    target = _target([sh[0] for sh in shapes], where, False)
    dynamic, rebuild = _split(operands, False)
    _, result = _split(_zeros(target), False)

    def side_fn(k):
        def run(dyn):
            outs, saves = sides[k](rebuild(dyn))
            mine = Statics().split(saves)
            return _fit(outs, target, False), [mine if j == k else _zeros(shapes[j][1]) for j in range(2)]
        return run

    test = _boolean(test)
    outs, both = lax.cond(test, side_fn(0), side_fn(1), dynamic)
    return result(outs), Branch(test, both, statics)


def cond_bwd(record: Branch, then, orelse, bars: Any, where: tuple) -> Any:
    """The reverse sweep of a branch: each side ``(bars, saves) -> bars``."""
    if record.statics is None:
        return (then if record.index else orelse)(bars, record.saves)
    sides = [lambda b, k=k, s=s: s(b, record.statics[k].join(record.saves[k]))
             for k, s in enumerate((then, orelse))]
    target = _target([_trace(s, bars, True) for s in sides], where, True)
    return cond(record.index, sides[0], sides[1], _grow(bars, target, True), where, bars=True)


def static_test(value: Any, where: tuple, what: str) -> Any:
    """A Python ``if``/``while`` test in code that cannot hand it to ``lax``: refused if traced."""
    if _traced(value):
        raise _refuse(where, what, "differentiate it in forward mode (jvp), or call the derivative "
                      "without jax.jit (on concrete values), or use SCTEngine(control='python')")
    return value
