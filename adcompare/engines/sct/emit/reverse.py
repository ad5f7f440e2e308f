"""Reverse transform: a forward sweep that saves what it must, then the adjoint sweep.

Contract: :func:`reverse` turns a normalized function into two definitions
(after the :mod:`.clobbers` pre-pass, and from the :mod:`.adjoints` of its
statements, the :mod:`..analysis.saves` plan, the sweeps of straight-line code
(:mod:`.sweeps`) and of branches and loops (:mod:`.control`), assembled here),

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
where :mod:`.templates` has the rule; otherwise the forward sweep calls the rule
table's curried rule and keeps its pull-back (only what the rule closes over),
which the reverse sweep calls. Only what an adjoint reads is kept: a value an
adjoint reads only the shape of is kept as its shape (``shape_of(x)``, read
back under the name ``x``), a value no adjoint reads is not kept at all.
A cotangent that nothing has reached yet is the float ``0.0`` (see
:mod:`.runtime`). Nothing is saved or recorded where nothing needs it: a
function without loops has no stack. ``bwd`` may be called any number of
times on the same residuals.

A call of another user function keeps that function's residuals; where the callee's
``bwd`` takes ``into`` (:mod:`.into`) the caller hands it the cotangents it would add the
callee's into, and the callee adds into them. A call of an
``ad.checkpoint`` function keeps only its inputs (saved like any value the
reverse sweep reads), and its adjoint first re-runs the callee's ``_fwd`` from
them, then its ``_bwd``: the recomputation is in the generated adjoint code.
"""

from __future__ import annotations

import ast

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.activity import Activity
from adcompare.engines.sct.analysis.dataflow import direct_temps
from adcompare.engines.sct.analysis.saves import SavePlan
from adcompare.engines.sct.asttools import children, names, statements, walk
from adcompare.engines.sct.emit import codegen as cg
from adcompare.engines.sct.emit import into as into_
from adcompare.engines.sct.emit import tiles
from adcompare.engines.sct.emit.adjoints import adjoints
from adcompare.engines.sct.emit.codegen import Linker
from adcompare.engines.sct.emit.control import ControlFlow
from adcompare.engines.sct.emit.peephole import Into, peephole
from adcompare.engines.sct.emit.sweeps import Sweeps
from adcompare.engines.sct.naming import Namer


def reverse(fn: ir.Function, act: Activity, namer: Namer, linker: Linker, active_params: tuple[int, ...],
            scalars: set[str], arrays: bool = False,
            shapes: dict | None = None) -> tuple[ast.FunctionDef, ast.FunctionDef]:
    """The two sweeps; ``arrays``: residuals are values only (no pull-backs, no ``shape_of``);
    ``shapes``: the names' shape classes (:mod:`..analysis.shapes`), where a guard made them hold."""
    made = Reverse(fn, act, namer, linker, scalars, arrays)
    made.shapes = shapes or {}
    return made.functions(active_params)


class Reverse(Sweeps, ControlFlow):
    """One function's reverse transform: the state its parts share, and the two definitions."""

    def __init__(self, fn: ir.Function, act: Activity, namer: Namer, linker: Linker, scalars: set[str],
                 arrays: bool = False):
        self.fn, self.act, self.namer, self.link, self.scalars = fn, act, namer, linker, scalars
        self.arrays = arrays
        self.shapes: dict = {}  # name -> shape class, where a guard made them hold (see specialize)
        self.direct = direct_temps(fn)
        self.none_init: set[str] = set()
        self.stack = self.push = self.pop = None
        self.recomputed: dict[int, set[str]] = {}  # a recomputing loop (by id): what it reads from outside
        self.bwd_locals: set[str] = set()  # names the reverse sweep sets before it reads them

    def functions(self, active_params: tuple[int, ...]) -> tuple[ast.FunctionDef, ast.FunctionDef]:
        fn, act = self.fn, self.act
        self.adj, self.res_var = adjoints(fn, act, self.namer, self.link, self.scalars, self.arrays,
                                          self.shapes)
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
        # arrays (code transformed again, or scanned): no in-place accumulation
        into = None if self.arrays else Into(frozenset(self.namer.bar(v) for v in act.active),
                                             self.link.helper("getitem_bar"), self.link.helper("getitem_bar_into"),
                                             self.link.helper("add_bar"), self.link.helper("add_bar_into"))
        bwd_body = peephole(bwd_body, into, frozenset(self.namer.bar(v) for v in act.active),
                            frozenset({self.link.helper("unbroadcast")}))
        into_arg = None  # a bwd that takes its caller's cotangents to add into (see .into)
        if into is not None:
            handed = [self.namer.bar(fn.params[k]) for k in active_params]
            if into_.capable(fn, act, active_params) and into_.indexed_only(bwd_body, handed, into):
                into_arg = self.namer.fresh("into")
                bwd_body = into_.take(bwd_body, handed, into_arg, into)
            slots = {local: len(entry.active) for local, entry, which in self.link.callees
                     if which == "bwd" and entry.into}
            if slots:
                bwd_body = into_.hand_over(bwd_body, slots, into.add_bar_into,
                                           self.link.bound_helper("is_symbolic_zero"))
            if self.link.bound_helper("slice") is not None:  # cotangents of slices that tile an array
                bwd_body = tiles.tile(bwd_body, into.names, {
                    "getitem_bar": into.getitem_bar, "getitem_bar_into": into.getitem_bar_into,
                    "slice": self.link.bound_helper("slice"),
                    "getitem_bar_tiled": lambda: self.link.helper("getitem_bar_tiled")}, self.namer.fresh)

        stored = set(fn.params)
        for s in statements(body_fwd):  # names are stored only by statement targets
            for target in s.targets if isinstance(s, ast.Assign) else [getattr(s, "target", None)]:
                if target is not None:
                    stored |= {n.id for n in walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        loaded = _loads(bwd_body, self.recomputed)
        tracked = fn.locals | set(self.res_var.values()) | {n for a in self.adj.values() for n, _ in a.keeps}
        residuals = sorted(r for r in (loaded & stored) - {self.stack} - self.bwd_locals
                           if r not in tracked or r in self.plan.end_read)  # a last value nothing reads
        defined_at_end = self.plan.end[1]
        unbound = {r for r in residuals if r in tracked and r not in defined_at_end}
        none_init = sorted((self.none_init | unbound) - set(fn.params))

        prologue = []
        if self.stack is not None:
            residuals = [self.stack] + residuals
            make = [cg.assign(self.stack, ast.List([], ast.Load())),
                    cg.assign(self.push, ast.Attribute(cg.load(self.stack), "append", ast.Load()))]
            if self.arrays:  # code transformed again: at the top, as the iterator
                prologue += make
            else:  # a call down a path that pushes nothing (a recursion's leaf) makes no stack
                prologue.append(cg.assign(self.stack, cg.const(None)))
                body_fwd = _place(body_fwd, make, self.push)
        prologue += [cg.assign(v, cg.const(None)) for v in none_init]
        res = self.namer.fresh("residuals")
        ret = ast.Return(cg.tuple_([cg.load(fn.out), cg.tuple_([
            self.kept(r) if r in fn.locals else cg.load(r) for r in residuals])]))
        fwd_def = ast.FunctionDef(self.namer.fresh(f"{fn.name}_fwd"), cg.parameters(fn, self.link),
                                  prologue + body_fwd + [ret], [], None)
        head = []
        if residuals:
            head.append(cg.assign(residuals if len(residuals) > 1 else [residuals[0]], cg.load(res)))
        if self.stack is not None:  # code transformed again (arrays): at the top, where its reader expects it
            pop = cg.assign(self.pop, ast.Attribute(
                cg.call(self.link.helper("reversed"), cg.load(self.stack)), "__next__", ast.Load()))
            bwd_body = [pop] + bwd_body if self.arrays else _place(bwd_body, [pop], self.pop)
        params = _args([res, out_bar] + ([into_arg] if into_arg else []))
        params.defaults = [cg.const(None)] if into_arg else []
        bwd_def = ast.FunctionDef(self.namer.fresh(f"{fn.name}_bwd"), params, head + bwd_body, [], None)
        bwd_def.takes_into = into_arg is not None
        return fwd_def, bwd_def


def _place(block: list, binding: list, name: str) -> list:
    """``block`` with ``binding`` (statements that bind ``name``) just before the first statement that reads
    ``name``, or inside the one branch of an ``if`` that alone reads it (so a call that takes the other branch,
    the leaf of a recursion, makes no stack or stack iterator); never into a loop, which would make it on
    every trip."""
    users = [k for k, s in enumerate(block) if name in names(s)]
    if not users:
        return block  # nothing pushes or pops
    k = users[0]
    s = block[k]
    if len(users) == 1 and isinstance(s, ast.If) and name not in names(s.test):
        body, orelse = any(name in names(t) for t in s.body), any(name in names(t) for t in s.orelse)
        if body != orelse:
            if body:
                s.body = _place(s.body, binding, name)
            else:
                s.orelse = _place(s.orelse, binding, name)
            return block
    return block[:k] + binding + block[k:]


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


def _args(names: list[str]) -> ast.arguments:
    return ast.arguments([], [ast.arg(n) for n in names], None, [], [], None, [])
