"""May-alias: which names may share an array's memory, and the writes in place another live name would see.

Contract: SCT writes functionally (``c *= a`` becomes ``c = c * a``, ``y[i] = v`` a new
array), which is exact unless another name that may refer to the written memory is
read after the write. :func:`seen_writes` answers that for the normalized function:

* a forward points-to analysis gives every name the set of objects it may hold at
  each statement (joined over branches, to a fixed point over loops). A definition
  makes a fresh object (arithmetic, reductions, constructors, literals, copies), or
  holds its sources' objects: a plain name, a subscript (a view, or a list's
  element), a view primitive (transpose, reshape, broadcast_to, asarray), the
  elements of a display, a call of another function (which may return its argument
  or a view of it), an unpacked tuple. A parameter holds the caller's object (which
  another parameter may hold too: ``f(x, x)``); a name
  that is not local (a global, a closure cell) and the captured values of a lifted
  closure hold objects that outlive the call (they *escape*);
* a write (see :class:`Write`) is *seen* when a name other than the one written,
  that may hold the written object, is live after it (:func:`.dataflow.live_after`),
  or when the object escapes.

What to do about a seen write (refuse it, or check the value's type when it runs)
is the front end's choice (:mod:`..front.aliases`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from adcompare import primitives as p
from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.dataflow import live_after

# Primitives whose result may be a view of their first operand (NumPy returns one where it can).
VIEW_PRIMS = frozenset({p.transpose_p, p.reshape_p, p.broadcast_to_p, p.getitem_p, p.asarray_p, p.real_p,
                        p.index_update_p, p.index_add_p, p.diagonal_p})
ESCAPING = ("free", "env")  # kinds of objects that outlive the call: globals and cells, a closure's captures
UNDEFINED = ("undefined", None)  # in a name's set where some path to here does not assign it
TWICE = ("param", None)  # in every parameter's set: the caller may pass one array twice
ITEMS = "items"  # (ITEMS, obj): a shallow copy's (v.copy()) hold on obj's items, not on obj itself

State = dict[str, frozenset]


@dataclass(frozen=True)
class Write:
    """A write in place: ``kind`` "aug" (``c += v``), "index" (``y[i] = v``, chained ones
    included), "entry" (``d['a'] = v``) or "call" (a callee that writes into the parameter ``name`` is passed)."""

    kind: str
    name: str  # the name written into (for "call": the argument passed)
    line: int
    callee: str = ""  # for "call": the function, and its parameter, for messages


@dataclass
class Seen:
    """A write another name would see: ``others`` live after it and may hold the memory;
    ``escapes``: the memory may outlive the call (a global, a closure's captured value);
    ``unsure``: those of ``others`` that some path to the write leaves unassigned; ``twice``: those of
    ``others`` that may hold it only as two parameters may (the caller passing one array twice), never as
    a view made here."""

    write: Write
    stmt: ir.Assign
    others: set[str] = field(default_factory=set)
    escapes: bool = False
    unsure: set[str] = field(default_factory=set)
    twice: set[str] = field(default_factory=set)


def seen_writes(fn: ir.Function, writes: dict[int, list[Write]], fresh: Callable[[ir.Expr], bool],
                escaping: set[str] = frozenset()) -> list[Seen]:
    """The writes of ``writes`` (keyed by the ``id`` of their statement) that another name would see.

    ``fresh(value)`` says whether an :class:`ir.Opaque` value, a call-like :class:`ir.Op` or an :class:`ir.Call` builds
    a new object (the front end resolves names); ``escaping``: parameters whose objects escape."""
    points = PointsTo(fn, writes, fresh, escaping)
    points.block(fn.body, {q: points.param(q) for q in fn.params})
    live = live_after(fn)
    out = []
    for key, (stmt, state) in points.at.items():
        for w in writes[key]:
            held = points.get(w.name, state, own=w.kind != "call") - {UNDEFINED}  # (a callee may write an item)
            others = {m for m in live.get(key, set()) if (m != w.name or w.kind == "call")
                      and points.get(m, state) & held}
            escapes = any(obj[0] in ESCAPING for obj in held)
            if others or escapes:
                unsure = {m for m in others if UNDEFINED in points.get(m, state)}
                twice = {m for m in others if points.get(m, state) & held <= {TWICE}}
                out.append(Seen(w, stmt, others, escapes, unsure, twice))
    return out


class PointsTo:
    """The objects each name may hold, statement by statement (see the module doc)."""

    def __init__(self, fn: ir.Function, writes: dict, fresh: Callable, escaping: set[str]):
        self.fn, self.writes, self.fresh, self.escaping = fn, writes, fresh, escaping
        self.at: dict[int, tuple[ir.Assign, State]] = {}  # each write's statement, and the state before it
        self.breaks: list[list[State]] = []

    def param(self, name: str) -> frozenset:
        if name in self.escaping:
            return frozenset({("env", name)})
        return frozenset({("param", name), TWICE})

    def get(self, name: str, state: State, own: bool = False, raw: bool = False) -> frozenset:
        """The objects ``name`` may hold; a shallow copy's items too unless ``own`` (a write into the copy
        itself: ``y[i] = v``, ``y += v``), or its marks on them as they are with ``raw``."""
        if name in state:
            held = state[name]
        elif name in self.fn.params:
            held = self.param(name)
        else:
            held = frozenset() if name in self.fn.locals else frozenset({("free", name)})
        if raw or not any(obj[0] == ITEMS for obj in held):
            return held
        mine = frozenset(obj for obj in held if obj[0] != ITEMS)
        return mine if own else mine | {obj[1] for obj in held if obj[0] == ITEMS}

    def block(self, stmts: list, state: State) -> State:
        for s in stmts:
            state = self.step(s, state)
        return state

    def step(self, s, state: State) -> State:
        """The state after ``s`` (straight-line steps update ``state`` itself; blocks get copies)."""
        if isinstance(s, ir.Assign):
            if id(s) in self.writes:
                _, before = self.at.get(id(s), (s, {}))
                self.at[id(s)] = (s, join(before, state))
            if any(w.kind != "call" for w in self.writes.get(id(s), ())):
                held = self.get(s.target, state, raw=True)  # written in place: it still holds the same object
                state[s.target] = held or frozenset({("site", id(s))})
            else:
                state[s.target] = self.value(s, state)
            return state
        if isinstance(s, ir.Unpack):
            held = self.get(s.src, state) if isinstance(s.src, str) else frozenset()
            state.update({t: held | {("site", id(s))} for t in s.targets})
            return state
        if isinstance(s, ir.If):
            return join_paths(self.block(s.body, dict(state)), self.block(s.orelse, dict(state)))
        if isinstance(s, (ir.For, ir.While)):
            head = dict(state)
            if isinstance(s, ir.For):
                head[s.target] = frozenset({("site", id(s))})
            self.breaks.append([])
            while True:
                end = self.block(s.body, dict(head))
                new = join_paths(head, end)
                if new == head:
                    break
                head = new
            out = head
            for state in self.breaks.pop():
                out = join_paths(out, state)
            return out
        if isinstance(s, ir.Break) and self.breaks:
            self.breaks[-1].append(dict(state))
        return state

    def value(self, s: ir.Assign, state: State) -> frozenset:
        v, site = s.value, frozenset({("site", id(s))})
        if isinstance(v, ir.Copy):
            return self.get(v.src, state) if isinstance(v.src, str) else site
        if isinstance(v, ir.Op):
            if v.prim in VIEW_PRIMS and v.args and isinstance(v.args[0], str) and not self.fresh(v):
                return self.get(v.args[0], state) | site
            return site
        if isinstance(v, ir.Index):
            return (self.get(v.value, state) if isinstance(v.value, str) else frozenset()) | site
        if isinstance(v, ir.Call) and v.shallow_copy:  # a new object; its items may be v's (a list's, a dict's)
            return site | {(ITEMS, obj) for a in v.args if isinstance(a, str) for obj in self.get(a, state)}
        if isinstance(v, (ir.Opaque, ir.Call)) and self.fresh(v):
            return site
        held = site  # a display holds its elements; a call may return its arguments (or views of them)
        for name in ir.reads(v):
            if not isinstance(v, ir.Opaque) or name in self.fn.locals or name in self.fn.params:
                held |= self.get(name, state)  # (an expression's module names are functions, not data)
        return held


def join(*states: State) -> State:
    out: State = {}
    for state in states:
        for k, v in state.items():
            out[k] = out[k] | v if k in out else v
    return out


def join_paths(a: State, b: State) -> State:
    """Two paths meeting: a name only one of them assigns may be unassigned here."""
    out = join(a, b)
    for k in a.keys() ^ b.keys():
        out[k] = out[k] | {UNDEFINED}
    return out
