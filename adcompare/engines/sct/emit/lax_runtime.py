"""The structured-control-flow runtime: what ``SCTEngine(control="lax")`` code calls for loops and branches.

Contract: generated code hands a loop's body (or a branch) to these helpers as a
function of its carried state, and each helper runs it as JAX's structured
control flow where it can, and as the plain Python loop (or branch) otherwise,
with the same result:

* :func:`scan_loop` ``(r, body, carry, where) -> carry``: ``for t in r: carry =
  body(carry, t)``, as one ``lax.scan`` over ``r``'s indices;
* :func:`scan_fwd` ``(r, body, carry, where) -> (carry, residuals)`` with ``body(carry,
  t) -> (carry, saves)``: a ``lax.scan`` whose per-iteration saves are its stacked
  outputs, those that do not change across iterations kept once (:mod:`.lax_hoist`);
  :func:`scan_bwd` ``(r, body, bars, residuals, where) -> bars`` with ``body(bars,
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
(a branch or a ``range`` on the loop variable); such a loop, run on traced values, warns
(:class:`UnrolledLoopWarning`, naming the user's loop; :func:`unrolled`, which the
generated code also calls before a loop it keeps in Python form). A carried cotangent that is
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

import warnings
from typing import Any

import jax.numpy as jnp
from jax import errors, lax, tree_util

from adcompare.engines.sct.emit import lax_carry as lc
from adcompare.engines.sct.emit import lax_hoist
from adcompare.engines.sct.emit.codegen import FILENAME_PREFIX, ORIGIN
from adcompare.engines.sct.emit.lax_carry import Statics
from adcompare.engines.sct.errors import SCTError

# --- loops ---------------------------------------------------------------------------


class _Record:
    """What a loop or branch keeps for its reverse sweep: a pytree whose ``arrays`` fields are its
    leaves (so that an enclosing loop or branch keeps them in turn) and ``static`` fields its aux data."""

    arrays: tuple[str, ...] = ()
    static: tuple[str, ...] = ()

    def tree_flatten(self):
        return tuple(getattr(self, n) for n in self.arrays), tuple(getattr(self, n) for n in self.static)

    @classmethod
    def tree_unflatten(cls, aux, children):
        record = cls.__new__(cls)
        for name, value in zip(cls.arrays + cls.static, tuple(children) + tuple(aux)):
            setattr(record, name, value)
        return record


@tree_util.register_pytree_node_class
class Residuals(_Record):
    """A loop's saves: stacked arrays and the static rest (``scanned``), or one entry per iteration."""

    arrays, static = ("stacked",), ("scanned", "statics", "mask")

    def __init__(self, scanned: bool, stacked: Any, statics: Statics | None = None, mask: tuple | None = None):
        self.scanned, self.stacked, self.statics, self.mask = scanned, stacked, statics, mask

    def at(self, slices: list) -> Any:
        """One iteration's saves from its slices of the stacked arrays (the invariant ones kept once)."""
        return self.statics.join(lax_hoist.merge(slices, self.stacked, self.mask))


def _indices(r: range) -> Any:
    return jnp.arange(r.start, r.stop, r.step)


def _scannable(r: Any) -> bool:
    return type(r) is range and len(r) > 0


class UnrolledLoopWarning(UserWarning):
    """A loop of ``SCTEngine(control="lax")`` code that runs on traced values as a Python loop
    (``jax.jit`` unrolls it: one copy of its body per iteration)."""


_SHOWN: dict = {}  # the warnings registry of :func:`unrolled`: each loop's warning once


def unrolled(where: tuple, why: str, values: Any) -> None:
    """Warn, naming the user's loop, that it keeps its Python form because ``why``, if ``values``
    (what the loop runs on) are traced."""
    if lc.traced(values):
        function, filename, line = where
        warnings.warn_explicit(f"SCTEngine(control='lax'): the for loop in {function} at {filename}:{line} "
                               f"stays a Python loop, unrolled by tracing (jax.jit), because {why}",
                               UnrolledLoopWarning, filename, line, registry=_SHOWN)


def _fallback(r: Any, carry: Any, where: tuple) -> None:
    if not hasattr(r, "__len__") or len(r) > 1:
        unrolled(where, "its carried state changes structure, shape or type across iterations, or its "
                 "body needs a concrete value (a branch or range on the loop variable)" if _scannable(r) else
                 "it iterates over something other than a range", (r, carry))


def scan_loop(r: Any, body, carry: Any, where: tuple) -> Any:
    """``for t in r: carry = body(carry, t)``: one ``lax.scan``, or the Python loop."""
    start = lc.settle(lambda c: body(c, jnp.asarray(r.start)), carry, False) if _scannable(r) else None
    if start is not None:
        try:
            return lc.scan(lambda c, t: (body(c, t), None), start, _indices(r), False)[0]
        except lc.CarryChanged:
            pass
    _fallback(r, carry, where)
    for t in r:
        carry = body(carry, t)
    return carry


def scan_fwd(r: Any, body, carry: Any, where: tuple) -> tuple[Any, Residuals]:
    """The forward sweep of a loop: ``body(carry, t) -> (carry, saves)``, the saves stacked."""
    start = lc.settle(lambda c: body(c, jnp.asarray(r.start))[0], carry, False) if _scannable(r) else None
    if start is not None:
        statics = Statics()

        def step(c, t):
            c, saves = body(c, t)
            return c, statics.split(saves)

        try:
            carry, saves, mask = lc.scan(step, start, _indices(r), False, hoist=True)
            return carry, Residuals(True, saves, statics, mask)
        except lc.CarryChanged:
            pass
    _fallback(r, carry, where)
    per_iteration = []
    for t in r:
        carry, saves = body(carry, t)
        per_iteration.append(saves)
    return carry, Residuals(False, per_iteration)


def scan_bwd(r: Any, body, bars: Any, residuals: Residuals, where: tuple) -> Any:
    """The reverse sweep of a loop: ``body(bars, (t, saves)) -> bars``, from the last iteration to the first."""
    if residuals.scanned:
        stacked = lax_hoist.varying(residuals.stacked, residuals.mask)
        last = (jnp.asarray(r[-1]), residuals.at([a[-1] for a in stacked]))
        start = lc.settle(lambda b: body(b, last), bars, True)
        if start is not None:
            def step(b, xs):
                t, arrays = xs
                return body(b, (t, residuals.at(arrays))), None
            try:
                return lc.scan(step, start, (_indices(r), stacked), True, reverse=True)[0]
            except lc.CarryChanged:
                unrolled(where, "its cotangents change structure, shape or type across iterations", (r, bars))
        per_iteration = [residuals.at([a[k] for a in stacked]) for k in range(len(r))]
    else:
        per_iteration = residuals.stacked
    for t, saves in zip(reversed(r), reversed(per_iteration)):
        bars = body(bars, (t, saves))
    return bars


def while_loop(test, body, carry: Any, where: tuple) -> Any:
    """``while test(carry): carry = body(carry)``: the Python loop while everything is concrete,
    then ``lax.while_loop``."""
    while not lc.traced(carry):
        go = test(carry)
        if lc.traced(go):
            break
        if not go:
            return carry
        carry = body(carry)
    start = lc.settle(body, carry, False)
    if start is None:
        raise _refuse(where, "a while loop on a traced value whose carried state changes structure, shape "
                      "or type across iterations (or whose body needs a concrete value)",
                      "keep each carried variable's shape and type fixed, or use SCTEngine(control='python') "
                      "without jax.jit")
    return lax.while_loop(_traced_test(test, where), lambda c: lc.grow(body(c), c, False), start)


def _traced_test(test, where: tuple):
    """A while loop's test as ``lax.while_loop`` traces it: one that Python must take as True or False (``and``,
    ``or``, ``not``, ``bool`` of a traced value) is refused at the user's loop, not inside this module."""
    def traced(carry):
        try:
            return _boolean(test(carry))
        except errors.TracerBoolConversionError:
            raise truth_refusal(where, "a while loop on a traced value") from None

    return traced


def truth_refusal(where: tuple, what: str) -> SCTError:
    """The refusal of Python's truth of a traced value in the test of ``what`` (a loop or branch), at its line."""
    return _refuse(where, f"{what} whose test takes a traced value as True or False (Python's and, or, not or "
                   "bool)", "write the test with anp.logical_and, anp.logical_or and anp.logical_not, which lax traces")


# --- branches --------------------------------------------------------------------------


def _refuse(where: tuple, construct: str, hint: str) -> SCTError:
    function, filename, line = where
    if filename in ORIGIN:  # generated code transformed again: named by the user's function
        return SCTError(f"{construct}, in the code SCT generated from this function ({function}, line {line} of "
                        f"{filename}) and transformed again for a second derivative", *ORIGIN[filename],
                        "take this second derivative without jax.jit (on concrete values), or write the "
                        "branch as anp.where")
    return SCTError(construct, function, filename, line, hint)


def _generated(where: tuple) -> bool:
    """Is the branch at ``where`` in SCT's own generated code, transformed again (second order)? Its
    residuals are set to ``None`` before the branch that binds them, its zero tangents are the
    placeholder ``0.0``, and its branch flags are Python booleans (see ``lax_carry.join``'s ``unbound``)."""
    return where[1].startswith((f"{FILENAME_PREFIX}forward ", f"{FILENAME_PREFIX}reverse "))


def _boolean(test: Any) -> Any:
    return jnp.asarray(test).astype(bool).reshape(())


def _target(sides: list, where: tuple, bars: bool) -> Any:
    target = lc.join(sides[0], sides[1], bars, _generated(where))
    if target is lc.DYNAMIC:
        raise _refuse(where, "a branch on a traced value whose sides give values of different structures, "
                      "shapes or types",
                      "give every variable the branch sets the same shape and type on both sides, "
                      "and set it on both sides (or before the if)")
    return target


def _fit(value: Any, target: Any, bars: bool) -> list:
    """The traced leaves of a side's result brought to ``target`` (its placeholders kept)."""
    grown = lc.grow(value, target, bars)
    if tree_util.tree_structure(grown) != tree_util.tree_structure(target):
        raise AssertionError("SCT internal error: a branch's result does not fit its other side's")
    return lc.split(grown, bars)[0]


def cond(test: Any, then, orelse, operands: Any, where: tuple, bars: bool = False) -> Any:
    """``then(operands) if test else orelse(operands)``: ``lax.cond`` when ``test`` is traced."""
    if not lc.traced(test):
        return then(operands) if test else orelse(operands)
    bars = bars or _generated(where)  # generated code's 0.0 is the zero placeholder, as a cotangent's
    target = _target([lc.trace(s, operands, bars) for s in (then, orelse)], where, bars)
    dynamic, rebuild = lc.split(operands, bars)
    _, result = lc.split(lc.zeros(target), bars)

    def side(fn):
        return lambda dyn: _fit(fn(rebuild(dyn)), target, bars)

    return result(lax.cond(_boolean(test), side(then), side(orelse), dynamic))


@tree_util.register_pytree_node_class
class Branch(_Record):
    """A branch's record: which side ran (a traced boolean under ``lax.cond``) and its saves."""

    arrays, static = ("index", "saves"), ("statics",)

    def __init__(self, index: Any, saves: Any, statics: tuple | None = None):
        self.index, self.saves, self.statics = index, saves, statics


def cond_fwd(test: Any, then, orelse, operands: Any, where: tuple) -> tuple[Any, Branch]:
    """The forward sweep of a branch: each side ``(operands) -> (outs, saves)``; on a traced
    test, ``lax.cond`` gives back both sides' array saves (zeros for the side not taken)."""
    if not lc.traced(test):
        outs, saves = (then if test else orelse)(operands)
        return outs, Branch(bool(test), saves)
    sides = [then, orelse]
    statics = [Statics(), Statics()]
    shapes = []
    loose = _generated(where)  # see cond
    for k in range(2):
        outs, _ = lc.trace(sides[k], operands, loose)
        shapes.append((outs, lc.trace(lambda o, k=k: statics[k].split(sides[k](o)[1]), operands, loose)))
    target = _target([sh[0] for sh in shapes], where, loose)
    dynamic, rebuild = lc.split(operands, loose)
    _, result = lc.split(lc.zeros(target), loose)

    def side_fn(k):
        def run(dyn):
            outs, saves = sides[k](rebuild(dyn))
            mine = Statics().split(saves)
            return _fit(outs, target, loose), [mine if j == k else lc.zeros(shapes[j][1]) for j in range(2)]
        return run

    test = _boolean(test)
    outs, both = lax.cond(test, side_fn(0), side_fn(1), dynamic)
    return result(outs), Branch(test, both, tuple(statics))


def cond_bwd(record: Branch, then, orelse, bars: Any, where: tuple) -> Any:
    """The reverse sweep of a branch: each side ``(bars, saves) -> bars``."""
    if record.statics is None:
        return (then if record.index else orelse)(bars, record.saves)
    sides = [lambda b, k=k, s=s: s(b, record.statics[k].join(record.saves[k]))
             for k, s in enumerate((then, orelse))]
    target = _target([lc.trace(s, bars, True) for s in sides], where, True)
    return cond(record.index, sides[0], sides[1], lc.grow(bars, target, True), where, bars=True)


def checked_range(where: tuple, *bounds: Any) -> range:
    """``range(*bounds)`` for a loop, refused by the loop's line if a bound is traced."""
    if lc.traced(bounds):
        raise _refuse(where, "a for loop whose range has a traced bound (a trip count known only when the "
                      "program runs)", "pass the bound as a Python int that is not traced (outside jax.jit), "
                      "or write the loop as a while loop and use forward mode")
    return range(*bounds)


def static_test(value: Any, where: tuple, what: str, reverse: bool = True) -> Any:
    """A Python ``if``/``while`` test in code that cannot hand it to ``lax``: refused if traced
    (``reverse``: in a reverse-mode derivative, which forward mode may run)."""
    if lc.traced(value):
        raise _refuse(where, what, ("differentiate it in forward mode (jvp), or " if reverse else "") +
                      "call the derivative without jax.jit (on concrete values), or use SCTEngine(control='python')")
    return value
