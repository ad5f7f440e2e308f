"""Operator overloading: dual numbers for forward mode, a tape for reverse mode.

* **Forward**: a :class:`Dual` carries ``(value, tangent)``. Every operator and
  vocabulary call on it binds a primitive; :class:`JVPTrace` computes the value
  and asks the joint JVP rule (``prim.jvp``) for the output tangent, ``None``
  standing for an inactive operand's tangent.
* **Reverse**: a :class:`Node` is a value plus its position on a
  :class:`Tape` (a Wengert list). Each primitive application appends one entry:
  the tape position of each operand (``None`` for a constant) and the closure
  the joint VJP rule (``prim.vjp``) returns, which gives every active
  operand's cotangent at once (what it closes over is what is kept). The
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
from adcompare.operators import Operators
from adcompare.primitives import Box, Primitive, Trace, constant_like
from adcompare.tape_engine import TapeEngine, missing_rule

# --------------------------------------------------------------------------
# Forward mode


class Dual(Operators, Box):
    __slots__ = ("value", "tangent")

    def __init__(self, trace: JVPTrace, value: Any, tangent: Any):
        self.trace, self.value, self.tangent = trace, value, tangent

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.tangent!r})"


class JVPTrace(Trace):
    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        values, tangents = [], []  # written out, not split_operands: the hot path of forward mode
        for a in args:
            if isinstance(a, Dual) and a.trace is self:
                values.append(a.value)
                tangents.append(a.tangent)
            else:
                values.append(a)
                tangents.append(None)
        ans = prim(*values, **params)
        if prim.jvp is None:
            raise missing_rule(prim, "JVP")
        return Dual(self, ans, prim.jvp(tangents, ans, *values, **params))

    def constant(self, value: Any) -> Dual:
        return Dual(self, value, constant_like(value, 0.0))


# --------------------------------------------------------------------------
# Reverse mode


class Node(Operators, Box):
    __slots__ = ("value", "index")

    def __init__(self, tape: Tape, value: Any, index: int):
        self.trace, self.value, self.index = tape, value, index

    def __repr__(self) -> str:
        return f"Node({self.value!r}, index={self.index})"


class Tape(Trace):
    """A Wengert list: entry k holds (parent position per operand, ``None`` for a constant; pull-back).

    The pull-back is the joint VJP rule's closure: one call gives every active
    operand's cotangent.
    """

    def __init__(self, level: int):
        super().__init__(level)
        self.entries: list[tuple[tuple[int | None, ...], Callable | None]] = []

    def leaf(self, x: Any) -> Node:
        self.entries.append(((), None))
        return Node(self, x, len(self.entries) - 1)

    constant = leaf  # a leaf no input is: its cotangent is never read

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        # written out, not split_operands: this is the hot path of every reverse-mode operation
        vjp = prim.vjp
        if vjp is None:
            raise missing_rule(prim, "VJP")
        values, parents, active = [], [], []
        for a in args:
            if isinstance(a, Node) and a.trace is self:
                values.append(a.value)
                parents.append(a.index)
                active.append(True)
            else:
                values.append(a)
                parents.append(None)
                active.append(False)
        if prim.value_and_vjp is None:
            ans = prim(*values, **params)
            pullback = vjp(active, ans, *values, **params)
        else:  # the rule computes the value (a custom_vjp's fwd)
            ans, pullback = prim.value_and_vjp(active, *values, **params)
        entries = self.entries
        entries.append((tuple(parents), pullback))
        return Node(self, ans, len(entries) - 1)

    def backward(self, bars: list) -> None:
        """Sweep the cotangents ``bars`` (by tape position) back to the inputs, in place."""
        entries, add = self.entries, anp.add
        for k in range(len(bars) - 1, -1, -1):
            g = bars[k]
            if g is None:
                continue
            parents, pullback = entries[k]
            if pullback is None:
                continue
            bars[k] = None  # released as soon as it is pulled back
            for parent, x_bar in zip(parents, pullback(g)):
                if parent is not None:
                    held = bars[parent]
                    bars[parent] = x_bar if held is None else add(held, x_bar)

    def __len__(self) -> int:
        return len(self.entries)



# --------------------------------------------------------------------------
# The engine


class OverloadingEngine(TapeEngine):
    name = "overloading"
    source_form = "natural"

    dual, forward_trace, tape = Dual, JVPTrace, Tape
