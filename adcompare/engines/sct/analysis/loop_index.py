"""Where a ``for`` loop reads its loop variable as a Python int in a way a traced index silently changes.

Contract: ``SCTEngine(control="lax")`` hands a ``for`` loop over a range to ``lax.scan``, whose body runs once on
a traced index. Most uses of a concrete int then raise (``range(i)``, ``float(i)``, indexing a list), and the
loop keeps its Python form; some do not raise but give another answer: ``str(i)`` and f-strings (the tracer's
text), ``isinstance(i, int)`` and ``type(i)``, ``is`` and ``in`` (``"k" + str(i) in d`` is False), an attribute of
``i`` (``i.bit_length()``). :func:`python_int_use` finds such a use of the loop variable, or of a name computed
from it, in the loop's body (not in the functions it calls), described for the warning, or None.
"""

from __future__ import annotations

import ast

from adcompare.engines.sct import ir

_TEXT_OR_TYPE = frozenset({"str", "repr", "format", "ascii", "isinstance", "type", "id", "hash", "callable",
                           "bin", "hex", "oct", "chr"})


def python_int_use(loop: ir.For) -> str | None:
    tainted = {loop.target}
    for s in ir.walk(loop.body):  # names computed from the loop variable (program order; a loop's own once)
        if isinstance(s, (ir.Assign, ir.Unpack)) and _reads(s) & tainted:
            tainted |= set(ir.targets(s))
    for s in ir.walk(loop.body):
        for expr in _expressions(s):
            use = _use(expr, tainted)
            if use is not None:
                return use
    return None


def _reads(s) -> set[str]:
    return ir.reads(s.value) if isinstance(s, ir.Assign) else {s.src} if ir.is_var(s.src) else set()


def _expressions(s) -> list[ast.AST]:
    """The expressions a statement evaluates as written."""
    if isinstance(s, (ir.If, ir.While)):
        return [s.test]
    if isinstance(s, ir.Effect):
        return [s.node]
    if not isinstance(s, ir.Assign):
        return []
    v = s.value
    if isinstance(v, ir.Opaque):
        return [v.expr]
    if isinstance(v, ir.Index):
        return [v.index]
    if isinstance(v, ir.Op):
        return list(v.params.values())
    return []


def _use(expr: ast.AST, tainted: set[str]) -> str | None:
    def reads(node: ast.AST | None) -> bool:
        return node is not None and bool(ir.names_in(node) & tainted)

    for n in ast.walk(expr):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _TEXT_OR_TYPE \
                and any(reads(a) for a in n.args):
            return f"{n.func.id}() of it"
        if isinstance(n, ast.FormattedValue) and reads(n.value):
            return "an f-string of it"
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in tainted:
            return f"its attribute .{n.attr}"
        if isinstance(n, ast.Compare) and any(isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn))
                                              and (reads(left) or reads(right)) for op, left, right in
                                              zip(n.ops, [n.left] + n.comparators, n.comparators)):
            return "'is' or 'in' of it"
    return None
