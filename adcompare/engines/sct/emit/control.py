"""Control flow in the reverse sweep: branches replayed, loops run backwards, checkpointed loops.

Contract: the :class:`ControlFlow` part of the reverse transform emits, for an
``if`` chain, the forward branches recording which one ran (only where the
reverse sweep has work inside) and the reverse sweep replaying that branch; for
a loop, the forward loop counting its trips where the count is not known from
its range, and a reverse loop over the recorded iterations; for a loop over
``checkpointed_range``, the state kept per segment and each segment recomputed
from it, onto a stack of its own, before its reverse sweep.
"""

from __future__ import annotations

import ast

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.dataflow import live_in
from adcompare.engines.sct.asttools import copy_tree
from adcompare.engines.sct.emit import codegen as cg
from adcompare.engines.sct.emit.primal import branch_test


class ControlFlow:
    """Branches and loops in both sweeps (see the module doc).

    The host (:class:`adcompare.engines.sct.emit.reverse.Reverse`) holds the state: ``fn``,
    ``act``, ``namer``, ``link``, ``plan`` (:class:`SavePlan`), ``adj`` and ``res_var``
    (:mod:`.adjoints`), ``none_init`` (names the forward sweep first sets to ``None``),
    ``stack``/``push``/``pop`` (the current stack), ``recomputed`` and ``bwd_locals``.
    """

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
        fwd, rev_after = self.keep_target(s, in_loop, depth) if is_for else ([], [])
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

    def keep_target(self, s: ir.For, in_loop: bool, depth: int) -> tuple[list, list]:
        """(forward, reverse after the loop) statements keeping the loop variable's value from
        before the loop, where an adjoint outside the loop reads it."""
        if not self.plan.saved(s, s.target):
            return [], []
        keep, back = self.record(cg.load(s.target), in_loop, depth, f"{s.target}_saved")
        if s.target not in self.plan.bound(s)[1]:
            self.none_init.add(s.target)
        return [keep], [cg.assign(s.target, back)]

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
        fwd, rev_after = self.keep_target(s, False, depth)
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

