"""Which cotangents of reverse-mode generated code may still be the ``0.0`` placeholder where a rule reads them.

Contract: :func:`may_be_zero` returns the assignments (by id) of active variables whose cotangent may be the
placeholder (the ``0.0`` a reverse sweep starts each cotangent at, or resets it to) when the sweep reaches
them: on some path after the assignment, nothing reads the variable, before it is assigned again, at a
differentiable operand of a step whose own cotangent is certain (the function's result's is, at the function's
end: the caller's), other than a display, an append or a call (whose operands' cotangents are parts of its own).
A path goes on after a branch's block into the statements after the ``if``, and after a loop's body both into
the next iteration (up to the assignment) and past the loop; an ``if`` reads a variable surely when both its
branches do, a loop when its body does before assigning it. The analysis is conservative: an assignment not in
the set always has a contribution. :mod:`..emit.adjoints` guards an inlined VJP template there, so that a
rule whose factor is infinite or nan at the point (``sqrt`` at 0) leaves it out, as JAX leaves out a
symbolic zero and the boxes never pull back a value nothing used, rather than making ``0 * inf = nan``.
"""

from __future__ import annotations

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.activity import Activity
from adcompare.engines.sct.analysis.dataflow import operand_atoms

# Steps whose operands' cotangents are parts of the step's own (a display's elements, a callee's arguments): a
# part may be the placeholder where the whole is not (t = (sqrt(z), b) read only as t[1]; a callee's argument it
# reads only in a branch not taken), so they read no operand surely.
_PARTS = (ir.Opaque, ir.Pack, ir.Append, ir.Call)


def may_be_zero(fn: ir.Function, act: Activity) -> set[int]:
    """The assignments (by id) of active variables in ``fn`` whose cotangent may be the placeholder there."""
    return _Pass(fn, act).out


class _Pass:
    """One backward pass over each block, carrying two sets of names surely read later (before being assigned
    again): ``later``, on every path to the function's end (the result's cotangent is the caller's), and
    ``inside``, on every path to the end of the innermost branch or loop body being walked (what an ``if`` or a
    loop around it counts as its own sure reads). A loop's body is walked again, from everything, until what
    its body surely reads first stops shrinking: its end goes on into the next iteration and past the loop."""

    def __init__(self, fn: ir.Function, act: Activity) -> None:
        self.act, self.out = act, set()
        self.every = {fn.out} | {a for s in ir.walk(fn.body) if isinstance(s, (ir.Assign, ir.Unpack))
                                 for a, _ in operand_atoms(s) if isinstance(a, str)}
        self.block(fn.body, {fn.out}, set())

    def block(self, stmts: list, later: set[str], inside: set[str]) -> set[str]:
        """Walk ``stmts`` backwards (``later`` and ``inside`` hold at their end, and are updated in place);
        what ``stmts`` surely reads before assigning it, as ``inside`` says."""
        for s in reversed(stmts):
            if isinstance(s, (ir.Assign, ir.Unpack)):
                if any(t in self.act.active and t not in later for t in ir.targets(s)):
                    self.out.add(id(s))
                read = self.reads(s)
                for seen in (later, inside):
                    seen.difference_update(ir.targets(s))
                    seen |= read
            elif isinstance(s, ir.If):
                both = self.block(s.body, set(later), set()) & self.block(s.orelse, set(later), set())
                for seen in (later, inside):
                    seen.difference_update(_assigned(s))
                    seen |= both
            elif isinstance(s, (ir.For, ir.While)):
                first = set(self.every)
                while True:  # (each walk only adds to self.out, so first only shrinks)
                    again = self.block(s.body, first & later, set())
                    if again == first:
                        break
                    first = again
                for seen in (later, inside):  # the loop may not run: on past it, unless it may assign first
                    seen.difference_update(_assigned(s) - first)
        return inside

    def reads(self, u) -> set[str]:
        """The variables step ``u`` surely adds to the cotangent of (at a differentiable operand), given that
        its own cotangent is certain (``u`` not in ``self.out``) and it is active."""
        if isinstance(u, ir.Assign) and isinstance(u.value, _PARTS) or id(u) in self.out \
                or not any(t in self.act.active for t in ir.targets(u)):
            return set()
        return {a for a, diff in operand_atoms(u) if diff and isinstance(a, str)}


def _assigned(s) -> set[str]:
    """The variables statement ``s`` or a statement in it assigns (a ``for`` loop's target among them)."""
    return {t for w in ir.walk([s]) for t in ir.targets(w)}
