"""Sweeps: the forward and reverse sweep of a block of statements.

Contract: the :class:`Sweeps` part of the reverse transform turns a block into
``(forward statements, reverse statements)``: the forward sweep is the primal
code plus the saves the plan asks for (in a local slot outside loops, pushed on
a stack inside them, see :meth:`Sweeps.record`); the reverse sweep is each
statement's adjoint in reverse order, under a comment naming the user's
statement, restoring saved values as it goes, accumulating contributions into
``x_bar`` (assigned directly for a temporary used once) and resetting the
cotangents of what the statement overwrote. Branches and loops go to
:mod:`.control`.
"""

from __future__ import annotations

import ast

from adcompare.engines.sct import ir, located
from adcompare.engines.sct.analysis.custom_reach import calls_custom
from adcompare.engines.sct.analysis.dataflow import fused, operand_atoms
from adcompare.engines.sct.asttools import copy_tree
from adcompare.engines.sct.emit import codegen as cg
from adcompare.engines.sct.emit.adjoints import Adjoint
from adcompare.engines.sct.emit.primal import primal_value


class Sweeps:
    """The two sweeps of straight-line statements (see the module doc).

    The host (:class:`adcompare.engines.sct.emit.reverse.Reverse`) holds the state: ``fn``,
    ``act``, ``namer``, ``link``, ``plan`` (:class:`SavePlan`), ``adj`` and ``res_var``
    (:mod:`.adjoints`), ``none_init`` (names the forward sweep first sets to ``None``),
    ``stack``/``push``/``pop`` (the current stack), ``recomputed`` and ``bwd_locals``.
    """

    def record(self, value: ast.expr, in_loop: bool, depth: int, base: str) -> tuple[ast.stmt, ast.expr]:
        """Keep ``value`` for the reverse sweep: (forward statement, expression reading it back)."""
        if in_loop:
            if self.stack is None:
                self.stack = self.namer.fresh("stack")
                self.push, self.pop = self.namer.fresh("push"), self.namer.fresh("pop")
            return ast.Expr(cg.call(self.push, value)), cg.call(self.pop)
        slot = self.namer.fresh(base)
        if depth > 0:
            self.none_init.add(slot)
        return cg.assign(slot, value), cg.load(slot)

    def kept(self, name: str) -> ast.expr:
        """What the forward sweep keeps of ``name``: its value, or only its shape where that is all
        the adjoints read (values only with ``arrays``)."""
        if not self.arrays and self.plan.shape_only(name):
            return cg.call(self.link.helper("shape_of"), cg.load(name))
        return cg.load(name)

    def block(self, stmts: list, in_loop: bool, depth: int) -> tuple[list, list]:
        fwd, groups = [], []
        for s in stmts:
            f, r, key = self.stmt(s, in_loop, depth)
            located.stamp(f, s.line), located.stamp(r, s.line)
            fwd += f
            groups.append((key, r))
        rev, last = [], None
        for key, r in reversed(groups):
            if not r:
                continue
            if key is not None and key != last:
                rev.append(cg.comment(key[1]))
            last = key
            rev += r
        return fwd, rev

    def stmt(self, s, in_loop: bool, depth: int) -> tuple[list, list, tuple | None]:
        if isinstance(s, (ir.Assign, ir.Unpack)):
            return self.assignment(s, in_loop, depth)
        if isinstance(s, ir.If):
            return self.if_stmt(s, in_loop, depth) + (None,)
        if isinstance(s, (ir.For, ir.While)):
            return self.loop(s, in_loop, depth) + (None,)
        if isinstance(s, ir.Break):
            return [ast.Break()], [], None
        return [copy_tree(s.node)], [], None  # Effect

    def assignment(self, s, in_loop: bool, depth: int) -> tuple[list, list, tuple | None]:
        fwd, restores = [], []
        for name in self.plan.saves_of(s):
            keep, back = self.record(self.kept(name), in_loop, depth, f"{name}_saved")
            fwd.append(keep)
            restores.insert(0, (name, cg.assign(name, back)))
            if name not in self.plan.bound(s)[1]:
                self.none_init.add(name)
        adj = self.adj.get(id(s))
        keeps = [] if adj is None else [cg.assign(name, expr) for name, expr in adj.keeps]
        if adj is not None and adj.with_value:  # the rule's value and its pull-back, in one call
            keeps[0].targets = [ast.Tuple([cg.store(s.target), keeps[0].targets[0]], ast.Store())]
        else:
            fwd.append(self.primal(s))
        fwd += keeps
        if adj is None:
            return fwd, [r for _, r in restores], None
        body = self.adjoint_stmts(s, adj)
        old_values = adj.reads & set(ir.targets(s)) & {a for a, _ in operand_atoms(s)}
        before = [r for name, r in restores if name in old_values]
        after = [r for name, r in restores if name not in old_values]
        key = (s.line, s.text) if body else None
        return fwd, before + body + after, key

    def primal(self, s) -> ast.stmt:
        if isinstance(s, ir.Unpack):
            return cg.assign(s.targets, ir.atom_ast(s.src))
        v = s.value
        if isinstance(v, ir.Call) and v.checkpoint and calls_custom(v.func) and any(self.act.has(a) for a in v.args):
            # its value as the transformed callee computes it (a custom function's call taken here, as without
            # the checkpoint, so that a derivative of this code differentiates the rule's operations), the
            # residuals dropped; the plain call would leave the custom call to the level differentiating this code
            active = tuple(k for k, a in enumerate(v.args) if self.act.has(a))
            positional, keywords = cg.call_arguments(v)
            fwd = self.link.callee(v.func, "reverse", active, "fwd", v.npos)
            return cg.assign(s.target, ast.Subscript(cg.call(fwd, *positional, **keywords), cg.const(0), ast.Load()))
        if id(s) in self.res_var:
            v = s.value
            active = tuple(k for k, a in enumerate(v.args) if self.act.has(a))
            positional, keywords = cg.call_arguments(v)
            if v.callee is not None:  # known when it runs: the driver transforms it then
                fwd = self.link.dynamic("fwd")
                positional = [cg.load(v.callee), cg.const(active)] + positional
            else:
                fwd = self.link.callee(v.func, "reverse", active, "fwd", v.npos)
            return cg.assign([s.target, self.res_var[id(s)]], cg.call(fwd, *positional, **keywords))
        return cg.assign(s.target, primal_value(s.value, self.link, self.act))

    def accumulate(self, var: str, expr: ast.expr, seq: bool) -> ast.stmt:
        name = self.namer.bar(var)
        if var in self.direct:
            return cg.assign(name, expr)
        if seq and var in self.act.seqs:
            return cg.assign(name, cg.call(self.link.helper("add_bar"), cg.load(name), expr))
        return cg.assign(name, cg.add(cg.load(name), expr))

    def adjoint_stmts(self, s, adj: Adjoint) -> list:
        grouped: dict[str, tuple[ast.expr, bool]] = {}
        for var, expr, seq in adj.contribs:
            if var in grouped:
                prev, pseq = grouped[var]
                both = seq or pseq
                if not both and _canonical(prev) == _canonical(expr):  # x * x: g * x + x * g is 2.0 * (g * x)
                    expr = ast.BinOp(cg.const(2.0), ast.Mult(), prev)
                else:
                    expr = cg.call(self.link.helper("add_bar"), prev, expr) if both else cg.add(prev, expr)
                seq = both
            grouped[var] = (expr, seq)
        out = list(adj.prelude)
        merged = fused(s)
        for var, (expr, seq) in grouped.items():
            if not (merged and var == s.target):
                out.append(self.accumulate(var, expr, seq))
        if merged:
            mine = grouped.get(s.target)
            out.append(cg.assign(self.namer.bar(s.target), mine[0] if mine else cg.const(0.0)))
        for t in self.plan.resets(s):
            out.append(cg.assign(self.namer.bar(t), cg.const(0.0)))
        return out


def _canonical(e: ast.expr) -> str:
    """``e`` as text in which the operands of ``+`` and ``*`` are sorted: equal for expressions that
    differ only by the order of those operands (which changes no floating-point result)."""
    if isinstance(e, ast.BinOp) and isinstance(e.op, (ast.Add, ast.Mult)):
        return f"{type(e.op).__name__}({','.join(sorted([_canonical(e.left), _canonical(e.right)]))})"
    if isinstance(e, ast.BinOp):
        return f"{type(e.op).__name__}({_canonical(e.left)},{_canonical(e.right)})"
    if isinstance(e, ast.Call) and not e.keywords:
        return f"{_canonical(e.func)}({','.join(_canonical(a) for a in e.args)})"
    if isinstance(e, ast.UnaryOp):
        return f"{type(e.op).__name__}({_canonical(e.operand)})"
    return ast.dump(e)
