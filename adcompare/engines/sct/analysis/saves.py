"""Saves: which values the reverse sweep reads, and which the forward sweep must keep.

Contract: :class:`SavePlan` takes a normalized function, its activity, and the
adjoint of each statement (what it reads, whether it contributes), and
answers the reverse transform's questions about every statement:

* ``saved(s, name)``: must the forward sweep keep the value ``name`` had just
  before ``s``? Only if that value may exist and some adjoint reading ``name``
  runs after s's own in the reverse sweep: one whose statement can run before
  ``s`` (earlier in the program, or anywhere in a loop around both), or s's own
  adjoint when it reads the value ``s`` overwrites (``x = sin(x)``); and only if
  an adjoint reads that very value (the one ``s`` overwrites), not just another
  value of the same name (a forward pass over the program, :meth:`SavePlan._versions`;
  ``end_read`` names the variables whose last value is read, the rest are not returned);
* ``resets(s)``: which cotangents start again from zero once ``s`` is undone;
* ``has_content(s)``: does the reverse sweep do anything for ``s`` (branches
  and loops without content are neither recorded nor replayed);
* ``bound(s)``: which of the names ``s`` binds are possibly and definitely
  bound before it (a saved value that may be unbound is first set to ``None``);
* ``shape_only(name)``: do the adjoints read only ``name``'s shape (an adjoint's
  ``values`` leave it out, and no checkpointed loop recomputes from its value)? Then
  the forward sweep keeps its shape in its place (:func:`..emit.runtime.shape_of`).

A loop that the reverse sweep runs reads its range object, which may then need
saving in turn: the plan iterates until nothing changes.
"""

from __future__ import annotations

from typing import Any

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.activity import Activity
from adcompare.engines.sct.analysis.dataflow import fused, live_in, operand_atoms


class SavePlan:
    """What the reverse sweep of ``fn`` needs kept, recorded and reset (see the module doc)."""

    def __init__(self, fn: ir.Function, act: Activity, adjoints: dict[int, Any], res_var: dict[int, str],
                 direct: set[str]):
        self.fn, self.act, self.adj, self.res_var, self.direct = fn, act, adjoints, res_var, direct
        self.order: dict[int, int] = {}
        self.loops: dict[int, frozenset] = {}
        self.inside: dict[int, frozenset] = {}
        self._bound: dict[int, tuple[frozenset, frozenset]] = {}
        self.readers: dict[str, list] = {}
        self.needed: set[str] = set()
        self.valued: set[str] = set()  # read for its value by some adjoint or recomputation
        self._positions(fn.body, frozenset())
        stmts = list(ir.walk(fn.body))
        for s in stmts:
            adj = adjoints.get(id(s))
            if isinstance(s, ir.For) and s.checkpoint:  # its segments are re-run from the values they read
                self.valued |= live_in(s.body, {s.target})
            if adj is not None:
                self.needed |= adj.reads
                self.valued |= adj.values
                old_values = set(ir.targets(s)) & {a for a, _ in operand_atoms(s)}
                for name in adj.reads:
                    self.readers.setdefault(name, []).append((s, name in old_values))
        top = (set(fn.params), set(fn.params))
        self._bindings(fn.body, [top])
        self._read: dict[int, frozenset] = {}
        self.end_read = frozenset(self._versions(fn.body, frozenset())[0])  # the names whose last value is read
        self.end = (frozenset(top[0]), frozenset(top[1]))
        self.first_read = {name: min(self.order[id(r)] for r, _ in rs) for name, rs in self.readers.items()}
        self.invariant = loop_invariant(fn, self._binds)
        while True:
            loops = [s for s in stmts if isinstance(s, ir.For) and self.has_content(s)
                     and s.iterable not in self.needed]
            if not loops:
                break
            for s in loops:
                self.needed.add(s.iterable)
                self.valued.add(s.iterable)
                self.readers.setdefault(s.iterable, []).append((s, False))
                self.first_read[s.iterable] = min(self.first_read.get(s.iterable, self.order[id(s)]),
                                                  self.order[id(s)])

    def bound(self, s) -> tuple[frozenset, frozenset]:
        """(possibly bound, definitely bound) just before ``s``, among the names ``s`` binds (its
        targets, its residuals, a loop's target); all names before a checkpointed loop."""
        return self._bound[id(s)]

    def saved(self, s, name: str) -> bool:
        if name not in self._bound[id(s)][0] or name not in self._read.get(id(s), ()) or id(s) in self.invariant:
            return False
        readers = self.readers.get(name)
        if not readers:
            return False
        here = self.order[id(s)]
        if self.first_read[name] < here:
            return True  # an earlier adjoint reads it (a loop's body comes after the loop)
        loops = self.loops[id(s)]
        inside = self.inside.get(id(s), frozenset()) if isinstance(s, ir.For) else frozenset()
        for r, old in readers:
            if id(r) in inside:
                continue  # the reverse loop itself sets its target for the adjoints in its body
            if (r is s and old) or (loops and self.loops[id(r)] & loops):
                return True
        return False

    def shape_only(self, name: str) -> bool:
        return name in self.needed and name not in self.valued

    def saves_of(self, s) -> list[str]:
        names = self._binds(s) if isinstance(s, (ir.Assign, ir.Unpack)) else []
        return [n for n in names if self.saved(s, n)]

    def resets(self, s) -> list[str]:
        if id(s) not in self.adj or fused(s):  # fused: the new cotangent is assigned, not reset
            return []
        return [t for t in ir.targets(s)
                if t in self.act.active and t not in self.direct and t in self._bound[id(s)][0]]

    def has_content(self, s) -> bool:
        if isinstance(s, (ir.Assign, ir.Unpack)):
            adj = self.adj.get(id(s))
            return bool(self.saves_of(s)) or (adj is not None and (bool(adj.contribs) or bool(self.resets(s))))
        if isinstance(s, ir.If):
            return any(self.has_content(b) for b in s.body + s.orelse)
        if isinstance(s, (ir.For, ir.While)):
            return any(self.has_content(b) for b in s.body) or (
                isinstance(s, ir.For) and self.saved(s, s.target))
        return False

    def _versions(self, block: list, read: frozenset | set) -> tuple[set, frozenset]:
        """Forward over ``block``: the names whose current value (the one they hold now) an
        adjoint reads, from statements run since it was set (``read`` on entry). Records, before
        each statement, which of the names it binds are in that set or read by the statement's
        own adjoint as the values it overwrites: a value no adjoint reads is not saved when it is
        overwritten. Only those names are stored per statement, and the set is updated in place,
        so a straight-line function costs time linear in its length. Returns (the set at the end,
        its union at the ``break`` statements that leave the innermost loop around ``block``)."""
        read, breaks = set(read), frozenset()
        for s in block:
            if isinstance(s, (ir.Assign, ir.Unpack)):
                adj = self.adj.get(id(s))
                reads = adj.reads if adj is not None else set()
                bound = set(self._binds(s))
                old = set(ir.targets(s)) & {a for a, _ in operand_atoms(s)}  # x = sin(x) reads the old x
                self._note(s, (read & bound) | (reads & old))
                read -= bound
                read |= reads - old  # what the adjoint reads, but the values this statement overwrites
            elif isinstance(s, ir.Break):
                breaks = breaks | read
            elif isinstance(s, ir.If):
                body, body_breaks = self._versions(s.body, read)
                orelse, orelse_breaks = self._versions(s.orelse, read)
                read, breaks = body | orelse, breaks | body_breaks | orelse_breaks
            elif isinstance(s, (ir.For, ir.While)):
                if isinstance(s, ir.For):  # the reverse loop runs over its range object
                    read.add(s.iterable)
                if isinstance(s, ir.For) and s.checkpoint:  # and recomputes its segments from these
                    read |= live_in(s.body, {s.target})
                self._note(s, read & {s.target} if isinstance(s, ir.For) else set())
                fresh = {s.target} if isinstance(s, ir.For) else set()
                head = frozenset(read)
                while True:  # the values read around the back edge, until nothing changes
                    end, exits = self._versions(s.body, head - fresh)
                    if end <= head:
                        break
                    head = head | end
                read = set(head | exits)
        return read, breaks

    def _note(self, s, names: set) -> None:
        """Record that the values ``names`` (among those ``s`` binds) hold just before ``s`` are read."""
        if names:
            self._read[id(s)] = self._read.get(id(s), frozenset()) | names
        else:
            self._read.setdefault(id(s), frozenset())

    def _positions(self, block: list, loops: frozenset) -> None:
        for s in block:
            self.order[id(s)] = len(self.order)
            self.loops[id(s)] = loops
            if isinstance(s, ir.If):
                self._positions(s.body, loops)
                self._positions(s.orelse, loops)
            elif isinstance(s, (ir.For, ir.While)):
                self._positions(s.body, loops | {id(s)})
                self.inside[id(s)] = frozenset(id(b) for b in ir.walk(s.body))

    def _bindings(self, block: list, layers: list[tuple[set, set]]) -> None:
        """Record, before each statement, which of the names it binds are possibly and definitely
        bound. ``layers`` holds (possibly, definitely) bound names, one pair per enclosing branch
        or loop over the function's own; each block adds what it binds to its innermost pair."""
        poss, defin = layers[-1]
        for s in block:
            if isinstance(s, ir.For) and s.checkpoint:
                names = set().union(*(p for p, _ in layers))
            else:
                names = set(self._binds(s))
            now = (frozenset(n for n in names if any(n in p for p, _ in layers)),
                   frozenset(n for n in names if any(n in d for _, d in layers)))
            old = self._bound.get(id(s))
            self._bound[id(s)] = (now[0] | old[0], now[1] & old[1]) if old else now
            if isinstance(s, (ir.Assign, ir.Unpack)):
                poss |= names
                defin |= names
            elif isinstance(s, ir.If):
                body = (set(), set())
                self._bindings(s.body, layers + [body])
                orelse = (set(), set())
                self._bindings(s.orelse, layers + [orelse])
                poss |= body[0] | orelse[0]
                defin |= body[1] & orelse[1]
            elif isinstance(s, (ir.For, ir.While)):
                head = {s.target} if isinstance(s, ir.For) else set()
                first = (set(head), set(head))
                self._bindings(s.body, layers + [first])
                again = (head | first[0], set(head))
                self._bindings(s.body, layers + [again])
                poss |= again[0]

    def _binds(self, s) -> list[str]:
        names = list(ir.targets(s))
        if id(s) in self.res_var:
            names.append(self.res_var[id(s)])
        adj = self.adj.get(id(s))
        if adj is not None:
            names += [name for name, _ in adj.keeps]
        return names


def loop_invariant(fn: ir.Function, binds) -> set[int]:
    """The assignments in loops that give their target the same value on every iteration: a
    primitive, index or copy of names bound nowhere in the outermost loop around it (nor global),
    into a target that only this statement binds. The value such a statement overwrites is the
    one it writes again, so the forward sweep need not keep it (``0.5 * h`` in a loop over steps)."""
    count: dict[str, int] = {}
    for s in ir.walk(fn.body):
        for name in set(ir.targets(s)) | set(binds(s) if isinstance(s, (ir.Assign, ir.Unpack)) else ()):
            count[name] = count.get(name, 0) + 1
    local = set(fn.params) | set(count)
    out: set[int] = set()
    for loop in _outermost_loops(fn.body):
        if not (isinstance(loop, ir.For) and loop.checkpoint):
            stmts = list(ir.walk(loop.body))
            varying = {loop.target} if isinstance(loop, ir.For) else set()
            for s in stmts:
                varying |= set(ir.targets(s)) | (set(binds(s)) if isinstance(s, (ir.Assign, ir.Unpack)) else set())
                if isinstance(s, ir.For) and s.checkpoint:
                    break  # its segments are recomputed: leave the loop's saves alone
            else:
                out |= {id(s) for s in stmts if isinstance(s, ir.Assign) and binds(s) == [s.target]
                        and isinstance(s.value, (ir.Op, ir.Index, ir.Copy)) and count[s.target] == 1
                        and s.target not in fn.params and not ir.reads(s.value) & varying
                        and ir.reads(s.value) <= local}
    return out


def _outermost_loops(block: list):
    for s in block:
        if isinstance(s, (ir.For, ir.While)):
            yield s
        elif isinstance(s, ir.If):
            yield from _outermost_loops(s.body)
            yield from _outermost_loops(s.orelse)
