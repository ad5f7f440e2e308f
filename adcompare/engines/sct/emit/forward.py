"""Forward transform: tangent statements interleaved with the primal ones.

Contract: :func:`forward` turns a normalized function into the ``ast`` of
``<name>_jvp(p0, p0_dot, p1, ...)``: the user's signature (defaults and
keyword-only parameters too), in which every differentiated parameter is
followed by its tangent; it returns ``(out, out_dot)``. Each
active assignment ``y = op(a, b)`` is followed (or, when it overwrites an
operand the tangent still needs, preceded) by ``y_dot = ...``, inlined from
:mod:`.templates` or calling the rule table; inactive statements are copied
unchanged; control flow is the primal's own. Calls to other user functions
call their generated ``_jvp``. Zero tangents are real zeros of the right shape, marked
symbolic (:mod:`.symbolic`); an inlined rule of an operand whose tangent may be one
(:mod:`.zero_tangents`) is left out for it, as JAX leaves out a symbolic zero.
"""

from __future__ import annotations

import ast

from adcompare.engines.sct import ir, located
from adcompare.engines.sct.analysis.activity import Activity
from adcompare.engines.sct.analysis.dataflow import operands
from adcompare.engines.sct.analysis.owned import owned_lists
from adcompare.engines.sct.asttools import copy_tree
from adcompare.engines.sct.emit import codegen as cg
from adcompare.engines.sct.emit import templates
from adcompare.engines.sct.emit.codegen import Linker
from adcompare.engines.sct.emit.primal import branch_test, is_scalar, primal_value
from adcompare.engines.sct.emit.zero_tangents import may_be_zero
from adcompare.engines.sct.naming import Namer


def forward(fn: ir.Function, act: Activity, namer: Namer, linker: Linker,
            active_params: tuple[int, ...], scalars: set[str], structured=None) -> ast.FunctionDef:
    """``structured``: a :class:`.structured.Structured` to emit loops and branches as ``lax`` calls."""
    return _Forward(fn, act, namer, linker, scalars, structured).function(active_params)


class _Forward:
    def __init__(self, fn: ir.Function, act: Activity, namer: Namer, linker: Linker, scalars: set[str],
                 structured=None):
        self.fn, self.act, self.namer, self.link, self.scalars = fn, act, namer, linker, scalars
        self.structured = structured
        self.owned = owned_lists(fn) if structured is None else set()  # lists grown in place
        self.maybe_zero, self.may_hold_zero = may_be_zero(fn, act, self.callee_may_be_zero)  # see .zero_tangents

    def callee_may_be_zero(self, v: ir.Call) -> bool:
        """May the tangent a call of another function returns be a symbolic zero (unknown: yes)?"""
        active = tuple(k for k, a in enumerate(v.args) if self.act.has(a))
        if not active or v.callee is not None:
            return True
        local = self.link.callee(v.func, "forward", active, "jvp", v.npos)
        entry = next(e for name, e, _ in self.link.callees if name == local)
        return not entry.functions or getattr(entry, "zero_out", True)

    def dot(self, a: ir.Atom) -> ast.expr:
        return cg.load(self.namer.dot(a))

    def zeros(self, a: ir.Atom) -> ast.expr:
        if isinstance(a, ir.Const):
            return cg.const(0.0)
        return cg.call(self.link.helper("zeros"), cg.load(a))

    def tangent_of(self, a: ir.Atom) -> ast.expr:
        return self.dot(a) if self.act.has(a) else self.zeros(a)

    def function(self, active_params: tuple[int, ...]) -> ast.FunctionDef:
        fn = self.fn
        start = []
        for k, p in enumerate(fn.params):
            if k not in active_params and p in self.act.active:  # not differentiated, but later varied
                start.append(cg.assign(self.namer.dot(p), self.zeros(p)))
        args = cg.parameters(fn, self.link, {k: self.namer.dot(fn.params[k]) for k in active_params})
        body = start + self.block(fn.body)
        ret = cg.tuple_([cg.load(fn.out), self.tangent_of(fn.out)])
        body.append(ast.Return(ret))
        out = ast.FunctionDef(self.namer.fresh(f"{fn.name}_jvp"), args, body, [], None)
        out.zero_out = not self.act.has(fn.out) or fn.out in self.may_hold_zero  # may out's tangent be or hold one?
        return out

    def block(self, stmts: list) -> list[ast.stmt]:
        out = []
        for s in stmts:
            out += located.stamp(self.stmt(s), s.line)
        return out

    def stmt(self, s) -> list[ast.stmt]:
        if isinstance(s, ir.Assign):
            return self.assign(s)
        if isinstance(s, ir.Unpack):
            primal = cg.assign(s.targets, ir.atom_ast(s.src))
            live = [t for t in s.targets if t in self.act.active]
            if not live:
                return [primal]
            if self.act.has(s.src):
                names = [self.namer.dot(t) if t in self.act.active else self.namer.fresh("_")
                         for t in s.targets]
                return [cg.assign(names, self.dot(s.src)), primal]
            return [primal] + [cg.assign(self.namer.dot(t), self.zeros(t)) for t in live]
        if self.structured is not None and isinstance(s, (ir.If, ir.For, ir.While)):
            out = self.structured.forward(self, s)
            if out is not None:
                return out
        if isinstance(s, ir.If):
            return [ast.If(branch_test(s.test, self.act, self.link), cg.body(self.block(s.body)),
                           self.block(s.orelse))]
        if isinstance(s, ir.For):
            return [ast.For(cg.store(s.target), cg.load(s.iterable), cg.body(self.block(s.body)), [])]
        if isinstance(s, ir.While):
            return [ast.While(branch_test(s.test, self.act, self.link), cg.body(self.block(s.body)), [])]
        if isinstance(s, ir.Break):
            return [ast.Break()]
        if isinstance(s, ir.Effect):
            return [copy_tree(s.node)]
        raise TypeError(s)

    def assign(self, s: ir.Assign) -> list[ast.stmt]:
        t, v = s.target, s.value
        if isinstance(v, ir.Append) and t == v.seq and t in self.owned:  # see .analysis.owned
            grow = [ast.Expr(cg.call(ast.Attribute(cg.load(t), "append", ast.Load()), ir.atom_ast(v.elt)))]
            if t in self.act.active:
                dot = self.dot(t)
                grow.append(ast.Expr(cg.call(ast.Attribute(dot, "append", ast.Load()), self.tangent_of(v.elt))))
            return grow
        primal = cg.assign(t, primal_value(v, self.link, self.act))
        if t not in self.act.active:
            return [primal]
        if isinstance(v, ir.Call):
            return self.call(s)
        varied = [a for a, _ in _operands(v) if self.act.has(a)]
        if not varied:  # an active variable given a constant here: its tangent is zero
            literal = isinstance(v, ir.Copy) and isinstance(v.src, ir.Const)
            return [primal, cg.assign(self.namer.dot(t), self.zeros(v.src if literal else t))]
        clobbers = t in [a for a, _ in _operands(v)]
        tangent, reads_ans, reads_operand = self.tangent(v, cg.load(t), t)
        if clobbers and reads_ans and reads_operand:
            tmp = self.namer.temp()
            tangent, _, _ = self.tangent(v, cg.load(tmp), t)
            return [cg.assign(tmp, primal_value(v, self.link, self.act)),
                    cg.assign(self.namer.dot(t), tangent), cg.assign(t, cg.load(tmp))]
        dot = cg.assign(self.namer.dot(t), tangent)
        return [dot, primal] if clobbers and reads_operand else [primal, dot]

    def tangent(self, v: ir.Expr, ans: ast.expr, target: str) -> tuple[ast.expr, bool, bool]:
        """The tangent expression, whether it reads the result, and whether it reads ``target``."""
        if isinstance(v, ir.Copy):
            return self.dot(v.src), False, False
        if isinstance(v, ir.Pack):
            expr = ir.pack_ast(v, [self.tangent_of(a) for a in v.elts])
            return expr, False, target in v.elts + (v.keys or [])
        if isinstance(v, ir.Append):
            return cg.add(self.dot(v.seq), ast.List([self.tangent_of(v.elt)], ast.Load())), False, False
        if isinstance(v, ir.Index):
            return ast.Subscript(self.dot(v.value), copy_tree(v.index), ast.Load()), False, False
        return self.op_tangent(v, ans, target)

    def op_tangent(self, v: ir.Op, ans: ast.expr, target: str) -> tuple[ast.expr, bool, bool]:
        name = v.prim.name
        params = {k: copy_tree(p) for k, p in v.params.items()}
        if v.seq:
            seq = v.args[0]
            expr = cg.call(self.link.helper("seq_jvp"), cg.load(self.link.primitive(v.prim)),
                           self.dot(seq), ans, cg.load(seq),
                           ast.Dict([cg.const(k) for k in params], list(params.values())))
            return expr, True, seq == target
        live = [i for i, (a, d) in enumerate(zip(v.args, v.diff)) if d and self.act.has(a)]
        parts, reads_ans, reads_operand = [], False, False
        for i in live:
            text = templates.template(templates.JVP, v.prim, i, v.args)
            if text is None:
                rule = ast.Subscript(cg.load(self.link.rules(v.prim, "jvps_skipping")), cg.const(i), ast.Load())
                parts.append(cg.call(rule, self.dot(v.args[i]), ans, *map(ir.atom_ast, v.args), **params))
                reads_ans, reads_operand = True, reads_operand or target in v.args
                continue
            used = templates.uses(text)
            mapping = {"t": self.dot(v.args[i]), "ans": ans}
            for k, a in enumerate(v.args):
                mapping[templates.operand_name(k)] = ir.atom_ast(a)
            for h in used & set(templates.HELPERS):
                mapping[h] = cg.load(self.link.helper(h))
            expr = templates.instantiate(text, mapping)
            reads_ans |= "ans" in used
            reads_operand |= any(templates.operand_name(k) in used and a == target
                                 for k, a in enumerate(v.args))
            if name in templates.LONE_JVP_BROADCAST and len(live) == 1 \
                    and not is_scalar(v.args[1 - i], self.scalars):
                expr = cg.call(self.link.helper("broadcast"), expr, ans)
                reads_ans = True
            if v.args[i] in self.maybe_zero and not (isinstance(expr, ast.Name) and text == "t"):
                # a symbolic zero's rule is left out, as the rule table's calls leave it (SkippingZeros),
                # and the result is one: ``t / (2 * ans)`` at sqrt(0) would make 0 / 0 (``t`` passes it on)
                expr = ast.IfExp(cg.call(self.link.helper("is_symbolic_zero"), self.dot(v.args[i])),
                                 cg.call(self.link.helper("zeros"), ans), expr)
                reads_ans = True
            parts.append(expr)
        expr = parts[0]
        for part in parts[1:]:
            expr = cg.add(expr, part)
        if len(parts) > 1 and target in self.maybe_zero:
            # the sum of symbolic zeros is one (see .zero_tangents), as JAX adds tangents: a real zero made
            # 0 * inf = nan downstream (max's tie mask differentiated again, times an inf weight)
            zero = self.link.helper("is_symbolic_zero")
            test = ast.BoolOp(ast.And(), [cg.call(zero, self.dot(v.args[i])) for i in live])
            expr, reads_ans = ast.IfExp(test, cg.call(self.link.helper("zeros"), ans), expr), True
        return expr, reads_ans, reads_operand

    def call(self, s: ir.Assign) -> list[ast.stmt]:
        v = s.value
        active = tuple(k for k, a in enumerate(v.args) if self.act.has(a))
        t = s.target
        if not active:
            return [cg.assign(t, primal_value(v, self.link, self.act)), cg.assign(self.namer.dot(t), self.zeros(t))]
        positional, keywords = cg.call_arguments(v)
        if v.callee is not None:  # known when it runs: the driver transforms it then
            jvp = self.link.dynamic("jvp")
            args = [cg.load(v.callee), cg.const(active)]
        else:
            jvp = self.link.callee(v.func, "forward", active, "jvp", v.npos)
            args = []
        for k, a in enumerate(positional):
            args.append(a)
            if k in active:
                args.append(self.dot(v.args[k]))
        return [cg.assign([t, self.namer.dot(t)], cg.call(jvp, *args, **keywords))]


def _operands(v: ir.Expr):
    return [(a, d) for a, d in operands(v) if d]
