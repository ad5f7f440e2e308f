"""Clobbers: a reverse-mode pre-pass that keeps a value its adjoint needs from being overwritten.

Contract: :func:`split_clobbers` rewrites, in place and before activity analysis,
``x = exp(x)`` into ``_t = exp(x); x = _t`` wherever the adjoint needs both the
operand ``x`` and the result (the rule reads ``ans``), and ``a, b = a`` into a
copy of the source first, so that the reverse sweep finds both values.
"""

from __future__ import annotations

from adcompare.engines.sct import ir
from adcompare.engines.sct.emit import templates
from adcompare.engines.sct.naming import Namer


def _needs_ans(op: ir.Op) -> bool:
    if op.seq:
        return True
    for i, d in enumerate(op.diff):
        text = templates.template(templates.VJP, op.prim, i)
        if d and (text is None or "ans" in templates.uses(text)):
            return True
    return False


def split_clobbers(fn: ir.Function, namer: Namer) -> None:
    """``x = exp(x)`` becomes ``_t = exp(x); x = _t`` where the adjoint needs both x and the result."""

    def visit(block: list) -> list:
        out = []
        for s in block:
            if isinstance(s, ir.Assign) and isinstance(s.value, ir.Op) and s.target in s.value.args \
                    and _needs_ans(s.value):
                tmp = namer.temp()
                fn.temps.add(tmp)
                fn.locals.add(tmp)
                out += [ir.Assign(tmp, s.value, s.line, s.text), ir.Assign(s.target, ir.Copy(tmp), s.line, s.text)]
                continue
            if isinstance(s, ir.Unpack) and s.src in s.targets:
                tmp = namer.temp()
                fn.locals.add(tmp)
                out += [ir.Assign(tmp, ir.Copy(s.src), s.line, s.text), ir.Unpack(s.targets, tmp, s.line, s.text)]
                continue
            if isinstance(s, ir.If):
                s.body, s.orelse = visit(s.body), visit(s.orelse)
            elif isinstance(s, (ir.For, ir.While)):
                s.body = visit(s.body)
            out.append(s)
        return out

    fn.body = visit(fn.body)

