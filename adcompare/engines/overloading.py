"""Operator overloading: dual numbers for forward mode, a tape for reverse mode.

* **Forward**: a :class:`Dual` carries ``(primal, tangent)``. Every operator and
  vocabulary call on it binds a primitive; :class:`JVPTrace` computes the primal
  and adds up the active operands' JVP contributions from the rule table.
* **Reverse**: a :class:`Node` is a primal value plus its position on a
  :class:`Tape` (a Wengert list). Each primitive application appends one entry:
  the positions of its active operands and their curried VJP closures. The
  reverse sweep walks the tape backwards in a plain loop (no recursion, so a
  chain of 10^6 operations is fine) and drops each cotangent once it has been
  pulled back.

Nested derivatives work because each ``jvp``/``vjp`` call opens a new level;
values of outer levels are constants to inner traces. Nodes point to their
tape but the tape never points back to a node, so no reference cycles form.
The cycle collector would still rescan the growing tape again and again (it
cost more than half of a gradient's time on a chain of 10^4 scalar operations),
so recording and sweeping pause it: there is nothing for it to find. Cycles
the user's own code makes are collected as soon as it resumes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adcompare import numpy as anp
from adcompare.engine import TapeEngine, missing_rule
from adcompare.operators import Operators
from adcompare.primitives import Box, Primitive, Trace, constant_like

# --------------------------------------------------------------------------
# Forward mode


class Dual(Operators, Box):
    __slots__ = ("primal", "tangent")

    def __init__(self, trace: JVPTrace, primal: Any, tangent: Any):
        self.trace, self.primal, self.tangent = trace, primal, tangent

    @property
    def value(self) -> Any:
        return self.primal

    def __repr__(self) -> str:
        return f"Dual({self.primal!r}, {self.tangent!r})"


class JVPTrace(Trace):
    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        primals = [a.primal if isinstance(a, Dual) and a.trace is self else a for a in args]
        ans = prim(*primals, **params)
        if prim.jvps is None:
            raise missing_rule(prim, "JVP")
        out_dot = None
        for i, a in enumerate(args):
            if isinstance(a, Dual) and a.trace is self:
                contribution = prim.jvps[i](a.tangent, ans, *primals, **params)
                out_dot = contribution if out_dot is None else anp.add(out_dot, contribution)
        return Dual(self, ans, out_dot)

    def constant(self, value: Any) -> Dual:
        return Dual(self, value, constant_like(value, 0.0))


# --------------------------------------------------------------------------
# Reverse mode


class Node(Operators, Box):
    __slots__ = ("primal", "index")

    def __init__(self, tape: Tape, primal: Any, index: int):
        self.trace, self.primal, self.index = tape, primal, index

    @property
    def value(self) -> Any:
        return self.primal

    def __repr__(self) -> str:
        return f"Node({self.primal!r}, index={self.index})"


class Tape(Trace):
    """A Wengert list: entry k holds (parent positions, pull-back closures)."""

    def __init__(self, level: int):
        super().__init__(level)
        self.entries: list[tuple[tuple[int, ...], tuple[Callable, ...]]] = []

    def leaf(self, x: Any) -> Node:
        self.entries.append(((), ()))
        return Node(self, x, len(self.entries) - 1)

    constant = leaf  # a leaf no input is: its cotangent is never read

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        values = [a.primal if isinstance(a, Node) and a.trace is self else a for a in args]
        ans = prim(*values, **params)
        if prim.vjps is None:
            raise missing_rule(prim, "VJP")
        parents, pullbacks = [], []
        for i, a in enumerate(args):
            if isinstance(a, Node) and a.trace is self:
                parents.append(a.index)
                pullbacks.append(prim.vjps[i](ans, *values, **params))
        self.entries.append((tuple(parents), tuple(pullbacks)))
        return Node(self, ans, len(self.entries) - 1)

    def backward(self, bars: list) -> None:
        """Sweep the cotangents ``bars`` (by tape position) back to the inputs, in place."""
        for k in range(len(bars) - 1, -1, -1):
            parents, pullbacks = self.entries[k]
            if not parents or bars[k] is None:
                continue
            g, bars[k] = bars[k], None  # released as soon as it is pulled back
            for parent, pullback in zip(parents, pullbacks):
                x_bar = pullback(g)
                bars[parent] = x_bar if bars[parent] is None else anp.add(bars[parent], x_bar)

    def __len__(self) -> int:
        return len(self.entries)


# --------------------------------------------------------------------------
# The engine


class OverloadingEngine(TapeEngine):
    name = "overloading"
    source_form = "natural"

    dual, forward_trace, tape = Dual, JVPTrace, Tape
