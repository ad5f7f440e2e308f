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
import weakref
from functools import cache
from typing import Any

from adcompare.engines.sct.emit import runtime
from adcompare.engines.sct.errors import SCTError
from adcompare.engines.sct.front.parse import MISSING, Parsed, classify, is_library, lambda_node, lookup
from adcompare.primitives import PRIMITIVES, primal
from adcompare.rules.base import reads

_serial = itertools.count(1)
MADE: weakref.WeakSet = weakref.WeakSet()  # the functions made here (prepared like generated code)
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
            if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
                    and isinstance(s.value, ast.BinOp) and isinstance(s.value.op, ast.Add) \
                    and isinstance(s.value.left, ast.Name) and s.value.left.id == s.targets[0].id \
                    and isinstance(s.value.right, ast.List) and len(s.value.right.elts) == 1:
                seq = ast.Attribute(ast.Name(s.targets[0].id, ast.Load()), "append", ast.Load())
                s = ast.copy_location(ast.Expr(ast.Call(seq, s.value.right.elts, [])), s)  # xs = xs + [v]
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

    def parameters(self, call: ast.Call, constant) -> None:
        """A vocabulary call's parameters (``idx=``, ``axis=``: never differentiated) read as constants."""
        func = call.func
        if (isinstance(func, ast.Name) and func.id in self.p.locals) or not isinstance(func, (ast.Name, ast.Attribute)):
            return
        obj = self.p.resolve(func)
        vocab = classify(obj) if obj is not MISSING else None
        if vocab is None or vocab.kind != "op" or vocab.operands is None:
            return
        try:
            bound = inspect.signature(obj).bind(*call.args, **{k.arg: k.value for k in call.keywords})
        except (TypeError, ValueError):
            return
        params = {id(v) for k, v in bound.arguments.items()
                  if k not in vocab.operands and k != vocab.seq and isinstance(v, ast.expr)}
        call.args = [constant(a) if id(a) in params else a for a in call.args]
        call.keywords = [ast.keyword(k.arg, constant(k.value)) if id(k.value) in params else k
                         for k in call.keywords]

    def library(self, func: ast.expr) -> bool:
        """A builtin (``slice``, ``int``) or a library function (``np.arange``): generated code calls
        one only on values without a derivative (integers, shapes), whatever they are unpacked from."""
        if isinstance(func, ast.Name) and func.id in self.p.locals:
            return False
        obj = self.p.resolve(func) if isinstance(func, (ast.Name, ast.Attribute)) else MISSING
        if obj is MISSING or classify(obj) is not None:
            return False
        if isinstance(obj, types.FunctionType):
            return is_library(obj)
        module = (getattr(obj, "__module__", None) or "").split(".")[0]
        return module in ("builtins", "numpy", "math", "jax") and callable(obj)

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
            if isinstance(n, ast.Call):
                self.parameters(n, constant)
            if isinstance(n, ast.Call) and ((isinstance(n.func, ast.Name) and n.func.id in self.range)
                                            or self.library(n.func)):
                n.args = [constant(visit(a)) for a in n.args]
                n.keywords = [ast.keyword(k.arg, constant(visit(k.value))) for k in n.keywords]
                return n
            for field, value in ast.iter_fields(n):
                if isinstance(value, ast.AST):
                    setattr(n, field, visit(value))
                elif isinstance(value, list):
                    setattr(n, field, [visit(v) if isinstance(v, ast.AST) else v for v in value])
            return n

        def constant(n: ast.expr) -> ast.expr:
            if isinstance(n, ast.Slice):
                for field in ("lower", "upper", "step"):
                    if getattr(n, field) is not None:
                        setattr(n, field, constant(getattr(n, field)))
                return n
            if isinstance(n, ast.Tuple):
                n.elts = [constant(e) for e in n.elts]
                return n
            if isinstance(n, ast.Constant) or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                                               and n.func.id == "__constant"):
                return n
            return ast.Call(ast.Name("__constant", ast.Load()), [n], [])

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
    MADE.add(namespace[name])
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
    if isinstance(rule, functools.partial) and isinstance(rule.func, types.FunctionType) and not rule.keywords:
        if kind == "jvps":
            return rule  # the front end calls a partial's function with its arguments first
        return functools.partial(_uncurried(prim, i, rule.func, len(rule.args)), *rule.args)
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


def _rule_entry(obj: Any) -> tuple[Any, int] | None:
    """(primitive, i) when ``obj`` is ``prim.vjps[i]``."""
    for prim in PRIMITIVES.values():
        table = prim.vjps
        if isinstance(table, (tuple, list)):
            for i, rule in enumerate(table):
                if rule is obj and rule is not None:
                    return prim, i
        elif isinstance(obj, functools.partial) and obj.func is getattr(table, "rule", None) and len(obj.args) == 1:
            return prim, obj.args[0]  # a variadic primitive's per-operand view
    return None


def _applied_of(prim, i: int, obj: Any) -> Any:
    """What to call as ``(g, ans, *xs)`` for the curried VJP rule ``obj``."""
    entry = _rule_entry(obj)
    if entry is not None:
        return applied(entry[0], "vjps", entry[1])
    if isinstance(obj, functools.partial) and isinstance(obj.func, types.FunctionType) and not obj.keywords:
        return functools.partial(_uncurried(prim, i, obj.func, len(obj.args)), *obj.args)
    if isinstance(obj, types.FunctionType):
        return _uncurried(prim, i, obj)
    raise _refuse(prim, "vjps", i, f"it returns the rule of a {type(obj).__name__}")


def _rename(node: ast.AST, old: str, new: str) -> ast.AST:
    if old != new:
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and n.id == old:
                n.id = new
    return node


def _uncurried(prim, i: int, rule: types.FunctionType, skip: int = 0) -> types.FunctionType:
    """``rule(ans, *xs)(g)`` as one function ``rule_applied(g, ans, *xs)``, from the rule's source
    (``g`` after the first ``skip`` parameters: those a partial binds).

    Each ``return`` of the rule becomes the cotangent itself: ``return lambda g: body`` returns
    ``body``; ``return vjp`` (an inner ``def vjp(g)`` of the rule) is replaced by that function's
    body; ``return other(...)``, another curried rule (by a name or a path fixed when the rule
    was defined, such as ``p.matmul_p.vjps[i]``), returns ``other_applied(g, ...)``."""
    node = _source_node(prim, i, rule)
    namespace = dict(rule.__globals__)
    for var, cell in zip(rule.__code__.co_freevars, rule.__closure__ or ()):
        namespace[var] = cell.cell_contents
    params = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
    local = params | {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    g = "g"
    while g in local:
        g += "_"
    inner = {st.name: st for st in node.body if isinstance(st, ast.FunctionDef)}
    serial = itertools.count(1)

    def returned(ret: ast.Return, top: bool) -> list:
        value = ret.value
        if isinstance(value, ast.Lambda) and len(value.args.args) == 1:
            return [ast.copy_location(ast.Return(_rename(value.body, value.args.args[0].arg, g)), ret)]
        if isinstance(value, ast.Name) and value.id in inner and len(inner[value.id].args.args) == 1 and top:
            fn = inner[value.id]
            return [_rename(st, fn.args.args[0].arg, g) for st in fn.body]
        if isinstance(value, ast.Call) and not (names_of(value.func) & local):
            try:
                obj = eval(compile(ast.Expression(value.func), "<rule>", "eval"), namespace)  # noqa: S307
            except Exception as exc:  # noqa: BLE001
                raise _refuse(prim, "vjps", i, f"its return {ast.unparse(value.func)} ({exc})") from None
            callee = f"_applied_{next(serial)}"
            namespace[callee] = _applied_of(prim, i, obj)
            call = ast.Call(ast.Name(callee, ast.Load()), [ast.Name(g, ast.Load())] + value.args, value.keywords)
            return [ast.copy_location(ast.Return(call), ret)]
        raise _refuse(prim, "vjps", i, f"it returns {ast.unparse(value) if value else 'None'}, not "
                                       "'lambda g: ...', an inner def vjp(g), or another curried rule")

    def block(stmts: list, top: bool) -> list:
        out = []
        for st in stmts:
            if isinstance(st, ast.FunctionDef) and st.name in inner and top:
                continue
            if isinstance(st, ast.Return):
                out += returned(st, top)
                continue
            for field in ("body", "orelse"):
                if isinstance(getattr(st, field, None), list) and not isinstance(st, ast.FunctionDef):
                    setattr(st, field, block(getattr(st, field), False))
            out.append(st)
        return out

    node.body = block(node.body, True)
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    if any(name in used for name in inner):
        raise _refuse(prim, "vjps", i, "it uses its inner function other than by returning it")
    name = f"{getattr(rule, '__name__', 'rule').strip('<>')}_applied"
    node.name, node.decorator_list = name, []
    positional = node.args.posonlyargs + node.args.args
    node.args.posonlyargs, node.args.args = [], positional[:skip] + [ast.arg(g)] + positional[skip:]
    text = ast.unparse(ast.fix_missing_locations(ast.Module([node], []))) + "\n"
    return _compile(text, name, namespace)


def names_of(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


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
