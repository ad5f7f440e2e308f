"""Call ranks: the number of dimensions of what a call of a user function returns, for :func:`.ranks.ndims`.

Contract: :class:`Calls` is what :func:`.ranks.ndims` and :func:`.ranks.rank0` take as ``calls``. For a
call of a plain user function (its normalized body from ``callee_ir``, :func:`..front.callees.reader`;
by position, no ``*args``, every parameter bound), the number of dimensions of its result is that of
its return value (``Function.out``) in :func:`.ranks.ndims` of its body, its parameters holding what
the call's arguments hold: a number (rank-0, and an ``int`` where the argument is one: a literal or
the caller's ``ints``), or a NumPy array of d dimensions. The facts the callee's analysis assumes of its
parameters are facts the caller's analysis proved of the arguments (from the caller's own, which its
guard checks), so the result holds however the callee's code is then run (its general or a
specialized sweep computes the same value).

A function that calls itself (or calls that call back) is a fixed point: each (callee, arguments'
facts) is a summary, at first assumed the most (any number of dimensions, the top), and the analysis
runs again, each summary taken from its body with the others' last values, until none changes
(summaries only fall: at most :data:`_PASSES` rounds, else every call has none). By induction over the
depth of the calls run, each value a call returns then has its summary's dimensions. At most
:data:`_KEYS` summaries per analysis; a call beyond has none.
"""

from __future__ import annotations

from numbers import Number

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis import ranks
from adcompare.engines.sct.front.parse import lookup

_KEYS = 16  # (callee, arguments' facts) summaries at most
_PASSES = 8  # rounds until the summaries settle, at most
_TOP, _BOT = -1, -2  # as .ranks


class Calls:
    """Summaries of user functions' results (see the module doc), kept across the questions of one transformation."""

    def __init__(self, callee_ir):
        self.callee_ir = callee_ir
        self.memo: dict = {}  # (function, arguments' facts) -> its result's number of dimensions
        self.seen: set = set()  # the summaries taken again this round
        self.changed = self.off = False

    def ndims(self, fn: ir.Function, known: set[str], dims: dict[str, int], ints=frozenset()) -> dict[str, int]:
        """:func:`.ranks.ndims` of ``fn``, calls of user functions answered by their settled summaries."""
        for _ in range(_PASSES):
            self.seen, self.changed = set(), False
            out = ranks.ndims(fn, known, dims, ints, self)
            if not self.changed:
                return out
        self.memo.clear()
        self.off = True  # not settled: no call has a number of dimensions
        try:
            return ranks.ndims(fn, known, dims, ints, self)
        finally:
            self.off = False

    def rank0(self, fn: ir.Function, known: set[str], vectors=frozenset(), ints=frozenset()) -> set[str]:
        """:func:`.ranks.rank0` of ``fn``, through calls of user functions."""
        return ranks.rank0(fn, known, vectors, ints, self)

    def __call__(self, v: ir.Call, get, ints) -> int:
        """The number of dimensions of what the call ``v`` returns, given each atom's (``get``)."""
        if self.off or v.func is None or v.callee is not None or v.shallow_copy:
            return _BOT
        callee = self.callee_ir(v.func)
        if callee is None or callee.spread or len(v.args) != len(callee.params) or v.kw:
            return _BOT
        facts = []
        for a in v.args:
            if isinstance(a, ir.Const):
                d, whole = (0 if isinstance(a.value, Number) else _BOT), type(a.value) is int
            else:
                whole = a in ints
                d = 0 if whole else get(a)
            if d == _TOP:
                return _TOP
            facts.append((d, whole))
        key = (v.func, tuple(facts))
        if key in self.seen:  # taken this round, or being taken (a recursive call): its last value
            return self.memo.get(key, _TOP)
        if len(self.seen) >= _KEYS:
            return _BOT
        self.seen.add(key)
        params = callee.params
        bound = ranks.binding_statements(callee)
        whole = {p for p, (_, w) in zip(params, facts) if w and p not in bound}
        if "range" not in callee.locals and lookup(v.func, "range") is range:
            whole |= ranks.range_targets(callee)
        known = {p for p, (d, _) in zip(params, facts) if d == 0}
        dims = {p: d for p, (d, _) in zip(params, facts) if d > 0}
        found = ranks.ndims(callee, known, dims, frozenset(whole), self).get(
            callee.out, dims.get(callee.out, _BOT) if callee.out not in bound else _BOT)  # a parameter returned
        if self.memo.get(key, _TOP) != found:
            self.memo[key] = found
            self.changed = True
        return found
