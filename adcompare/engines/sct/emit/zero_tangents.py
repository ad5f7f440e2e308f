"""Which tangents of forward-mode generated code may be symbolic zeros when it runs.

Contract: :func:`may_be_zero` returns the active variables whose tangent may be a
symbolic zero (:mod:`.symbolic`: an array :func:`.runtime.zeros` made, or the ``0.0``
placeholder) at some point of a run: a tangent that comes in (a parameter's: a caller,
generated code among them, may pass one), the zero tangent of an active variable given
a constant, a callee's tangent (unless the callee's own analysis says its result's never is
one), and what carries one unchanged (a copy, an element of a
container that may hold one, an operation whose one live operand's rule passes it through
or leaves it out). The analysis is flow-insensitive (a variable is taken as it may be
anywhere in the function) and conservative: a name not in the set never holds one. A
slice of an array is a new object (never marked), so slicing keeps only what a container
may hold. It returns too the variables whose tangent may be or hold one (a tuple of tangents), which a
function's own result is for its callers. :mod:`.forward` guards an inlined JVP template of such an operand, as the rule
table's calls are guarded (:class:`.symbolic.SkippingZeros`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.activity import Activity


def may_be_zero(fn: ir.Function, act: Activity, callee_may: Callable[[ir.Call], bool]) -> tuple[set[str], set[str]]:
    """The active variables whose tangent may be a symbolic zero somewhere in ``fn``, and those whose tangent may
    be or hold one (a tuple of tangents); ``callee_may(call)``: may the tangent a call of another function
    returns be or hold one (its own analysis, where it is known)?"""
    own = {p for p in fn.params if p in act.active}  # may be one itself
    held = set(own)  # may be, or hold (a tuple, a list), one
    stmts = list(ir.walk(fn.body))
    changed = True
    while changed:
        before = len(own) + len(held)
        for s in stmts:
            if isinstance(s, ir.Unpack):
                for t in s.targets:
                    if t in act.active and (not act.has(s.src) or s.src in held):
                        own.add(t)
                        held.add(t)
            elif isinstance(s, ir.Assign) and s.target in act.active:
                is_own, is_held = _assign(s.value, act, own, held, callee_may, fn.params)
                if is_own:
                    own.add(s.target)
                if is_own or is_held:
                    held.add(s.target)
        changed = len(own) + len(held) != before
    return own, held


def _assign(v: ir.Expr, act: Activity, own: set[str], held: set[str], callee_may, params) -> tuple[bool, bool]:
    """(may the target's tangent be a symbolic zero, may it hold one)."""
    if isinstance(v, ir.Call):
        return (True, True) if callee_may(v) else (False, False)
    if isinstance(v, ir.Opaque):
        return True, True
    if isinstance(v, ir.Copy):
        return not act.has(v.src) or v.src in own, not act.has(v.src) or v.src in held
    if isinstance(v, (ir.Pack, ir.Append)):
        elts = v.elts if isinstance(v, ir.Pack) else [v.seq, v.elt]
        return False, any(not act.has(a) or a in held for a in elts)
    if isinstance(v, ir.Index):
        if not act.has(v.value):
            return True, True
        sliced = isinstance(v.index, ast.Slice)
        return v.value in held and not sliced, v.value in held
    live = [a for a, d in zip(v.args, v.diff) if d and act.has(a)]
    if not live:
        return True, True
    if len(live) == 1:
        return v.seq or live[0] in own, v.seq and live[0] in held
    # several: a symbolic zero where every one is and one is made here (a constant's, a callee's), not only
    # passed in by a caller: forward.op_tangent keeps that sum one, as JAX adds zeros (0 * inf stays out)
    return all(a in own for a in live) and not all(a in params for a in live), False
