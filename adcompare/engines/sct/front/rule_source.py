"""Rules from their source: a rule-table call of generated code as a call of a function with source.

Contract: :func:`applied` gives, for ``prim.jvps[i]`` or the curried
``prim.vjps[i]``, a function the transform can read and differentiate: the JVP
rule itself where it is a plain function (``defjvp``); for an elementwise
primitive (``defderiv``) ``broadcast(scaling(t, ...), ans)`` or
``unbroadcast(scaling(g, ...), x_i)`` written out around the entry's scaling;
for a curried VJP rule (``defvjp``) the rule *uncurried*, ``rule_applied(g, ans,
*xs)``, made from the rule's source (see :func:`_uncurried`). No derivative is
restated: the rules, written with the vocabulary, are transformed from their
own source (``adcompare.rules``). A rule of another form (a joint rule given
by ``defjoint``, a custom function's) is refused with :class:`SCTError`. The
made functions' source is registered with ``linecache`` (so :mod:`.parse`
reads it as any function's) and they are in :data:`MADE` (prepared like
generated code, see :mod:`.generated`).
"""

from __future__ import annotations

import ast
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
from adcompare.engines.sct.front.parse import lambda_node
from adcompare.primitives import PRIMITIVES
from adcompare.rules.base import reads

_serial = itertools.count(1)
MADE: weakref.WeakSet = weakref.WeakSet()  # the functions made here (prepared like generated code)
_OPERANDS = ("x", "y", "z", "w")


def table_of(value: Any) -> tuple[Any, str] | None:
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
