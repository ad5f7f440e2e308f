"""Closure conversion: nested functions, lambdas and comprehensions in code SCT transforms, made explicit.

Contract: :func:`convert` rewrites a parsed user function in place, before the fence, so that every value
reaches the code that uses it as an argument (as Myia and MindSpore do), and the transformation differentiates
through it like through any argument; the values and stand-ins it uses are in :mod:`.closure_values`.

* A nested ``def`` only called is lifted, its free variables passed at each call (:mod:`.direct_defs`). Any
  other nested ``def`` (anywhere in the body) or ``lambda`` becomes a module-level
  function of ``(env, *params)`` (a :class:`.closure_values.Template`), and the
  ``def`` or the lambda an assignment of ``make_closure(template, v1, ..., vk)``, ``v1..vk`` the outer variables
  it reads (and its defaults: :mod:`.defaults`). Python reads those when the function runs; they are read when the
  closure is made, so a variable assigned again after the ``def`` (or in the loop around it) is refused, as are
  keyword-only parameters, ``**kwargs``, decorators and a nested function that calls itself.
* A list comprehension or generator expression becomes a call of a
  module-level function of the outer variables it reads, which builds the list
  with a loop (``zip``, ``enumerate`` and tuple targets by index); a dict
  comprehension builds its keys and values so, then the dict (:mod:`.sized_code`); ``map(f, xs)``
  is the generator ``(f(x) for x in xs)``; ``tuple(xs)`` is ``as_tuple(xs)``.
* ``E.grad(f)`` (``jacfwd``, ``jacrev``, ``value_and_grad``, ``hessian`` as ``jacfwd`` of ``jacrev``;
  ``argnums`` by keyword) where ``E`` is a variable or an adcompare engine is ``derive(E, kind,
  f, argnums, file, line)``, ``E.jvp(f, primals, tangents)`` is ``jvp_call`` (``E.hvp`` that of
  ``E.grad(f)``, its tangent), and ``E.vjp(f, *xs)`` the pair of two closures of ``(f, *xs)``, the
  value (``apply`` of one: ``f``'s forward sweep, a custom rule's value as JAX's) and the pull-back, the operands
  evaluated once (:func:`.sized_code.once`);
  ``g(f)`` too where ``g = E.grad`` (see :mod:`.derivative_calls`).
* A call of a function known only when it runs (a variable, ``fs[0](x)``,
  ``make(a)(x)``) is ``apply(g, *args)``; ``jax.jit(f, ...)`` is ``f`` (jit only compiles: :mod:`.jit_calls`).
* A call of a derivative made at module level by ``SCTEngine(higher="sct")`` is a
  call of its program (:func:`made_calls`), which the transformation follows.
"""

from __future__ import annotations

import ast
import builtins
import functools
import itertools
from collections.abc import Callable

from adcompare.checkpoint import checkpoint
from adcompare.engine import Engine
from adcompare.engines.sct.emit import runtime
from adcompare.engines.sct.front import closure_values as cv
from adcompare.engines.sct.front import (
    defaults,
    derivative_calls,
    dict_code,
    dict_writes,
    direct_defs,
    for_targets,
    iterators,
    jit_calls,
    lifted_lines,
    nested_lists,
    sized_code,
)
from adcompare.engines.sct.front.fingerprints import one_of
from adcompare.engines.sct.front.parse import MISSING, Parsed

PROGRAM: Callable | None = None  # (kind, lifted function, argnums, nargs) -> program; set by ..programs
MADE_PROGRAM: Callable | None = None  # (engine-made function, nargs) -> its program or None; set by ..programs
_serial = itertools.count(1)
_DERIVE = {"grad", "jacfwd", "jacrev", "value_and_grad"}
_MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "setdefault"}
_EAGER = (builtins.sum, builtins.max, builtins.min, builtins.list, builtins.tuple, builtins.sorted, builtins.any,
          builtins.all, builtins.set, builtins.dict)  # they run a generator they are given at once
_NOT_DYNAMIC = (functools.partial, checkpoint, *dict_code.MAKERS)  # f(...)(x) where f makes a known callee
_BINDS = (ast.FunctionDef, ast.ClassDef, ast.ExceptHandler)  # they bind a name in the scope they are in
_SCOPES = (ast.FunctionDef, ast.Lambda, ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)


def made_calls(parsed: Parsed) -> None:
    """A call of a derivative a ``higher="sct"`` engine made (``g = sct.grad(f)`` at module level,
    then ``g(x)``) as a call of its program, which the transformation then follows."""
    if MADE_PROGRAM is None:
        return
    for node in ast.walk(parsed.tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))) or node.keywords \
                or any(isinstance(a, ast.Starred) for a in node.args):
            continue
        if isinstance(node.func, ast.Name) and node.func.id in parsed.locals:
            continue
        obj = parsed.resolve(node.func)
        program = None if obj is MISSING else MADE_PROGRAM(obj, len(node.args))
        if program is not None:
            bound = f"__program_{next(_serial)}"
            parsed.extra[bound] = program
            node.func = ast.Name(bound, ast.Load())


def convert(parsed: Parsed) -> None:
    """Rewrite ``parsed`` in place (see the module doc)."""
    made_calls(parsed)
    _Converter(parsed).run()


def _stores(node: ast.AST, writes: bool = True) -> dict[str, list[int]]:
    """Lines where each name is bound in ``node`` (and, with ``writes``, written into: ``y[i] = v``,
    ``y.append(v)``, which SCT does by rebinding ``y``), not counting nested scopes' own bindings."""
    out: dict[str, list[int]] = {}
    todo = list(ast.iter_child_nodes(node))
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            out.setdefault(n.id, []).append(n.lineno)
        if isinstance(n, ast.FunctionDef):
            out.setdefault(n.name, []).append(n.lineno)
        written = n.value if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store) else \
            n.func.value if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) else None
        if writes and isinstance(written, ast.Name) and (isinstance(n, ast.Subscript) or n.func.attr in _MUTATORS):
            out.setdefault(written.id, []).append(n.lineno)
        if not isinstance(n, _SCOPES):
            todo.extend(ast.iter_child_nodes(n))
    return out


class _Converter:
    def __init__(self, parsed: Parsed):
        self.p = parsed
        tree = parsed.tree
        self.locals = set(parsed.locals) | set(_stores(tree, writes=False))
        dict_writes.lower(tree, self.bind, self.resolve, parsed.where)  # del d[k], d.update(e), {**d, 'k': v}
        for_targets.lower(tree, self.loop, self.resolve, self.dict_keys, self.length, self.bind)  # zip, d.items()
        self.stores = _stores(tree)
        self.locals |= set(_stores(tree, writes=False))
        self.loops: list[ast.AST] = []
        self.aliases: dict[str, ast.Attribute] = {}  # g = E.grad
        self.jitted: dict[str, tuple] = {}  # g = jax.jit(f, static_argnums=...): its static arguments
        self.lifted: dict[str, tuple[str, list[str]]] = {}  # defs only called: lifted name, free variables
        self.cells = {}  # the user's function's own closure, as values
        for var, cell in zip(parsed.fn.__code__.co_freevars, parsed.fn.__closure__ or ()):
            try:
                self.cells[var] = cell.cell_contents
            except ValueError:
                pass
        derivative_calls.prepare(self, tree)

    def run(self) -> None:
        """Rewrite the body in place, without recursion (a long expression is a deep tree)."""
        holder = self.p.tree
        stack = [(holder, "body", i, False) for i in reversed(range(len(holder.body)))]
        while stack:
            parent, name, i, done = stack.pop()
            node = getattr(parent, name) if i is None else getattr(parent, name)[i]
            if done:
                if isinstance(node, (ast.For, ast.While)):
                    self.loops.pop()
                new = self.leave(node)
            else:
                new = self.enter(node)
                if new is None:
                    if isinstance(node, (ast.For, ast.While)):
                        self.loops.append(node)
                    stack.append((parent, name, i, True))
                    for field, value in ast.iter_fields(node):
                        if isinstance(value, list):
                            stack += [(node, field, j, False) for j in reversed(range(len(value)))
                                      if isinstance(value[j], ast.AST)]
                        elif isinstance(value, ast.AST):
                            stack.append((node, field, None, False))
                    continue
            if new is not node:
                if i is None:
                    setattr(parent, name, new)
                else:
                    getattr(parent, name)[i] = new
        self.p.locals |= self.locals

    def enter(self, node: ast.AST) -> ast.AST | None:
        """A nested scope, lifted whole (its inside is converted when it is transformed), or None."""
        if isinstance(node, ast.FunctionDef):
            jit_calls.decorators(self, node)  # @jax.jit: the def
        if isinstance(node, (ast.FunctionDef, ast.Assign)) and direct_defs.calls_only(self, node):
            return direct_defs.lift(self, node)  # only called (g = lambda v: ... too)
        if isinstance(node, ast.FunctionDef):
            made = self.closure(node.name, node.args, node.body, node, node.decorator_list)
            return ast.copy_location(ast.Assign([ast.Name(node.name, ast.Store())], made), node)
        if isinstance(node, ast.Lambda):
            body = [ast.copy_location(ast.Return(node.body), node.body)]
            at_once = getattr(node, "sct_called_at_once", False)  # (.derivative_calls.called_at_once)
            return ast.copy_location(self.closure("lambda", node.args, body, node, [], bound_now=at_once), node)
        if isinstance(node, ast.Attribute) and node.attr == "__getitem__" and isinstance(node.ctx, ast.Load) \
                and isinstance(node.value, ast.Name) and node.value.id in self.locals:  # x.__getitem__: x bound now
            read = ast.Subscript(node.value, ast.Name("_sct_i", ast.Load()), ast.Load())
            body = [ast.copy_location(ast.Return(read), node)]
            args = ast.arguments([], [ast.arg("_sct_i")], None, [], [], None, [])
            return ast.copy_location(self.closure("lambda", args, body, node, [], bound_now=True), node)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.DictComp)):
            return self.comprehension(node)
        if isinstance(node, ast.Call):
            direct_defs.mark(self, node)  # E.grad(f)(x), E and f known now: a call of the program (see there)
            if any(self.resolve(node.func) is f for f in _EAGER):  # sum(v for v in xs): run now, as a list is
                for a in node.args:
                    a.sct_run_now = True
            return self.map_call(node)
        return None

    # --- names and places ---

    def bind(self, base: str, value) -> ast.Name:
        name = f"__{base}_{next(_serial)}"
        self.p.extra[name] = value
        return ast.Name(name, ast.Load())

    def dict_keys(self, d: ast.expr, node: ast.AST, check=runtime.dict_keys) -> ast.Call:
        """``check(d, where)``: ``d``'s keys (or, ``runtime.positional_len``, its length), checked at ``node``."""
        where = self.p.where
        return ast.Call(self.bind(check.__name__, check), [d, ast.Constant(where.function),
                        ast.Constant(where.filename), ast.Constant(where.line(node))], [])

    def length(self, seq: ast.expr, node: ast.AST) -> ast.Call:
        return self.dict_keys(seq, node, runtime.positional_len)

    def origin(self, node: ast.AST) -> str:
        return f"{self.p.where.filename}, line {self.p.where.line(node)}"

    def free(self, node: ast.AST, own: set[str]) -> list[str]:
        """The outer variables ``node`` reads (its closure), in a fixed order."""
        inner = set(own)
        for n in ast.walk(node):
            if isinstance(n, ast.arg):
                inner.add(n.arg)
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) or n is not node and isinstance(n, _BINDS):
                inner.add(n.id if isinstance(n, ast.Name) else n.name)  # (a def, a class, ``except E as name``)
        return sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                       and n.id in self.locals and n.id not in inner})

    # --- nested functions ---

    def closure(self, name: str, args: ast.arguments, body: list, node: ast.AST, decorators: list,
                bound_now: bool = False) -> ast.expr:
        where = self.p.where
        what = "a lambda" if name == "lambda" else f"the nested def {name}"
        args, body, default_names, default_values = defaults.lift(args, body, what, node, where)
        if args.kwarg or args.kwonlyargs or args.posonlyargs or decorators:
            raise where.refuse(f"{what} with **kwargs, keywords or decorators, inside a function SCT "
                               "transforms", node, "give it plain positional parameters (and *args, or defaults), "
                                                   "or define it at module level")
        lifted = ast.FunctionDef(f"{name}_lifted", ast.arguments([], [ast.arg(cv.ENV)] + list(args.args), args.vararg,
                                                                [], [], None, []), body, [], None, None)
        lifted.sct_params = getattr(args, "sct_params", None)  # (see defaults.positional)
        free = self.free(lifted, set())
        if name in free:
            raise where.refuse(f"{what}, which calls itself", node, "define it at module level")
        end = getattr(node, "end_lineno", node.lineno)
        loop_stores = set()
        for loop in self.loops:
            loop_stores |= set(_stores(loop))
        for v in free if not bound_now else ():  # (a bound method reads its object when it is made)
            late = [ln for ln in self.stores.get(v, []) if ln > end]
            if late or v in loop_stores:
                line = where.line(node) + (late[0] - node.lineno if late else 0)  # the user's file line
                raise where.refuse(f"{what}, which reads {v!r}, assigned again after it is defined", line,
                                   f"Python reads {v!r} when the function runs; give the later value another "
                                   "name, or pass it as an argument")
        lifted_lines.stamp(lifted, where, "<lambda>" if name == "lambda" else name, node)
        template = cv.Template(ast.fix_missing_locations(lifted), free + default_names, self.p.fn.__globals__,
                               self.cells, self.origin(node))
        return ast.Call(self.bind("make_closure", cv.make_closure), [self.bind("template", template)]
                        + [ast.Name(v, ast.Load()) for v in free] + default_values, [])  # (defaults: made now)

    # --- comprehensions ---

    def comprehension(self, node) -> ast.expr:
        """A list comprehension or generator as a lifted function appending to a list; a dict comprehension
        appends its keys to another, and makes the dict of both (:func:`.sized_code.dict_of`)."""
        free = [iterators.FIRST] * bool(outside := iterators.first_iterable_outside(node)) + self.free(node, set())
        acc, keys = "_sct_items", "_sct_keys"
        made = ((keys, node.key), (acc, node.value)) if isinstance(node, ast.DictComp) else ((acc, node.elt),)
        body: list[ast.stmt] = [ast.Expr(ast.Call(ast.Attribute(ast.Name(n, ast.Load()), "append", ast.Load()),
                                                  [e], [])) for n, e in made]
        for gen in reversed(node.generators):
            if gen.is_async:
                raise self.p.where.refuse("an async comprehension", node, "write a for loop")
            for test in reversed(gen.ifs):
                body = [ast.If(test, body, [])]
            body = self.loop(gen.target, gen.iter, body, node)
        out: ast.expr = ast.Name(acc, ast.Load())
        if isinstance(node, ast.DictComp):
            copied = ast.Call(self.bind("list", builtins.list), [out], [])  # a new list: _sct_items is appended to
            out = ast.Call(ast.Call(self.bind("dict_of", sized_code.dict_of), [ast.Name(keys, ast.Load())], []),
                           [copied], [])
        fdef = ast.FunctionDef("comprehension_lifted", ast.arguments([], [ast.arg(v) for v in free], None, [], [],
                                                                      None, []),
                               [ast.Assign([ast.Name(n, ast.Store())], ast.List([], ast.Load())) for n, _ in made]
                               + body + [ast.Return(out)], [], None, None)
        fn = self.compile(fdef, node)
        fn.sct_makes_list = not isinstance(node, ast.DictComp)  # a list, as a display is (see dataflow.list_targets)
        fn.sct_makes_dict = isinstance(node, ast.DictComp)  # (see .desugar.Desugar.dicts)
        fn.sct_fresh_rows = isinstance(node, ast.ListComp) and nested_lists.fresh(node.elt)  # (.nested_lists)
        kept = {n.id for _, e in made for n in ast.walk(e) if isinstance(n, ast.Name)}  # (.aliases: a list only
        fn.sct_reads_only = frozenset(free) - kept if not isinstance(node, ast.GeneratorExp) or getattr(
            node, "sct_run_now", False) else frozenset()  # looped over or tested is read, not kept in what it makes)
        return ast.copy_location(ast.Call(self.bind("comprehension", fn), [
            outside if v == iterators.FIRST else ast.Name(v, ast.Load()) for v in free], []), node)

    def loop(self, target: ast.expr, it: ast.expr, body: list, node: ast.AST) -> list[ast.stmt]:
        """``for target in it: body`` as loops SCT takes (see :func:`.for_targets.by_index`)."""
        return for_targets.by_index(target, it, body, node, self.resolve, self.length, self.p.where, self.bind)

    def compile(self, fdef: ast.FunctionDef, node: ast.AST, name: str = "<comprehension>"):
        what = "comprehension" if name == "<comprehension>" else f"def {name}"
        filename = f"<sct lifted {what} #{next(_serial)} from {self.origin(node)}>"
        lifted_lines.stamp(fdef, self.p.where, name, node)
        checks = {n: v for n, v in self.p.extra.items() if n.startswith(("__positional_len", "__dict_of", "__list"))}
        return cv.define(fdef, self.p.fn.__globals__, {**self.cells, **checks}, filename)

    # --- calls ---
    def resolve(self, node: ast.expr):
        if isinstance(node, ast.Name) and node.id in self.locals:
            return MISSING
        return self.p.resolve(node)

    def map_call(self, node: ast.Call) -> ast.expr | None:
        """``map(f, xs, ys)`` and ``zip(xs, ys)`` as generators, lifted (:func:`.iterators.as_generator`)."""
        gen = iterators.as_generator(node, self.resolve, self.bind)
        return None if gen is None else self.comprehension(ast.copy_location(gen, node))

    def leave(self, node: ast.AST) -> ast.AST:
        """A call, its parts already converted: as the module doc says."""
        if isinstance(node, (ast.List, ast.Tuple)) and isinstance(node.ctx, ast.Load) \
                and any(isinstance(e, ast.Starred) for e in node.elts):  # [a, *xs]
            return sized_code.display_node(node, self.bind, self.p.where)
        done = direct_defs.leave(self, node)  # (see mark in enter)
        if done is not None:
            return done
        node = derivative_calls.attribute(self, node)
        derivative_calls.alias(self, node)
        node = jit_calls.leave(self, node)  # jax.jit(f, ...): f (see .jit_calls)
        if not isinstance(node, ast.Call):
            return node
        node = direct_defs.call(self, node)  # g(x) of a lifted g: g_lifted(v1, ..., x); ad.checkpoint(g)(x) so
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            fn = self.resolve(node.func)
            return sized_code.spread_node(node, fn, fn is not MISSING, self.bind, self.p.where)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _DERIVE | {"jvp", "vjp", "hvp", "hessian"} and \
                self.engine_like(func.value):
            return derivative_calls.spelled_out(self, node)
        if self.resolve(func) is builtins.tuple and len(node.args) == 1 and not node.keywords:
            return ast.copy_location(ast.Call(self.bind("as_tuple", cv.as_tuple), node.args, []), node)
        dynamic = (isinstance(func, ast.Name) and func.id in self.locals) or isinstance(func, ast.Subscript) \
            or (isinstance(func, ast.Call) and not one_of(self.resolve(func.func), _NOT_DYNAMIC))
        if dynamic and not node.keywords:
            return ast.copy_location(ast.Call(self.bind("apply", cv.apply), [func] + node.args, []), node)
        return node

    def engine_like(self, node: ast.expr) -> bool:
        """A variable (an engine known when it runs) or an adcompare engine."""
        return isinstance(node, ast.Name) and node.id in self.locals or isinstance(self.resolve(node), Engine)
