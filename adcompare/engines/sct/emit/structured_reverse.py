"""Structured control flow in reverse mode: loops as a forward and a reverse ``lax.scan``, branches as ``lax.cond``.

Contract: :func:`structured_reverse` is :func:`.reverse.reverse` for
``SCTEngine(control="lax")``. A ``for`` over a range that :class:`.structured.Structured`
can carry becomes, in the forward sweep, ``carry, residuals = scan_fwd(range,
body, carry)``, whose body returns the carried state and this iteration's saves
(what the plain output pushes on its stack, pushed here on a list of the
iteration's own, and the values the adjoint reads as the iteration left them);
in the reverse sweep, ``bars = scan_bwd(range, body, bars, residuals)``, whose
body pops that iteration's saves and carries the cotangents that flow from one
iteration to the one before (or out of the loop); a cotangent of a value local
to an iteration starts each reverse iteration at zero, as in the plain output.
The carried variables' values from before the loop are kept, and restored after
the reverse loop, for the adjoints before it. A loop that :class:`.structured.Structured`
cannot carry keeps the plain reverse transform's Python form, after a call that warns,
naming its line, when it runs on traced values (:func:`.lax_runtime.unrolled`). An ``if`` becomes ``cond_fwd`` and
``cond_bwd`` in the same way (the branch taken and its saves recorded, then
replayed; ``lax.cond`` on a traced test). A ``while`` keeps its Python form in both
sweeps, its test refused with :class:`SCTError` naming the user's line if it is
traced (a trip count under ``jax.jit`` cannot be recorded as a Python number).
Everything else is the plain reverse transform's (:mod:`.reverse`).
"""

from __future__ import annotations

import ast

from adcompare.engines.sct import ir
from adcompare.engines.sct.emit import codegen as cg
from adcompare.engines.sct.emit.peephole import peephole
from adcompare.engines.sct.emit.reverse import Reverse
from adcompare.engines.sct.emit.structured import Structured, assigned, free_names, ir_flow, live_in, stores


def structured_reverse(fn, act, namer, linker, active_params: tuple[int, ...], scalars: set[str],
                       lax: Structured) -> tuple[ast.FunctionDef, ast.FunctionDef]:
    return StructuredReverse(fn, act, namer, linker, scalars, lax).functions(active_params)


class StructuredReverse(Reverse):
    """The reverse transform with :mod:`.lax_runtime` loops and branches (see the module doc)."""

    def __init__(self, fn, act, namer, linker, scalars, lax: Structured):
        super().__init__(fn, act, namer, linker, scalars, arrays=True)  # lax.scan stacks arrays, not closures
        self.lax = lax

    def own_stack(self, blocks: list, depth: int) -> tuple[tuple[str, str, str], list]:
        """Each block's two sweeps, its saves pushed on a list of its own: ((list, push, pop), sweeps)."""
        outer = self.stack, self.push, self.pop
        mine = tuple(self.namer.fresh(n) for n in ("saves", "push", "pop"))
        self.stack, self.push, self.pop = mine
        none_init = set(self.none_init)  # the blocks' locals are their functions' own (see init_unbound)
        try:
            done = [self.block(b, True, depth + 1) for b in blocks]
        finally:
            self.stack, self.push, self.pop = outer
            self.none_init = none_init
        return mine, [(f, peephole(r)) for f, r in done]

    def keep(self, value: ast.expr, in_loop: bool, depth: int, base: str, out: list) -> ast.expr:
        """Keep a value for the reverse sweep (``out`` gets the forward statement)."""
        keep, back = self.record(value, in_loop, depth, base)
        out.append(keep)
        return back

    def body_pair(self, stack: tuple, fwd: list, rev: list, local: set[str], outs: list[str],
                  fwd_params: list[str], fwd_unpack: list, rev_in: list[str], base: str,
                  index: str | None = None) -> tuple[ast.FunctionDef, ast.FunctionDef]:
        """The forward function of a loop body or branch side (``fwd_params``, unpacked as
        ``fwd_unpack``; returns ``(outs, (saves, ends))``) and its reverse function
        (``(bars, ys)``, ``ys`` being ``(index, (saves, ends))`` for a loop; returns ``rev_in``)."""
        saves, push, pop = stack
        bars = {self.namer.bar(v) for v in self.act.active}
        local_bars = {self.namer.bar(v) for v in local if v in self.act.active}
        needed = live_in(rev)
        ends = sorted((needed - bars - set(rev_in) - {saves, push, pop, index}) & (stores(fwd) | stores(rev)))
        head = [cg.assign(saves, ast.List([], ast.Load())),
                cg.assign(push, ast.Attribute(cg.load(saves), "append", ast.Load()))]
        ys = cg.tuple_([cg.load(saves), cg.tuple_([cg.load(n) for n in ends])])
        f = self.lax.local_def(f"{base}_fwd", fwd_params, fwd_unpack, head + fwd,
                               cg.tuple_([cg.tuple_([cg.load(n) for n in outs]), ys]))
        b, y = self.namer.fresh("bars"), self.namer.fresh("ys")
        saved = ast.Tuple([cg.store(saves), _target(ends)], ast.Store())
        unpack = ast.Assign([ast.Tuple([cg.store(index), saved], ast.Store()) if index else saved], cg.load(y))
        rev_head = [unpack, cg.assign(pop, ast.Attribute(cg.call(self.link.helper("reversed"), cg.load(saves)),
                                                         "__next__", ast.Load()))]
        rev_head += [cg.assign(n, cg.const(0.0)) for n in sorted(needed & local_bars)]
        r = self.lax.local_def(f"{base}_bwd", [b, y], [(rev_in, b)], rev_head + rev,
                               cg.tuple_([cg.load(n) for n in rev_in]))
        self.recomputed[id(r)] = free_names(r)
        return f, r

    def loop(self, s, in_loop: bool, depth: int) -> tuple[list, list]:
        if isinstance(s, ir.While):
            fwd, rev = super().loop(s, in_loop, depth)
            for node in fwd:
                if isinstance(node, ast.While):
                    node.test = self.lax.static_if(s, self.lax.lowered_test(s, node.test), "a while loop in "
                                                   "reverse mode whose test is traced (its trip count cannot be "
                                                   "recorded)")
            return fwd, rev
        carry = self.lax.loop_carry(s)
        if carry is None:
            fwd, rev = super().loop(s, in_loop, depth)
            return [self.lax.unrolled(s, self.lax.python_form(s))] + fwd, rev
        lax = self.lax
        stack, [(body_fwd, body_rev)] = self.own_stack([s.body], depth)
        state = cg.tuple_([cg.load(n) for n in carry])
        c, x = self.namer.fresh("carry"), self.namer.fresh("index")
        if not self.plan.has_content(s):
            body = lax.local_def("loop_body", [c, x], [(carry, c), (s.target, x)], body_fwd, state)
            run = cg.call(lax.helper("scan_loop"), cg.load(s.iterable), cg.load(body.name), state, lax.place(s))
            return [body, _assign(carry, run)], []
        local = assigned(s.body) - set(carry)
        bars = {self.namer.bar(v) for v in self.act.active}
        local_bars = {self.namer.bar(v) for v in local if v in self.act.active}
        # what the reverse body reads from the iteration after, or sets for the one before (a reset too)
        flowing = sorted(((live_in(body_rev) | stores(body_rev)) & bars) - local_bars)
        fwd_def, bwd_def = self.body_pair(stack, body_fwd, body_rev, local, carry, [c, x],
                                          [(carry, c), (s.target, x)], flowing, "loop", s.target)
        fwd: list = []
        before = [self.keep(cg.load(n), in_loop, depth, f"{n}_before", fwd) for n in carry]
        res = self.namer.fresh("loop")
        run = cg.call(lax.helper("scan_fwd"), cg.load(s.iterable), cg.load(fwd_def.name), state, lax.place(s))
        fwd += [fwd_def, ast.Assign([ast.Tuple([_target(carry), cg.store(res)], ast.Store())], run)]
        back = self.keep(cg.load(res), in_loop, depth, "loop_saved", fwd) if in_loop else cg.load(res)
        if depth > 0:
            self.none_init.add(res)
        flow = cg.tuple_([cg.load(n) for n in flowing])
        call = cg.call(lax.helper("scan_bwd"), cg.load(s.iterable), cg.load(bwd_def.name), flow, back, lax.place(s))
        rev = [bwd_def, _assign(flowing, call)]
        rev += [cg.assign(n, k) for n, k in reversed(list(zip(carry, before)))]
        return fwd, rev

    def if_stmt(self, s: ir.If, in_loop: bool, depth: int) -> tuple[list, list]:
        lax = self.lax
        outs = lax.branch_outs(s)
        if outs is None:
            fwd, rev = super().if_stmt(s, in_loop, depth)
            node = fwd[0]
            while isinstance(node, ast.If):
                node.test = lax.static_if(s, node.test, "a branch holding a break or raise, in reverse mode, "
                                          "on a traced test")
                node = node.orelse[0] if len(node.orelse) == 1 else None
            return fwd, rev
        ops = lax.branch_operands(s, outs)
        stack, [(fa, ra), (fb, rb)] = self.own_stack([s.body, s.orelse], depth)
        test = self.lax.test(s, self.act, self.link)
        o = self.namer.fresh("operands")
        operands = cg.tuple_([cg.load(n) for n in ops])
        if not self.plan.has_content(s):
            sides = [lax.local_def(base, [o], [(ops, o)], f, cg.tuple_([cg.load(n) for n in outs]))
                     for base, f in (("then", fa), ("orelse", fb))]
            run = cg.call(lax.helper("cond"), test, cg.load(sides[0].name), cg.load(sides[1].name), operands,
                          lax.place(s))
            return sides + [_assign(outs, run)], []
        # a name only the branch uses: set in it before any read, and not read after it
        local = assigned(s.body + s.orelse) - set(outs) - ir_flow(s.body, set())[0] - ir_flow(s.orelse, set())[0]
        bars = {self.namer.bar(v) for v in self.act.active}
        local_bars = {self.namer.bar(v) for v in local if v in self.act.active}
        touched = live_in(ra) | live_in(rb) | stores(ra) | stores(rb)
        restored = ((stores(ra) | stores(rb)) - bars) & set(outs)
        io = sorted(((touched & bars) - local_bars) | restored)
        # a name the reverse sides restore: each side takes its value before the branch, so that its push keeps
        # that (a loop kept in Python's form reads it again, in the reverse of the iteration before)
        ops = sorted(set(ops) | restored)
        operands = cg.tuple_([cg.load(n) for n in ops])
        pairs = [self.body_pair(stack, f, r, local, outs, [o], [(ops, o)], io, base)
                 for base, f, r in (("then", fa, ra), ("orelse", fb, rb))]
        fwd = [pairs[0][0], pairs[1][0]]
        res = self.namer.fresh("branch")
        run = cg.call(lax.helper("cond_fwd"), test, cg.load(pairs[0][0].name), cg.load(pairs[1][0].name),
                      operands, lax.place(s))
        fwd.append(ast.Assign([ast.Tuple([_target(outs), cg.store(res)], ast.Store())], run))
        back = self.keep(cg.load(res), in_loop, depth, "branch_saved", fwd) if in_loop else cg.load(res)
        if depth > 0:
            self.none_init.add(res)
        state = cg.tuple_([cg.load(n) for n in io])
        call = cg.call(lax.helper("cond_bwd"), back, cg.load(pairs[0][1].name), cg.load(pairs[1][1].name), state,
                       lax.place(s))
        return fwd, [pairs[0][1], pairs[1][1], _assign(io, call)]


def _target(names: list[str]) -> ast.Tuple:
    return ast.Tuple([cg.store(n) for n in names], ast.Store())


def _assign(names: list[str], value: ast.expr) -> ast.stmt:
    return ast.Assign([_target(names)], value)
