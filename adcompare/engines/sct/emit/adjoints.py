"""Adjoints: what each normalized statement adds to the cotangents of its operands.

Contract: :func:`adjoints` returns, for each statement of a normalized function
that assigns an active variable, an :class:`Adjoint`: the contributions
``(variable, expression, may be a tuple or list)`` it adds to cotangents, the
variables those expressions read (which the forward sweep may have to save, see
:mod:`..analysis.saves`), and the statements to run first (a callee's ``bwd``,
after re-running a checkpointed callee's ``fwd`` from its inputs). A
primitive's contribution is inlined from :mod:`.templates` where it has the rule
(unbroadcast where the other operand may broadcast; an operand that is a number
literal is traced concrete) and calls the rule table otherwise; a primitive the
inline rule calls is bound as :func:`.direct.direct` in code that is run; a
cotangent is read as ``x_bar`` (:class:`Namer`). It also returns,
for each call of another function that keeps its residuals, the variable that
holds them. An adjoint names apart the variables it reads for their values
(``values``) from those it reads only the shape of (the second argument of
``unbroadcast``, ``getitem_bar`` and ``unpack_bar``): of those, the forward sweep
keeps only the shape (:func:`.runtime.shape_of`). With ``arrays`` (code to be
transformed again, or stacked by ``lax.scan``) no pull-back is made: the reverse
sweep calls the rule on the kept values.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from adcompare.engines.sct import ir, naming
from adcompare.engines.sct.analysis import zero_cotangents
from adcompare.engines.sct.analysis.activity import Activity
from adcompare.engines.sct.asttools import copy_tree, index_value
from adcompare.engines.sct.emit import codegen as cg
from adcompare.engines.sct.emit import templates
from adcompare.engines.sct.emit.codegen import Linker
from adcompare.engines.sct.emit.direct import direct
from adcompare.engines.sct.emit.primal import is_scalar
from adcompare.engines.sct.emit.runtime import shape_of
from adcompare.engines.sct.naming import Namer
from adcompare.primitives import Primitive

_SHAPE_READERS = ("unbroadcast", "getitem_bar", "unpack_bar")  # read only their second argument's shape


@dataclass
class Adjoint:
    contribs: list  # (variable, expression, may be a tuple or list)
    reads: set[str]  # every variable it reads
    prelude: list = field(default_factory=list)
    values: set[str] | None = None  # those it reads for their values (None: all of them)
    keeps: list = field(default_factory=list)  # (name, expression) the forward sweep sets after the statement
    with_value: bool = False  # the first keep is ``(value, pull-back)``: the forward sweep sets both at once

    def __post_init__(self):
        if self.values is None:
            self.values = set(self.reads)


def adjoints(fn: ir.Function, act: Activity, namer: Namer, linker: Linker, scalars: set[str],
             arrays: bool = False, shapes: dict | None = None) -> tuple[dict[int, Adjoint], dict[int, str]]:
    """(adjoint of each statement that has one, residual variable of each call that keeps them), by id.
    ``arrays``: the reverse sweep calls the rule table's rules itself (no pull-backs kept);
    ``shapes``: names of one shape class hold arrays of one shape (:mod:`..analysis.shapes`)."""
    maker = _Adjoints(fn, act, namer, linker, scalars)
    maker.arrays, maker.shapes = arrays, shapes or {}
    maker.maybe_zero = set() if linker.zero_guards else zero_cotangents.may_be_zero(fn, act)  # (all guarded)
    out = {}
    for s in ir.walk(fn.body):
        a = maker.adjoint(s)
        if a is not None:
            out[id(s)] = a
    valued = set().union(*(a.values for a in out.values()))
    shaped = {n for a in out.values() for _, e, _ in a.contribs for n in maker.shape_names(e)}
    for block in [fn.body] + [b for s in ir.walk(fn.body) for b in ir.blocks(s)]:
        maker.read_views_through(block, out, valued, shaped)
    return out, maker.res_var


class _Adjoints:
    """The adjoint of one statement at a time; the residual variables of calls, as it finds them."""

    def __init__(self, fn: ir.Function, act: Activity, namer: Namer, linker: Linker, scalars: set[str]):
        self.fn, self.act, self.namer, self.link, self.scalars = fn, act, namer, linker, scalars
        self.res_var: dict[int, str] = {}
        self.arrays = False  # keep values only: the rules run in the reverse sweep
        self.shapes: dict = {}  # name -> shape class (one class: one shape)
        self.shape_fns: set[str] = set()  # the generated names of the _SHAPE_READERS
        self.maybe_zero: set[int] = set()  # where the cotangent may be the placeholder 0.0 (see skip_zero)
        self.guarded = False  # the statement at hand is one of those

    def helper(self, name: str) -> str:
        out = self.link.helper(name)
        if name in _SHAPE_READERS:
            self.shape_fns.add(out)
        return out

    def template_helper(self, name: str) -> str:
        """An inline rule's helper: a primitive is called directly (:mod:`.direct`) in code that is
        run; code transformed again (``arrays``) calls the primitive itself."""
        fn = templates.HELPERS[name]
        if self.arrays or not isinstance(fn, Primitive):
            return self.link.helper(name)
        return self.link.bind(("direct", name), name, direct(fn))

    def shape_arg(self, a: ir.Atom) -> ast.expr:
        """``a`` as the shape reader's argument: a rank-0 name (``scalars``, see :mod:`..analysis.ranks`)
        is the constant shape ``()``, so that the forward sweep need not keep it."""
        if ir.is_var(a) and a in self.scalars and not self.arrays:  # code run again keeps values anyway
            return cg.load(self.link.constant("scalar_shape", shape_of(0.0)))
        return ir.atom_ast(a)

    def same_shape(self, a: ir.Atom, b: ir.Atom) -> bool:
        """Do ``a`` and ``b`` hold arrays of one shape (one class of ``shapes``, where a guard made it hold)?"""
        return ir.is_var(a) and ir.is_var(b) and a in self.shapes and self.shapes[a] == self.shapes.get(b)

    def bar(self, a: str) -> ast.Name:
        return cg.load(self.namer.bar(a))

    def adjoint(self, s) -> Adjoint | None:
        act = self.act
        self.guarded = id(s) in self.maybe_zero
        if isinstance(s, ir.Unpack):
            if not any(t in act.active for t in s.targets):
                return None
            if not act.has(s.src):
                return Adjoint([], set())
            bars = cg.tuple_([self.bar(t) if t in act.active else cg.const(0.0) for t in s.targets])
            expr = cg.call(self.helper("unpack_bar"), bars, cg.load(s.src))
            return Adjoint([(s.src, expr, True)], {s.src}, values=set())
        if not isinstance(s, ir.Assign) or s.target not in act.active:
            return None
        v, g = s.value, self.bar(s.target)
        h = self.helper
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
            index = index_value(copy_tree(v.index), h("slice"))
            contribs = [(v.value, cg.call(h("getitem_bar"), g, ir.atom_ast(v.value), index), True)] \
                if act.has(v.value) else []
        elif isinstance(v, ir.Call):
            return self.call_adjoint(s)
        elif isinstance(v, ir.Op):
            return self.finish(*self.op_contribs(s.target, v, g))
        else:
            contribs = []
        return self.finish(contribs)

    def finish(self, contribs: list, keeps: tuple = (), prelude: tuple = (), with_value: bool = False) -> Adjoint:
        """The adjoint of these contributions: what it reads, and for its values."""
        out = Adjoint(contribs, set(), list(prelude), keeps=list(keeps), with_value=with_value)
        self.count_reads(out)
        return out

    def count_reads(self, a: Adjoint) -> None:
        kept = {name for name, _ in a.keeps}
        reads, values = set(kept), set(kept)
        for _, expr, _ in a.contribs:
            reads |= ir.names_in(expr)
            values |= self.value_names(expr)
        local = self.fn.locals  # not ``locals | kept``: a copy of every local per statement is quadratic
        a.reads = {n for n in reads if n in local or n in kept}
        a.values = {n for n in values if n in local or n in kept}

    def read_views_through(self, block: list, adj: dict[int, Adjoint], valued: set[str], shaped: set[str]) -> None:
        """Where ``v = x[i]`` and the adjoints that follow it in ``block`` read ``v``'s value
        while ``x`` (read for its value anyway) and ``i`` still hold what they held then, those
        adjoints read ``x[i]`` instead: ``v`` (a view, or an element) need not be kept beside ``x``.
        Not where ``i`` is a slice and some adjoint reads ``v``'s shape (``shaped``): ``v`` is then
        kept itself, in place of its shape, and read (on NumPy a view of ``x``, no data of its own;
        on JAX a copy of the slice, which the reverse sweep would otherwise slice again)."""
        for k, d in enumerate(block):
            if not (isinstance(d, ir.Assign) and isinstance(d.value, ir.Index) and ir.is_var(d.value.value)
                    and d.value.value in valued and d.value.value != d.target):
                continue
            if d.target in shaped and isinstance(d.value.index, ast.Slice):
                continue
            v, x = d.target, d.value.value
            fixed = {v, x} | ir.names_in(d.value.index)
            view = ast.Subscript(cg.load(x), copy_tree(d.value.index), ast.Load())
            for r in block[k + 1:]:
                if not isinstance(r, (ir.Assign, ir.Unpack)):
                    break
                a = adj.get(id(r))
                bound = set(ir.targets(r)) | ({self.res_var[id(r)]} if id(r) in self.res_var else set())
                if bound & fixed or (a is not None and a.prelude):
                    break
                if a is not None and v in a.values:
                    a.contribs = [(var, _replace(expr, v, view, self.shape_fns), seq) for var, expr, seq in a.contribs]
                    self.count_reads(a)

    def shape_names(self, expr: ast.expr) -> set[str]:
        """The names ``expr`` reads for their shapes: each lone name as a shape reader's second argument."""
        return {n.args[1].id for n in ast.walk(expr) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                and n.func.id in self.shape_fns and len(n.args) > 1 and isinstance(n.args[1], ast.Name)}

    def value_names(self, expr: ast.expr) -> set[str]:
        """The names ``expr`` reads for their values: all but a lone name as a shape reader's second argument."""
        out, todo = set(), [expr]
        while todo:
            node = todo.pop()
            if isinstance(node, ast.Name):
                out.add(node.id)
                continue
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.shape_fns \
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Name):
                todo += [node.func, node.args[0]] + node.args[2:] + [k.value for k in node.keywords]
                continue
            todo += list(ast.iter_child_nodes(node))
        return out

    def op_contribs(self, t: str, v: ir.Op, g: ast.expr) -> tuple[list, list, list, bool]:
        """(contributions, pull-backs the forward sweep keeps, statements the reverse sweep runs
        first, ``with_value``) of ``t = prim(...)``. Where the rule table gives the derivative, its curried rule
        runs in the forward sweep, so that only what the pull-back closes over is kept, and the
        reverse sweep calls it (:func:`.runtime.pull`); of two or more such operands, the joint
        rule, once (:mod:`.joint`); where it gives all of them and has the ``value_and_vjp`` form,
        that, in place of the primitive (``with_value``); with ``arrays`` the reverse sweep calls
        the rule itself (``materialize``, ``seq_vjp``)."""
        name = v.prim.name
        params = {k: copy_tree(p) for k, p in v.params.items()}
        if v.seq:
            seq = v.args[0]
            if not self.act.has(seq):  # a list of constants (its name may be active elsewhere)
                return [], [], [], False
            if self.arrays:
                expr = cg.call(self.link.helper("seq_vjp"), cg.load(self.link.primitive(v.prim)), g, cg.load(t),
                               cg.load(seq), ast.Dict([cg.const(k) for k in params], list(params.values())))
                return [(seq, expr, True)], [], [], False
            pull = self.link.helper("pull")
            pullback = self.namer.fresh(f"{seq}_pullback")
            make = cg.call(self.link.helper("seq_pullback"), cg.load(self.link.primitive(v.prim)), cg.load(t),
                           cg.load(seq), ast.Dict([cg.const(k) for k in params], list(params.values())))
            return [(seq, cg.call(pull, cg.load(pullback), g), True)], [(pullback, make)], [], False
        out, keeps, prelude = [], [], []
        texts = {i: templates.template(templates.VJP, v.prim, i, v.args)
                 for i, (a, d) in enumerate(zip(v.args, v.diff)) if d and self.act.has(a)}
        joint = None
        ruled = sum(text is None for text in texts.values())
        # a rule computing value and pull-back at once (logsumexp's keeps exp(x - m)) runs in place of the primitive
        with_value = not self.arrays and v.prim.value_and_vjp is not None and ruled == len(texts) > 0
        if with_value or not self.arrays and ruled > 1:
            joint, pullback = self.namer.temp(), self.namer.fresh(f"{t}_pullback")
            active = tuple(i in texts and texts[i] is None for i in range(len(v.args)))
            rule = self.link.rules(v.prim, "value_and_vjp" if with_value else "vjp")
            keeps.append((pullback, cg.call(rule, cg.const(active), *[] if with_value else [cg.load(t)],
                                            *map(ir.atom_ast, v.args), **params)))
            prelude.append(cg.assign(joint, cg.call(self.link.helper("pull_each"), cg.load(pullback), g,
                                                    cg.const(len(v.args)))))
        for i, text in texts.items():
            a = v.args[i]
            if text is None and joint is not None:
                expr = ast.Subscript(cg.load(joint), cg.const(i), ast.Load())
            elif text is None:
                rule = ast.Subscript(cg.load(self.link.rules(v.prim, "vjps")), cg.const(i), ast.Load())
                made = cg.call(rule, cg.load(t), *map(ir.atom_ast, v.args), **params)
                if self.arrays:
                    expr = self.skip_zero(g, cg.call(made, cg.call(self.link.helper("materialize"), g, cg.load(t))))
                else:
                    pullback = self.namer.fresh(f"{a}_pullback")
                    keeps.append((pullback, made))
                    expr = cg.call(self.link.helper("pull"), cg.load(pullback), g)
            else:
                broadcasts = name in templates.BROADCASTING and not is_scalar(v.args[1 - i], self.scalars) \
                    and not self.same_shape(a, v.args[1 - i])
                # a derivative that reads g alone is a constant times g: sum g down first (``-g``
                # summed over a broadcast axis costs one pass over the small result, not the large g)
                linear = broadcasts and templates.uses(text) <= {"g"} | set(templates.HELPERS)
                mine = cg.call(self.helper("unbroadcast"), g, self.shape_arg(a)) if linear else g
                mapping = {"g": mine, "ans": cg.load(t)}
                for k, b in enumerate(v.args):
                    mapping[templates.operand_name(k)] = ir.atom_ast(b)
                for helper in templates.uses(text) & set(templates.HELPERS):
                    mapping[helper] = cg.load(self.template_helper(helper))
                expr = templates.instantiate(text, mapping)
                if broadcasts and not linear:
                    # -(e) summed down is -(e summed down), exactly: negate the small result, not the large one
                    negated = isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub)
                    expr = cg.call(self.helper("unbroadcast"), expr.operand if negated else expr, self.shape_arg(a))
                    if negated:
                        expr = ast.UnaryOp(ast.USub(), expr)
                if text != "g":
                    expr = self.skip_zero(g, expr)
            out.append((a, expr, name == "asarray" and a in self.act.seqs))  # a list's: one per element
        return out, keeps, prelude, with_value

    def skip_zero(self, g: ast.expr, expr: ast.expr, n: int | None = None) -> ast.expr:
        """In SCT's own code transformed again, or in user code where ``g`` may still be the placeholder
        (:mod:`..analysis.zero_cotangents`), ``expr`` or the placeholder 0.0 (``n`` of them) where ``g`` is a
        symbolic zero: the cotangent of a value never used, which JAX never forms; ``0 * inf`` would be nan."""
        if not (self.link.zero_guards or self.guarded):
            return expr
        zero = cg.const(0.0) if n is None else cg.tuple_([cg.const(0.0)] * n)
        return ast.IfExp(cg.call(self.link.helper("is_symbolic_zero"), copy_tree(g)), zero, expr)

    def call_adjoint(self, s: ir.Assign) -> Adjoint:
        v = s.value
        active = tuple(k for k, a in enumerate(v.args) if self.act.has(a))
        if not active:
            return Adjoint([], set())
        name = naming.ident(v.func) if v.callee is None else v.callee
        res = self.namer.fresh(f"{name}_res")
        bars = self.namer.temp()
        bwd = self.link.dynamic("bwd") if v.callee else self.link.callee(v.func, "reverse", active, "bwd", v.npos)
        call = cg.call(bwd, cg.load(res), self.bar(s.target))  # (a placeholder pulls back to placeholders)
        prelude = [cg.assign(bars, self.skip_zero(self.bar(s.target), call, len(active)) if self.guarded else call)]
        contribs = [(v.args[k], ast.Subscript(cg.load(bars), cg.const(n), ast.Load()), True)
                    for n, k in enumerate(active)]
        if v.checkpoint:  # keep the inputs only; re-run the callee's forward sweep right here
            fwd = self.link.callee(v.func, "reverse", active, "fwd", v.npos)
            again = self.namer.fresh(f"{name}_again")
            positional, keywords = cg.call_arguments(v)
            recompute = [cg.comment(f"recompute {name}: its forward sweep, from its inputs"),
                         cg.assign([again, res], cg.call(fwd, *positional, **keywords))]
            reads = {a for a in v.args if ir.is_var(a)} & self.fn.locals
            return Adjoint(contribs, reads, recompute + prelude)
        self.res_var[id(s)] = res
        return Adjoint(contribs, {res}, prelude)


def _replace(expr: ast.expr, name: str, by: ast.expr, shape_fns: set[str]) -> ast.expr:
    """``expr`` with each read of ``name``'s value replaced by a copy of ``by`` (a shape reader's
    lone-name second argument, which reads only the shape, stays)."""
    if isinstance(expr, ast.Name):
        return copy_tree(by) if expr.id == name else expr
    todo = [expr]
    while todo:
        node = todo.pop()
        shape_read = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in shape_fns
        for key, value in node.__dict__.items():
            if isinstance(value, ast.Name) and value.id == name:
                node.__dict__[key] = copy_tree(by)
            elif isinstance(value, ast.AST):
                todo.append(value)
            elif type(value) is list:
                keep = {1} if shape_read and key == "args" else set()
                node.__dict__[key] = [copy_tree(by) if isinstance(u, ast.Name) and u.id == name and j not in keep
                                      else u for j, u in enumerate(value)]
                todo += [u for u in value if isinstance(u, ast.AST) and not isinstance(u, ast.Name)]
    return expr
