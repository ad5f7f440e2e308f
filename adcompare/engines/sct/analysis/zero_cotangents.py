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
    out: set[int] = set()
    blocks = [(fn.body, None)]  # (block, where it goes on: (loop or not, the block around, the index there, ...))
    for block, cont in blocks:
        for i, s in enumerate(block):
            blocks += [(b, (isinstance(s, (ir.For, ir.While)), block, i, cont)) for b in ir.blocks(s)]
    changed = True
    while changed:  # an assignment joins when a use it counted on turns out to be uncertain: a fixed point
        before = len(out)
        for block, cont in blocks:
            for k, s in enumerate(block):
                if isinstance(s, (ir.Assign, ir.Unpack)) and id(s) not in out and any(
                        t in act.active and not _after(t, block, k, cont, fn, act, out)
                        for t in ir.targets(s)):
                    out.add(id(s))
        changed = len(out) != before
    return out


def _after(v: str, block: list, k: int, cont, fn: ir.Function, act: Activity, uncertain: set[int]) -> bool:
    """Is ``v`` surely read (as :func:`_scan` says) on every path after statement ``k`` of ``block``?"""
    found = _scan(v, block[k + 1:], fn, act, uncertain)
    if cont is None:  # the end of the function: the result's cotangent is the caller's
        return v == fn.out if found is None else found
    if found is not None:
        return found
    loop, around, i, outer = cont
    return (not loop or _scan(v, block[:k + 1], fn, act, uncertain) is True) \
        and _after(v, around, i, outer, fn, act, uncertain)


def _scan(v: str, stmts: list, fn: ir.Function, act: Activity, uncertain: set[int]) -> bool | None:
    """True: a statement of ``stmts`` surely adds to ``v``'s cotangent before ``v`` is assigned again; False:
    ``v`` may be assigned again first; None: neither (the path goes on after ``stmts``)."""
    for u in stmts:
        if isinstance(u, (ir.Assign, ir.Unpack)):
            if not (isinstance(u, ir.Assign) and isinstance(u.value, _PARTS)) \
                    and any(a == v and diff for a, diff in operand_atoms(u)) \
                    and id(u) not in uncertain and any(t in act.active for t in ir.targets(u)):
                return True
            if v in ir.targets(u):
                return False
        elif isinstance(u, ir.If) and _scan(v, u.body, fn, act, uncertain) is True \
                and _scan(v, u.orelse, fn, act, uncertain) is True:
            return True
        elif any(v in ir.targets(w) for w in ir.walk([u])) and not (
                isinstance(u, (ir.For, ir.While)) and _scan(v, u.body, fn, act, uncertain) is True):
            return False  # (a loop that reads v in its body before assigning it: on, past the loop)
    return None
