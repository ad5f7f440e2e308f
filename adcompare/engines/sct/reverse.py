"""Reverse transform: a forward sweep that saves what it must, then the adjoint sweep.

Contract: :func:`reverse` turns a normalized function into two definitions,

* ``<name>_fwd(p0, p1, ...) -> (out, residuals)`` (the user's signature,
  defaults and keyword-only parameters too): the primal code, plus the
  saves the reverse sweep needs: before a value it will need is overwritten,
  the old value is kept (in a local slot outside loops, pushed on a stack
  inside them); each ``if`` records the branch taken and each loop its trip
  count (in the same way), but only where the reverse sweep has work inside;
* ``<name>_bwd(residuals, out_bar) -> (p_bar, ...)``: the adjoint statements in
  reverse order, each block under a comment naming the primal statement,
  restoring saved values as it goes; ``if`` replays the recorded branch and a
  loop runs backwards over its recorded iterations.

Cotangents are ``x_bar`` variables, accumulated with native Python arithmetic
where :mod:`templates` has the rule and by calling the rule table otherwise.
A cotangent that nothing has reached yet is the float ``0.0`` (see
:mod:`runtime`). Nothing is saved or recorded where nothing needs it: a
function without loops has no stack. ``bwd`` may be called any number of
times on the same residuals.

A call of another user function keeps that function's residuals; a call of an
``ad.checkpoint`` function keeps only its inputs (saved like any value the
reverse sweep reads), and its adjoint first re-runs the callee's ``_fwd`` from
them, then its ``_bwd``: the recomputation is in the generated adjoint code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from adcompare.engines.sct import codegen as cg
from adcompare.engines.sct import ir, naming
from adcompare.engines.sct.analysis.activity import Activity
from adcompare.engines.sct.analysis.dataflow import direct_temps, fused, live_in, operand_atoms
from adcompare.engines.sct.analysis.saves import SavePlan
from adcompare.engines.sct.asttools import children, copy_tree, statements, walk
from adcompare.engines.sct.codegen import Linker
from adcompare.engines.sct.emit import templates
from adcompare.engines.sct.forward import branch_test, is_scalar, primal_value
from adcompare.engines.sct.naming import Namer
from adcompare.engines.sct.peephole import peephole


def reverse(fn: ir.Function, act: Activity, namer: Namer, linker: Linker,
            active_params: tuple[int, ...], scalars: set[str]) -> tuple[ast.FunctionDef, ast.FunctionDef]:
    return _Reverse(fn, act, namer, linker, scalars).functions(active_params)


def _needs_ans(op: ir.Op) -> bool:
    if op.seq:
        return True
    for i, d in enumerate(op.diff):
        text = templates.template(templates.VJP, op.prim.name, i)
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


@dataclass
class _Adjoint:
    contribs: list  # (variable, expression, may be a tuple or list)
    reads: set[str]
    prelude: list = field(default_factory=list)


class _Reverse:
    def __init__(self, fn: ir.Function, act: Activity, namer: Namer, linker: Linker, scalars: set[str]):
        self.fn, self.act, self.namer, self.link, self.scalars = fn, act, namer, linker, scalars
        self.direct = direct_temps(fn)
        self.res_var: dict[int, str] = {}
        self.adj: dict[int, _Adjoint] = {}
        self.none_init: set[str] = set()
        self.stack = self.push = self.pop = None
        self.recomputed: dict[int, set[str]] = {}  # a recomputing loop (by id): what it reads from outside
        self.bwd_locals: set[str] = set()  # names the reverse sweep sets before it reads them

    def bar(self, a: str) -> ast.Name:
        return cg.load(self.namer.bar(a))

    # --- what each statement's adjoint is ------------------------------------

    def adjoint(self, s) -> _Adjoint | None:
        act = self.act
        if isinstance(s, ir.Unpack):
            if not any(t in act.active for t in s.targets):
                return None
            if not act.has(s.src):
                return _Adjoint([], set())
            bars = cg.tuple_([self.bar(t) if t in act.active else cg.const(0.0) for t in s.targets])
            expr = cg.call(self.link.helper("unpack_bar"), bars, cg.load(s.src))
            return _Adjoint([(s.src, expr, True)], {s.src})
        if not isinstance(s, ir.Assign) or s.target not in act.active:
            return None
        v, g = s.value, self.bar(s.target)
        h = self.link.helper
        if isinstance(v, ir.Copy):
            contribs = [(v.src, g, True)] if act.has(v.src) else []
        elif isinstance(v, ir.Pack):
            if v.keys is not None:
                items = [(k, ir.atom_ast(k)) for k in v.keys]
            else:  # a tuple or list: its length too, to check a cotangent packed into an array
                items = [(k, cg.const(k), cg.const(len(v.elts))) for k in range(len(v.elts))]
            contribs = [(a, cg.call(h("item_bar"), g, *item[1:]), True) for item, a in zip(items, v.elts)
                        if act.has(a)]
        elif isinstance(v, ir.Append):
            contribs = [(v.elt, cg.call(h("last_bar"), g), True)] if act.has(v.elt) else []
            if act.has(v.seq):
                contribs.append((v.seq, cg.call(h("drop_last"), g), True))
        elif isinstance(v, ir.Index):
            index = cg.index_value(copy_tree(v.index), h("slice"))
            contribs = [(v.value, cg.call(h("getitem_bar"), g, ir.atom_ast(v.value), index), True)] \
                if act.has(v.value) else []
        elif isinstance(v, ir.Call):
            return self.call_adjoint(s)
        elif isinstance(v, ir.Op):
            contribs = self.op_contribs(s.target, v, g)
        else:
            contribs = []
        reads = set()
        for _, expr, _ in contribs:
            reads |= ir.names_in(expr)
        return _Adjoint(contribs, reads & self.fn.locals)

    def op_contribs(self, t: str, v: ir.Op, g: ast.expr) -> list:
        name = v.prim.name
        params = {k: copy_tree(p) for k, p in v.params.items()}
        if v.seq:
            seq = v.args[0]
            if not self.act.has(seq):  # a list of constants (its name may be active elsewhere)
                return []
            expr = cg.call(self.link.helper("seq_vjp"), cg.load(self.link.primitive(v.prim)), g, cg.load(t),
                           cg.load(seq), ast.Dict([cg.const(k) for k in params], list(params.values())))
            return [(seq, expr, True)]
        out = []
        for i, (a, d) in enumerate(zip(v.args, v.diff)):
            if not d or not self.act.has(a):
                continue
            text = templates.template(templates.VJP, name, i)
            if text is None:
                rule = ast.Subscript(cg.load(self.link.rules(v.prim, "vjps")), cg.const(i), ast.Load())
                pullback = cg.call(rule, cg.load(t), *map(ir.atom_ast, v.args), **params)
                expr = cg.call(pullback, cg.call(self.link.helper("materialize"), g, cg.load(t)))
            else:
                mapping = {"g": g, "ans": cg.load(t)}
                for k, b in enumerate(v.args):
                    mapping[templates.operand_name(k)] = ir.atom_ast(b)
                for helper in templates.uses(text) & set(templates.HELPERS):
                    mapping[helper] = cg.load(self.link.helper(helper))
                expr = templates.instantiate(text, mapping)
                if name in templates.BROADCASTING and not is_scalar(v.args[1 - i], self.scalars):
                    expr = cg.call(self.link.helper("unbroadcast"), expr, ir.atom_ast(a))
            out.append((a, expr, False))
        return out

    def call_adjoint(self, s: ir.Assign) -> _Adjoint:
        v = s.value
        active = tuple(k for k, a in enumerate(v.args) if self.act.has(a))
        if not active:
            return _Adjoint([], set())
        name = naming.ident(v.func) if v.callee is None else v.callee
        res = self.namer.fresh(f"{name}_res")
        bars = self.namer.temp()
        bwd = self.link.dynamic("bwd") if v.callee else self.link.callee(v.func, "reverse", active, "bwd", v.npos)
        prelude = [cg.assign(bars, cg.call(bwd, cg.load(res), self.bar(s.target)))]
        contribs = [(v.args[k], ast.Subscript(cg.load(bars), cg.const(n), ast.Load()), True)
                    for n, k in enumerate(active)]
        if v.checkpoint:  # keep the inputs only; re-run the callee's forward sweep right here
            fwd = self.link.callee(v.func, "reverse", active, "fwd", v.npos)
            again = self.namer.fresh(f"{name}_again")
            positional, keywords = cg.call_arguments(v)
            recompute = [cg.comment(f"recompute {name}: its forward sweep, from its inputs"),
                         cg.assign([again, res], cg.call(fwd, *positional, **keywords))]
            reads = {a for a in v.args if ir.is_var(a)} & self.fn.locals
            return _Adjoint(contribs, reads, recompute + prelude)
        self.res_var[id(s)] = res
        return _Adjoint(contribs, {res}, prelude)

    # --- emission ------------------------------------------------------------------

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

    def block(self, stmts: list, in_loop: bool, depth: int) -> tuple[list, list]:
        fwd, groups = [], []
        for s in stmts:
            f, r, key = self.stmt(s, in_loop, depth)
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
            keep, back = self.record(cg.load(name), in_loop, depth, f"{name}_saved")
            fwd.append(keep)
            restores.insert(0, (name, cg.assign(name, back)))
            if name not in self.plan.bound(s)[1]:
                self.none_init.add(name)
        fwd.append(self.primal(s))
        adj = self.adj.get(id(s))
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
        return cg.assign(s.target, primal_value(s.value, self.link))

    def accumulate(self, var: str, expr: ast.expr, seq: bool) -> ast.stmt:
        name = self.namer.bar(var)
        if var in self.direct:
            return cg.assign(name, expr)
        if seq and var in self.act.seqs:
            return cg.assign(name, cg.call(self.link.helper("add_bar"), cg.load(name), expr))
        return cg.assign(name, cg.add(cg.load(name), expr))

    def adjoint_stmts(self, s, adj: _Adjoint) -> list:
        grouped: dict[str, tuple[ast.expr, bool]] = {}
        for var, expr, seq in adj.contribs:
            if var in grouped:
                prev, pseq = grouped[var]
                both = seq or pseq
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

    def if_stmt(self, s: ir.If, in_loop: bool, depth: int) -> tuple[list, list]:
        branches = [(s.test, s.body)]
        rest = s.orelse
        while len(rest) == 1 and isinstance(rest[0], ir.If):
            branches.append((rest[0].test, rest[0].body))
            rest = rest[0].orelse
        branches.append((None, rest))
        slot = None if in_loop else self.namer.fresh("branch")  # named before the inner ones
        done = [self.block(body, in_loop, depth + 1) for _, body in branches]
        if not any(rev for _, rev in done):
            return [self.nest(branches, [f for f, _ in done])], []
        values = [True, False] if len(branches) == 2 else list(range(len(branches)))
        keeps, load = [], None
        for value in values:
            if in_loop:
                keep, load = self.record(cg.const(value), True, depth, "branch")
            else:
                keep, load = cg.assign(slot, cg.const(value)), cg.load(slot)
                if depth > 0:
                    self.none_init.add(slot)
            keeps.append(keep)
        fwd = self.nest(branches, [_before_exits(f, keep) for keep, (f, _) in zip(keeps, done)])
        revs = [r for _, r in done]
        if len(branches) == 2:
            if revs[0]:
                rev = [ast.If(load, cg.body(revs[0]), revs[1])]
            else:
                rev = [ast.If(ast.UnaryOp(ast.Not(), load), cg.body(revs[1]), [])]
            return [fwd], rev
        chosen = load
        prefix = []
        if in_loop:
            taken = self.namer.fresh("branch")
            prefix, chosen = [cg.assign(taken, load)], cg.load(taken)
        rev: list = []
        for value, r in reversed(list(zip(values, revs))):
            if r:
                test = ast.Compare(chosen, [ast.Eq()], [cg.const(value)])
                rev = [ast.If(test, cg.body(r), rev)]
        return [fwd], prefix + rev

    def nest(self, branches: list, blocks: list) -> ast.stmt:
        (test, _), block = branches[-2], blocks[-2]
        node = ast.If(branch_test(test, self.act, self.link), cg.body(block), blocks[-1])
        for (test, _), block in zip(reversed(branches[:-2]), reversed(blocks[:-2])):
            node = ast.If(branch_test(test, self.act, self.link), cg.body(block), [node])
        return node

    def loop(self, s, in_loop: bool, depth: int) -> tuple[list, list]:
        if isinstance(s, ir.For) and s.checkpoint:
            return self.checkpointed_loop(s, depth)
        body_fwd, body_rev = self.block(s.body, True, depth + 1)
        is_for = isinstance(s, ir.For)
        if not self.plan.has_content(s):
            if is_for:
                return [ast.For(cg.store(s.target), cg.load(s.iterable), cg.body(body_fwd), [])], []
            return [ast.While(branch_test(s.test, self.act, self.link), cg.body(body_fwd), [])], []
        fwd, rev_after = [], []
        if is_for and self.plan.saved(s, s.target):
            keep, back = self.record(cg.load(s.target), in_loop, depth, f"{s.target}_saved")
            fwd.append(keep)
            rev_after.append(cg.assign(s.target, back))
            if s.target not in self.plan.bound(s)[1]:
                self.none_init.add(s.target)
        counted = not is_for or s.has_break
        if counted:
            trips = self.namer.fresh("trips")
            fwd.append(cg.assign(trips, cg.const(0)))
            body_fwd = [ast.AugAssign(cg.store(trips), ast.Add(), cg.const(1))] + body_fwd
        if is_for:
            fwd.append(ast.For(cg.store(s.target), cg.load(s.iterable), cg.body(body_fwd), []))
        else:
            fwd.append(ast.While(branch_test(s.test, self.act, self.link), cg.body(body_fwd), []))
        count = None
        if counted:
            if in_loop:
                keep, count = self.record(cg.load(trips), True, depth, "trips")
                fwd.append(keep)
            else:
                count = cg.load(trips)
                if depth > 0:
                    self.none_init.add(trips)
        reversed_ = self.link.helper("reversed")
        if is_for:
            seq = cg.load(s.iterable)
            if counted:
                seq = ast.Subscript(seq, ast.Slice(None, count, None), ast.Load())
            head, target = cg.call(reversed_, seq), cg.store(s.target)
        else:
            head, target = cg.call(self.link.helper("range"), count), cg.store(self.namer.fresh("_"))
        return fwd, [ast.For(target, head, cg.body(body_rev), [])] + rev_after

    def checkpointed_loop(self, s: ir.For, depth: int) -> tuple[list, list]:
        """A loop over ``checkpointed_range``: its state kept per segment, each segment recomputed.

        The body is transformed as usual, but onto a stack of its own. The forward sweep
        runs it with that stack's push discarding, and keeps the loop-carried state at
        the start of each segment; the reverse sweep, for each segment from the last,
        restores that state, re-runs the body's forward sweep over the segment onto a
        fresh stack, then runs the body's reverse sweep over it."""
        outer = self.stack, self.push, self.pop
        self.stack, self.push, self.pop = (self.namer.fresh(n) for n in ("segment_stack", "segment_push",
                                                                          "segment_pop"))
        body_fwd, body_rev = self.block(s.body, True, depth + 1)
        stack, push, pop = self.stack, self.push, self.pop
        self.stack, self.push, self.pop = outer
        if not self.plan.has_content(s):
            return [ast.For(cg.store(s.target), cg.load(s.iterable), cg.body(body_fwd), [])], []
        fwd, rev_after = [], []
        if self.plan.saved(s, s.target):
            keep, back = self.record(cg.load(s.target), False, depth, f"{s.target}_saved")
            fwd.append(keep)
            rev_after.append(cg.assign(s.target, back))
            if s.target not in self.plan.bound(s)[1]:
                self.none_init.add(s.target)
        assigned = {t for b in ir.walk(s.body) for t in ir.targets(b)}
        live = live_in(s.body, {s.target})
        # the carried state, and each value the body saves for an adjoint outside it: the
        # first iteration of a recomputed segment must save the value the forward sweep saw
        inside = self.plan.inside[id(s)]
        saves = {n for b in ir.walk(s.body) if isinstance(b, (ir.Assign, ir.Unpack)) for n in self.plan.saves_of(b)
                 if any(id(r) not in inside for r, _ in self.plan.readers.get(n, []))}
        state = sorted((live & assigned) | saves)
        self.none_init |= set(state) - self.plan.bound(s)[1]
        segs, kept, seg, at = (self.namer.fresh(n) for n in ("segments", "checkpoints", "segment", "state"))
        if depth > 0:
            self.none_init |= {segs, kept}
        every = copy_tree(s.every) if s.every is not None else cg.const(None)
        h = self.link.helper
        fwd += [cg.assign(segs, cg.call(h("segments"), cg.load(s.iterable), every)),
                cg.assign(kept, ast.List([], ast.Load())),
                cg.assign(push, cg.load(h("discard"))),
                ast.For(cg.store(seg), cg.load(segs), [
                    ast.Expr(cg.call(ast.Attribute(cg.load(kept), "append", ast.Load()),
                                     cg.tuple_([cg.load(v) for v in state]))),
                    ast.For(cg.store(s.target), cg.load(seg), cg.body(body_fwd), [])], [])]
        restore = [cg.assign(state, cg.load(at))] if state else []
        recompute = ast.For(cg.store(s.target), cg.load(seg), cg.body(copy_tree(body_fwd)), [])
        self.recomputed[id(recompute)] = (live - assigned - {s.target}) | {seg}
        self.bwd_locals |= {seg, at, stack, push, pop}
        rev = [ast.For(ast.Tuple([cg.store(seg), cg.store(at)], ast.Store()),
                       cg.call(h("zip"), cg.call(h("reversed"), cg.load(segs)), cg.call(h("reversed"), cg.load(kept))),
                       [cg.comment("recompute the segment from its checkpoint, then sweep it back")] + restore + [
                           cg.assign(stack, ast.List([], ast.Load())),
                           cg.assign(push, ast.Attribute(cg.load(stack), "append", ast.Load())),
                           recompute,
                           cg.assign(pop, ast.Attribute(cg.call(h("reversed"), cg.load(stack)), "__next__",
                                                        ast.Load())),
                           ast.For(cg.store(s.target), cg.call(h("reversed"), cg.load(seg)), cg.body(body_rev), [])],
                       [])]
        return fwd, rev + rev_after

    # --- the two functions -----------------------------------------------------------

    def functions(self, active_params: tuple[int, ...]) -> tuple[ast.FunctionDef, ast.FunctionDef]:
        fn, act = self.fn, self.act
        for s in ir.walk(fn.body):
            adj = self.adjoint(s)
            if adj is not None:
                self.adj[id(s)] = adj
        self.plan = SavePlan(fn, act, self.adj, self.res_var, self.direct)
        body_fwd, body_rev = self.block(fn.body, False, 0)
        out_bar = self.namer.bar(fn.out)
        inits = []
        for v in sorted(act.active - self.direct - {fn.out}):
            inits.append(cg.assign(self.namer.bar(v), cg.const(0.0)))
        params_bar = [self.namer.bar(fn.params[k]) if fn.params[k] in act.active else None
                      for k in active_params]
        bwd_body = inits + body_rev
        bwd_body.append(ast.Return(cg.tuple_(
            [cg.load(b) if b else cg.const(0.0) for b in params_bar])))
        bwd_body = peephole(bwd_body)

        stored = set(fn.params)
        for s in statements(body_fwd):  # names are stored only by statement targets
            for target in s.targets if isinstance(s, ast.Assign) else [getattr(s, "target", None)]:
                if target is not None:
                    stored |= {n.id for n in walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        loaded = _loads(bwd_body, self.recomputed)
        residuals = sorted((loaded & stored) - {self.stack} - self.bwd_locals)
        defined_at_end = self.plan.end[1]
        tracked = fn.locals | set(self.res_var.values())
        unbound = {r for r in residuals if r in tracked and r not in defined_at_end}
        none_init = sorted((self.none_init | unbound) - set(fn.params))

        prologue = []
        if self.stack is not None:
            residuals = [self.stack] + residuals
            prologue += [cg.assign(self.stack, ast.List([], ast.Load())),
                         cg.assign(self.push, ast.Attribute(cg.load(self.stack), "append", ast.Load()))]
        prologue += [cg.assign(v, cg.const(None)) for v in none_init]
        res = self.namer.fresh("residuals")
        ret = ast.Return(cg.tuple_([cg.load(fn.out), cg.tuple_([cg.load(r) for r in residuals])]))
        fwd_def = ast.FunctionDef(self.namer.fresh(f"{fn.name}_fwd"), cg.parameters(fn, self.link),
                                  prologue + body_fwd + [ret], [], None)
        head = []
        if residuals:
            head.append(cg.assign(residuals if len(residuals) > 1 else [residuals[0]], cg.load(res)))
        if self.stack is not None:
            head.append(cg.assign(self.pop, ast.Attribute(
                cg.call(self.link.helper("reversed"), cg.load(self.stack)), "__next__", ast.Load())))
        bwd_def = ast.FunctionDef(self.namer.fresh(f"{fn.name}_bwd"), _args([res, out_bar]), head + bwd_body, [], None)
        return fwd_def, bwd_def


def _loads(stmts: list, recomputed: dict[int, set[str]]) -> set[str]:
    """The names generated statements read; a recomputing loop counts as what it reads from outside."""
    out, todo = set(), list(stmts)
    while todo:
        node = todo.pop()
        if id(node) in recomputed:
            out |= recomputed[id(node)]
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.add(node.id)
        else:
            todo += children(node)
    return out


def _before_exits(block: list, keep: ast.stmt) -> list:
    """``block`` with ``keep`` run last on every path: before a final break or raise, or at the end.

    A branch records its number when it is done, so that the reverse sweep pops it before
    anything the branch pushed (the stack is last in, first out)."""
    if block and isinstance(block[-1], (ast.Break, ast.Raise)):
        return block[:-1] + [copy_tree(keep), block[-1]]
    if block and isinstance(block[-1], ast.If) and _exits(block[-1]):
        last = block[-1]
        last.body, last.orelse = _before_exits(last.body, keep), _before_exits(last.orelse, keep)
        return block
    return block + [copy_tree(keep)]


def _exits(node: ast.If) -> bool:
    stack = node.body + node.orelse
    while stack:
        s = stack.pop()
        if isinstance(s, (ast.Break, ast.Raise)):
            return True
        if isinstance(s, ast.If):
            stack += s.body + s.orelse
    return False


def _args(names: list[str]) -> ast.arguments:
    return ast.arguments([], [ast.arg(n) for n in names], None, [], [], None, [])
