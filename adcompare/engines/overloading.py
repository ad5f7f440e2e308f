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

Writes through a second name for the same array (``c = b; c *= a``, a view
``v = b[1:3]; v[0] = x``) follow NumPy: :mod:`adcompare.views` links each
view a trace makes to its base.

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
from adcompare.views import VIEWS, link

# --------------------------------------------------------------------------
# Forward mode


class Dual(Operators, Box):
    __slots__ = ("value", "tangent", "alias", "__weakref__")  # alias, weakref: adcompare.views

    def __init__(self, trace: JVPTrace, value: Any, tangent: Any):
        self._trace, self.value, self.tangent = trace, value, tangent

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.tangent!r})"


class JVPTrace(Trace):
    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        # The hot path of forward mode, written out as Tape.process's (one and two operands without lists)
        n = len(args)
        if n == 1:
            (x,) = args
            values, tangents = (x.value,), (x.tangent,)
        elif n == 2:
            x, y = args
            if not (isinstance(x, Dual) and x._trace is self):
                values, tangents = (x, y.value), (None, y.tangent)
            elif isinstance(y, Dual) and y._trace is self:
                values, tangents = (x.value, y.value), (x.tangent, y.tangent)
            else:
                values, tangents = (x.value, y), (x.tangent, None)
        else:
            values, tangents = [], []
            for a in args:
                if isinstance(a, Dual) and a._trace is self:
                    values.append(a.value)
                    tangents.append(a.tangent)
                else:
                    values.append(a)
                    tangents.append(None)
        if prim.value_and_jvp is not None:  # the rule gives the value too (a custom_jvp's)
            out = Dual(self, *prim.value_and_jvp(tangents, *values, **params))
        elif prim.jvp is None:
            raise missing_rule(prim, "JVP")
        else:
            ans = prim(*values, **params)
            out = Dual(self, ans, prim.jvp(tangents, ans, *values, **params))
        if prim in VIEWS:  # NumPy would return a view: writes through either name reach the other
            link(out, args[0], prim, params)
        return out

    def constant(self, value: Any) -> Dual:
        return Dual(self, value, constant_like(value, 0.0))


# --------------------------------------------------------------------------
# Reverse mode


class Node(Operators, Box):
    __slots__ = ("value", "index", "alias", "__weakref__")

    def __init__(self, tape: Tape, value: Any, index: int):
        self._trace, self.value, self.index = tape, value, index

    def __repr__(self) -> str:
        return f"Node({self.value!r}, index={self.index})"


_ACTIVE_ONE, _ACTIVE_FIRST, _ACTIVE_SECOND, _ACTIVE_BOTH = (True,), (True, False), (False, True), (True, True)


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
        # The hot path of every reverse-mode operation: the operands' values, tape positions and
        # activity are written out (no comprehensions, no split_operands; one and two operands
        # without lists). A lone operand is a node of this tape: a trace processes a call only
        # for its top-level box, so of two operands, one is.
        vjp = prim.vjp
        if vjp is None:
            raise missing_rule(prim, "VJP")
        n = len(args)
        if n == 1:
            (x,) = args
            values, parents, active = (x.value,), (x.index,), _ACTIVE_ONE
        elif n == 2:
            x, y = args
            if not (isinstance(x, Node) and x._trace is self):
                values, parents, active = (x, y.value), (None, y.index), _ACTIVE_SECOND
            elif isinstance(y, Node) and y._trace is self:
                values, parents, active = (x.value, y.value), (x.index, y.index), _ACTIVE_BOTH
            else:
                values, parents, active = (x.value, y), (x.index, None), _ACTIVE_FIRST
        else:
            values, positions, active = [], [], []
            for a in args:
                if isinstance(a, Node) and a._trace is self:
                    values.append(a.value)
                    positions.append(a.index)
                    active.append(True)
                else:
                    values.append(a)
                    positions.append(None)
                    active.append(False)
            parents = tuple(positions)
        if prim.value_and_vjp is None:
            ans = prim(*values, **params)
            pullback = vjp(active, ans, *values, **params)
        else:  # the rule computes the value (a custom_vjp's fwd)
            ans, pullback = prim.value_and_vjp(active, *values, **params)
        entries = self.entries
        entries.append((parents, pullback))
        out = Node(self, ans, len(entries) - 1)
        if prim in VIEWS:
            link(out, args[0], prim, params)
        return out

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
