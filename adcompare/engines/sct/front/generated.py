"""Generated code as input: the rule calls SCT's output makes, as calls the transform can follow.

Contract: SCT's generated functions (registered by :mod:`..emit.codegen`; their
source is in ``linecache``) are parsed like any function, and :func:`prepare`
rewrites, in the parsed tree, the two kinds of call the front end would
otherwise refuse, both calls of the rule table:

* ``sin_jvps[i](t, ans, x, ...)``, a per-operand JVP rule, becomes a call of a
  function with source: the rule itself where it is a plain function
  (:func:`adcompare.rules.base.defjvp`), or, for an elementwise primitive
  (:func:`adcompare.rules.base.defderiv`), ``broadcast(scaling(t, ...), ans)``
  written out around the entry's scaling;
* ``sum_vjps[i](ans, x, ...)(g)``, a curried VJP rule applied, becomes a call
  of the rule *uncurried*: ``rule_applied(g, ans, x, ...)``, the rule's body
  followed by the body of the ``lambda g: ...`` it returns (``defvjp``), or
  ``unbroadcast(scaling(g, ...), x_i)`` for an elementwise primitive.

So the rules, written with the vocabulary, are transformed from their own
source (``adcompare.rules``: no derivative is restated). A rule of another
form (a joint rule given by ``defjoint``, a custom function's) is refused with
:class:`SCTError`. The made functions' source is registered with ``linecache``
so that :mod:`.parse` reads it as it reads any function's.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import itertools
import linecache
import textwrap
import types
from functools import cache
from typing import Any

from adcompare.engines.sct.emit import runtime
from adcompare.engines.sct.errors import SCTError
from adcompare.engines.sct.front.parse import MISSING, Parsed, lambda_node, lookup
from adcompare.primitives import PRIMITIVES, primal
from adcompare.rules.base import reads

_serial = itertools.count(1)
_OPERANDS = ("x", "y", "z", "w")


def _names_to(parsed: Parsed, value: Any) -> set[str]:
    """The non-local names in ``parsed``'s tree that hold ``value`` (``reversed``, ``reversed_2``)."""
    out = set()
    for n in ast.walk(parsed.tree):
        if isinstance(n, ast.Name) and n.id not in parsed.locals and n.id not in out:
            found = lookup(parsed.fn, n.id)
            if found is value or (isinstance(found, functools.partial) and found.func is value):
                out.add(n.id)
    return out


class _Stacks:
    """The reverse sweep's stack idiom in terms the front end takes: ``push = stack.append`` and
    ``push(v)`` as ``stack.append(v)``; ``pop = reversed(stack).__next__`` and each ``pop()`` as an
    index counting down (``stack_top = stack_top - 1``, then ``stack[stack_top]``); a loop
    ``for i in reversed(r)`` as ``for i in r[::-1]``; indices and ``range`` bounds (trip counts, loop
    counters: integers the residuals carry) read through ``primal``, a constant; the loop check
    ``check_sequence(a)`` as an assignment of its (constant) result."""

    def __init__(self, parsed: Parsed):
        self.p = parsed
        self.reversed, self.range = _names_to(parsed, builtins.reversed), _names_to(parsed, builtins.range)
        self.checks = _names_to(parsed, runtime.check_sequence)
        self.pushes: dict[str, str] = {}
        self.pops: dict[str, tuple[str, str]] = {}
        self.serial = itertools.count(1)
        parsed.extra["__constant"] = primal
        parsed.extra["__check_sequence"] = runtime.check_sequence

    def stmt(self, text: str, at: ast.stmt) -> ast.stmt:
        return ast.copy_location(ast.parse(text).body[0], at)

    def block(self, body: list) -> list:
        out: list = []
        for s in body:
            if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name):
                target, v = s.targets[0].id, s.value
                if isinstance(v, ast.Attribute) and v.attr == "append" and isinstance(v.value, ast.Name):
                    self.pushes[target] = v.value.id
                    continue
                if (isinstance(v, ast.Attribute) and v.attr == "__next__" and isinstance(v.value, ast.Call)
                        and isinstance(v.value.func, ast.Name) and v.value.func.id in self.reversed
                        and len(v.value.args) == 1 and isinstance(v.value.args[0], ast.Name)):
                    stack = v.value.args[0].id
                    self.pops[target] = (stack, f"{stack}_top")
                    self.p.locals.add(f"{stack}_top")
                    out.append(self.stmt(f"{stack}_top = len({stack})", s))
                    continue
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Name):
                call = s.value
                if call.func.id in self.pushes and len(call.args) == 1:
                    call.func = ast.Attribute(ast.Name(self.pushes[call.func.id], ast.Load()), "append", ast.Load())
                elif call.func.id in self.checks:
                    checked = self.fresh("checked")
                    bound = lookup(self.p.fn, call.func.id).keywords
                    keywords = [ast.keyword(k, ast.Constant(v)) for k, v in bound.items()]
                    call.func, call.keywords = ast.Name("__check_sequence", ast.Load()), keywords
                    s = ast.copy_location(ast.Assign([ast.Name(checked, ast.Store())], call), s)
            if isinstance(s, ast.For) and isinstance(s.iter, ast.Call) and isinstance(s.iter.func, ast.Name) \
                    and s.iter.func.id in self.reversed and len(s.iter.args) == 1:
                s.iter = ast.Subscript(s.iter.args[0], ast.Slice(None, None, ast.Constant(-1)), ast.Load())
            if isinstance(s, ast.While) and self.has_pop(s.test):
                raise self.p.where.refuse("a pop in a loop test (generated code transformed again)", s,
                                          "use SCTEngine(higher='boxes')")
            for field in ("value", "test", "iter"):
                if isinstance(getattr(s, field, None), ast.expr):
                    setattr(s, field, self.expr(getattr(s, field), out, s))
            for field in ("body", "orelse"):
                if isinstance(getattr(s, field, None), list):
                    setattr(s, field, self.block(getattr(s, field)))
            out.append(s)
        return out

    def fresh(self, base: str) -> str:
        name = f"_{base}_{next(self.serial)}"
        self.p.locals.add(name)
        return name

    def has_pop(self, node: ast.AST) -> bool:
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in self.pops
                   for n in ast.walk(node))

    def expr(self, node: ast.expr, out: list, at: ast.stmt) -> ast.expr:
        """``node`` with each ``pop()`` read from the stack (the decrements go to ``out``) and each
        index and range bound read through the constant ``primal``."""
        def visit(n: ast.AST) -> ast.AST:
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in self.pops and not n.args:
                stack, top = self.pops[n.func.id]
                value = self.fresh("popped")
                out.append(self.stmt(f"{top} = {top} - 1", at))
                out.append(self.stmt(f"{value} = {stack}[{top}]", at))
                return ast.Name(value, ast.Load())
            if isinstance(n, ast.Subscript):
                n.value, n.slice = visit(n.value), constant(visit(n.slice))
                return n
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in self.range:
                n.args = [constant(visit(a)) for a in n.args]
                return n
            for field, value in ast.iter_fields(n):
                if isinstance(value, ast.AST):
                    setattr(n, field, visit(value))
                elif isinstance(value, list):
                    setattr(n, field, [visit(v) if isinstance(v, ast.AST) else v for v in value])
            return n

        def constant(n: ast.expr) -> ast.expr:
            if isinstance(n, ast.Name):
                return ast.Call(ast.Name("__constant", ast.Load()), [n], [])
            if isinstance(n, ast.Slice):
                for field in ("lower", "upper", "step"):
                    if getattr(n, field) is not None:
                        setattr(n, field, constant(getattr(n, field)))
            elif isinstance(n, ast.Tuple):
                n.elts = [constant(e) for e in n.elts]
            return n

        return visit(node)


def _table_of(value: Any) -> tuple[Any, str] | None:
    """(primitive, "jvps" or "vjps") when ``value`` is a primitive's per-operand rule table."""
    for prim in PRIMITIVES.values():
        if value is prim.jvps and value is not None:
            return prim, "jvps"
        if value is prim.vjps and value is not None:
            return prim, "vjps"
    return None


def _refuse(prim, kind: str, i: int, why: str) -> SCTError:
    return SCTError(f"transforming generated code again through {prim.name}'s {kind[:-1]} rule for "
                    f"operand {i} ({why})", f"{prim.name}_{kind}", "<adcompare.rules>", 0,
                    "use SCTEngine(higher='boxes') for this program")


def _compile(text: str, name: str, namespace: dict) -> types.FunctionType:
    """Make the function defined by ``text`` with ``namespace`` as its globals, its source registered."""
    filename = f"<sct rule {name} #{next(_serial)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102  (our own generated definition)
    return namespace[name]


@cache
def applied(prim, kind: str, i: int) -> types.FunctionType:
    """The function with source that computes ``prim.<kind>[i]`` (uncurried for a VJP rule)."""
    scaling = (prim.derivatives or (None,) * (i + 1))[i] if prim.derivatives is not None else None
    n = len(prim.derivatives) if prim.derivatives is not None else 0
    if scaling is not None and n <= len(_OPERANDS):
        names = _OPERANDS[:n]
        where = reads(scaling, prim.operand_names)
        read = ", ".join("ans" if k < 0 else names[k] for k in where)
        seed = "t" if kind == "jvps" else "g"
        inner = f"scaling({seed}{', ' if read else ''}{read})"
        body = f"broadcast({inner}, ans)" if kind == "jvps" else f"unbroadcast({inner}, {names[i]})"
        name = f"{prim.name}_{kind[:-1]}{i}"
        text = f"def {name}({seed}, ans, {', '.join(names)}):\n    return {body}\n"
        return _compile(text, name, {"scaling": scaling, "broadcast": runtime.broadcast,
                                     "unbroadcast": runtime.unbroadcast})
    rule = prim.jvps[i] if kind == "jvps" else prim.vjps[i]
    if not isinstance(rule, types.FunctionType):
        raise _refuse(prim, kind, i, f"a {type(rule).__name__}, not a function with source")
    if kind == "jvps":
        return rule
    return _uncurried(prim, i, rule)


def _source_node(prim, i: int, rule: types.FunctionType) -> ast.FunctionDef:
    try:
        if rule.__name__ == "<lambda>":
            return lambda_node(rule, rule.__qualname__)[0]
        return ast.parse(textwrap.dedent(inspect.getsource(rule))).body[0]
    except (OSError, TypeError, SyntaxError) as exc:
        raise _refuse(prim, "vjps", i, f"its source cannot be read: {exc}") from None


def _uncurried(prim, i: int, rule: types.FunctionType) -> types.FunctionType:
    """``rule(ans, *xs)(g)`` as one function ``rule_applied(g, ans, *xs)``, from the rule's source.

    Three forms: the rule ends in ``return lambda g: body``; it ends in ``def vjp(g): ...;
    return vjp``; or it returns a call of another rule-shaped function (uncurried in turn)."""
    node = _source_node(prim, i, rule)
    namespace = dict(rule.__globals__)
    for var, cell in zip(rule.__code__.co_freevars, rule.__closure__ or ()):
        namespace[var] = cell.cell_contents
    body, last = node.body[:-1], node.body[-1] if node.body else None
    params = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
    earlier_returns = any(isinstance(n, ast.Return) for st in body for n in ast.walk(st)
                          if not isinstance(st, ast.FunctionDef))
    inner = [st for st in body if isinstance(st, ast.FunctionDef)]
    if earlier_returns or not isinstance(last, ast.Return):
        raise _refuse(prim, "vjps", i, "it does not end in its one return")
    value = last.value
    if isinstance(value, ast.Lambda) and len(value.args.args) == 1 and not inner:
        g, tail = value.args.args[0].arg, [ast.Return(value.body)]
    elif isinstance(value, ast.Name) and len(inner) == 1 and inner[0].name == value.id \
            and len(inner[0].args.args) == 1:
        g, tail = inner[0].args.args[0].arg, inner[0].body
        body = [st for st in body if st is not inner[0]]
    elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and not inner \
            and isinstance(namespace.get(value.func.id), types.FunctionType):
        g = "g_"
        while g in params:
            g += "_"
        callee = f"{value.func.id}_applied"
        namespace[callee] = _uncurried(prim, i, namespace[value.func.id])
        tail = [ast.Return(ast.Call(ast.Name(callee, ast.Load()), [ast.Name(g, ast.Load())] + value.args,
                                    value.keywords))]
    else:
        raise _refuse(prim, "vjps", i, "it does not end in 'return lambda g: ...', 'return vjp' "
                                       "(an inner def vjp(g)) or a call of such a function")
    if g in params:
        raise _refuse(prim, "vjps", i, f"its cotangent's name {g} is also a parameter")
    name = f"{getattr(rule, '__name__', 'rule').strip('<>')}_applied"
    node.name, node.decorator_list = name, []
    node.args.posonlyargs, node.args.args = [], [ast.arg(g)] + node.args.posonlyargs + node.args.args
    node.body = body + tail
    text = ast.unparse(ast.fix_missing_locations(ast.Module([node], []))) + "\n"
    return _compile(text, name, namespace)


def prepare(parsed: Parsed) -> None:
    """Rewrite ``parsed``'s stack idiom and rule calls (see the module doc) in place; the functions
    the rule calls now call are put in ``parsed.extra`` under new names."""
    parsed.generated = True
    parsed.tree.body = _Stacks(parsed).block(parsed.tree.body)
    bound: dict[int, str] = {}

    def name_for(fn) -> str:
        if id(fn) not in bound:
            bound[id(fn)] = f"__rule_{len(bound) + 1}"
            parsed.extra[bound[id(fn)]] = fn
        return bound[id(fn)]

    def table(node: ast.expr) -> tuple[Any, str, int] | None:
        if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int):
            return None
        if node.value.id in parsed.locals:
            return None
        value = lookup(parsed.fn, node.value.id)
        found = None if value is MISSING else _table_of(value)
        return None if found is None else (*found, node.slice.value)

    for node in ast.walk(parsed.tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Call) and len(node.args) == 1 and not node.keywords:
            found = table(func.func)
            if found is not None and found[1] == "vjps":
                prim, _, i = found
                node.func = ast.Name(name_for(applied(prim, "vjps", i)), ast.Load())
                node.args, node.keywords = [node.args[0]] + func.args, func.keywords
                continue
        found = table(func)
        if found is not None and found[1] == "jvps":
            prim, _, i = found
            node.func = ast.Name(name_for(applied(prim, "jvps", i)), ast.Load())
