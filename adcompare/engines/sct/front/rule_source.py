"""Rules from their source: a rule-table call of generated code as a call of a function with source.

Contract: :func:`applied` gives, for ``prim.jvps[i]`` or the curried
``prim.vjps[i]``, a function the transform can read and differentiate: the JVP
rule itself where it is a plain function (``defjvp``); for an elementwise
primitive (``defderiv``) ``broadcast(scaling(t, ...), ans)`` or
``unbroadcast(scaling(g, ...), x_i)`` written out around the entry's scaling;
for a curried VJP rule (``defvjp``) the rule *uncurried*, ``rule_applied(g, ans,
*xs)``, made from the rule's source (see :func:`_uncurried`). No derivative is
restated: the rules, written with the vocabulary, are transformed from their
own source (``adcompare.rules``). A joint rule given by ``defjoint`` (seen per
operand) is one engine-made call instead, which the transform runs on the
overloading engine's boxes for that call only (exact: the same rule); a rule
of another form is refused with :class:`SCTError`. The
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

from adcompare.engine import engine_made
from adcompare.engines.sct.emit import runtime
from adcompare.engines.sct.emit.symbolic import SkippingZeros, is_symbolic_zero
from adcompare.engines.sct.errors import SCTError, a_type
from adcompare.engines.sct.front.parse import lambda_node
from adcompare.primitives import PRIMITIVES
from adcompare.rules.base import reads

_serial = itertools.count(1)
MADE: weakref.WeakSet = weakref.WeakSet()  # the functions made here (prepared like generated code)
_OPERANDS = ("x", "y", "z", "w")


def table_of(value: Any) -> tuple[Any, str] | None:
    """(primitive, "jvps", "skipping" (:class:`SkippingZeros`) or "vjps") when ``value`` is a rule table."""
    if isinstance(value, SkippingZeros):  # the JVP rules forward-mode generated code calls
        return value.prim, "skipping"
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
def applied(prim, kind: str, i: int, n: int | None = None) -> types.FunctionType:
    """The function with source that computes ``prim.<kind>[i]`` (uncurried for a VJP rule); ``n``,
    the number of operands at the call, fixes a variadic rule's arity (see :func:`_fixed_arity`)."""
    scaling = (prim.derivatives or (None,) * (i + 1))[i] if prim.derivatives is not None else None
    count = len(prim.derivatives) if prim.derivatives is not None else 0
    if scaling is not None and count <= len(_OPERANDS):
        names = _OPERANDS[:count]
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
    if _per_operand_view(rule):
        return _joint(prim, kind, i, rule)
    make = _copied if kind == "jvps" else _uncurried
    if isinstance(rule, functools.partial) and isinstance(rule.func, types.FunctionType) and not rule.keywords:
        bound = dict(zip(rule.func.__code__.co_varnames, rule.args))
        return functools.partial(make(prim, i, rule.func, len(rule.args), n, bound), *rule.args)
    if not isinstance(rule, types.FunctionType):
        raise _refuse(prim, kind, i, f"{a_type(rule)}, not a function with source")
    return make(prim, i, rule, 0, n, {})


@cache
def skipping(prim, i: int, n: int | None) -> Any:
    """:func:`applied`'s JVP rule as :class:`SkippingZeros` calls it, written out: a symbolic-zero tangent's
    rule left out, so that transformed again (a third derivative) it is still left out (``log(x) * ans * t``
    of ``x ** p``, p a constant, is not 0 * nan at x < 0)."""
    rule = applied(prim, "jvps", i, n)
    if n is None or not isinstance(rule, types.FunctionType):
        return rule
    xs = ", ".join(f"x{k}" for k in range(n))
    name = f"{prim.name}_jvp{i}_skipping"
    text = f"def {name}(t, ans, {xs}):\n    return zeros(ans) if is_symbolic_zero(t) else rule(t, ans, {xs})\n"
    return _compile(text, name, {"rule": rule, "zeros": runtime.zeros, "is_symbolic_zero": is_symbolic_zero})


def _per_operand_view(rule: Any) -> bool:
    """Is ``rule`` a joint rule (``defjoint``) seen per operand? Its view passes ``**params`` on."""
    fn = rule.func if isinstance(rule, functools.partial) else rule
    return isinstance(fn, types.FunctionType) and bool(fn.__code__.co_flags & inspect.CO_VARKEYWORDS)


def _joint(prim, kind: str, i: int, rule: Any) -> Any:
    """A joint rule's per-operand view as one engine-made call (``t, ans, *xs`` for a JVP, ``g,
    ans, *xs`` for a VJP): the transform runs it on the overloading engine's boxes, for this call
    only (:mod:`..emit.boxed_callee`), as the joint rule is not a program SCT takes from source."""
    if kind == "jvps":
        def call(t, ans, *xs, **params):
            return rule(t, ans, *xs, **params)
    else:
        def call(g, ans, *xs, **params):
            return rule(ans, *xs, **params)(g)
    call.__name__ = call.__qualname__ = f"{prim.name}_joint_{kind[:-1]}{i}"
    return engine_made(call)


def _namespace(rule: types.FunctionType) -> dict:
    """What the rule's body reads: its module's globals and its closure cells' contents."""
    namespace = dict(rule.__globals__)
    for var, cell in zip(rule.__code__.co_freevars, rule.__closure__ or ()):
        namespace[var] = cell.cell_contents
    return namespace


def _copied(prim, i: int, rule: types.FunctionType, skip: int = 0, n: int | None = None,
            bound: dict | None = None) -> types.FunctionType:
    """A JVP rule as it is, compiled again from its source as a function made here: the front
    end prepares it like generated code, so that its vocabulary calls' parameters (an ``idx=``
    computed by a helper from the operands' shapes) are read as the constants they are."""
    node = _source_node(prim, i, rule, "jvps")
    name = f"{getattr(rule, '__name__', 'rule').strip('<>')}_rule"
    node.name, node.decorator_list = name, []
    _fixed_arity(node, n, bound)
    text = ast.unparse(ast.fix_missing_locations(ast.Module([node], []))) + "\n"
    return _compile(text, name, _namespace(rule))


def _source_node(prim, i: int, rule: types.FunctionType, kind: str = "vjps") -> ast.FunctionDef:
    if rule.__code__.co_flags & inspect.CO_VARKEYWORDS:  # defjoint's per-operand view passes **params on
        raise _refuse(prim, kind, i, f"{rule.__qualname__} takes **params: a joint rule (defjoint) seen per "
                                     "operand, which SCT does not transform yet")
    try:
        if rule.__name__ == "<lambda>":
            return lambda_node(rule, rule.__qualname__)[0]
        return ast.parse(textwrap.dedent(inspect.getsource(rule))).body[0]
    except (OSError, TypeError, SyntaxError) as exc:
        raise _refuse(prim, kind, i, f"its source cannot be read: {exc}") from None


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


def _applied_of(prim, i: int, obj: Any, args: list | None) -> Any:
    """What to call as ``(g, ans, *xs)`` for the curried VJP rule ``obj`` called with ``args``
    (each a value, or None where not a constant; ``args`` None: their number is not known)."""
    entry = _rule_entry(obj)
    if entry is not None:
        return applied(entry[0], "vjps", entry[1], None if args is None else len(args) - 1)
    partial = isinstance(obj, functools.partial) and isinstance(obj.func, types.FunctionType) and not obj.keywords
    fn, first = (obj.func, list(obj.args)) if partial else (obj, [])
    if isinstance(fn, types.FunctionType):
        code = fn.__code__
        n = None if args is None else len(first) + len(args) - code.co_argcount
        made = _uncurried(prim, i, fn, len(first), n, dict(zip(code.co_varnames, first + list(args or ()))))
        return functools.partial(made, *first) if partial else made
    raise _refuse(prim, "vjps", i, f"it returns the rule of {a_type(obj)}")


def _rename(node: ast.AST, old: str, new: str) -> ast.AST:
    if old != new:
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and n.id == old:
                n.id = new
    return node


def _uncurried(prim, i: int, rule: types.FunctionType, skip: int = 0, n: int | None = None,
               bound: dict | None = None) -> types.FunctionType:
    """``rule(ans, *xs)(g)`` as one function ``rule_applied(g, ans, *xs)``, from the rule's source
    (``g`` after the first ``skip`` parameters: those a partial binds).

    Each ``return`` of the rule becomes the cotangent itself: ``return lambda g: body`` returns
    ``body``; ``return vjp`` (an inner ``def vjp(g)`` of the rule) is replaced by that function's
    body; ``return other(...)``, another curried rule (by a name or a path fixed when the rule
    was defined, such as ``p.matmul_p.vjps[i]``), returns ``other_applied(g, ...)``."""
    node = _source_node(prim, i, rule)
    namespace = _namespace(rule)
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
            starred = any(isinstance(a, ast.Starred) for a in value.args)
            namespace[callee] = _applied_of(prim, i, obj, None if starred else [_value(a) for a in value.args])
            call = ast.Call(ast.Name(callee, ast.Load()), [ast.Name(g, ast.Load())] + value.args, value.keywords)
            return [ast.copy_location(ast.Return(call), ret)]
        raise _refuse(prim, "vjps", i, f"it returns {ast.unparse(value) if value else 'None'}, not "
                                       "'lambda g: ...', an inner def vjp(g), or another curried rule")

    def _value(a: ast.expr) -> Any:
        """An argument's value where it is a constant or a name the rule reads from outside."""
        if isinstance(a, ast.Constant):
            return a.value
        if isinstance(a, ast.Name) and a.id not in local:
            return namespace.get(a.id)
        return None

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
    _fixed_arity(node, n, bound)
    text = ast.unparse(ast.fix_missing_locations(ast.Module([node], []))) + "\n"
    return _compile(text, name, namespace)


def names_of(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _fixed_arity(node: ast.FunctionDef, n: int | None, bound: dict | None) -> None:
    """A variadic rule (``def rule(i, ans, *xs)``) for ``n`` operands, in place: ``*xs`` becomes the
    parameters ``xs_0 .. xs_{n-1}`` and ``xs = (xs_0, ...)``, and each starred argument of a call
    (``p.einsum_p(g, *xs[:i], ...)``), which the front end does not take, is written out element by
    element where its length follows from ``n`` and the integers the call fixes (``bound``: parameter
    -> value, such as a partial's operand index); a starred argument whose length does not follow
    stays (and is refused)."""
    if n is None or node.args.vararg is None:
        return
    var = node.args.vararg.arg
    names = [f"{var}_{k}" for k in range(n)]
    node.args.args += [ast.arg(a) for a in names]
    node.args.vararg = None
    node.body.insert(0, ast.parse(f"{var} = ({', '.join(names)}{',' if n == 1 else ''})").body[0])
    ints = {k: v for k, v in (bound or {}).items() if type(v) is int}
    stores: dict[str, int] = {}
    for st in ast.walk(node):
        if isinstance(st, ast.Name) and isinstance(st.ctx, ast.Store):
            stores[st.id] = stores.get(st.id, 0) + 1
    known: dict[str, list] = {var: [ast.Name(a, ast.Load()) for a in names]}

    def integer(e: ast.expr) -> int | None:
        if isinstance(e, ast.Constant) and type(e.value) is int:
            return e.value
        if isinstance(e, ast.Name) and stores.get(e.id, 0) == 0:
            return ints.get(e.id)
        if isinstance(e, ast.BinOp) and isinstance(e.op, (ast.Add, ast.Sub)):
            a, b = integer(e.left), integer(e.right)
            return None if a is None or b is None else a + b if isinstance(e.op, ast.Add) else a - b
        return None

    def elements(e: ast.expr) -> list | None:
        if isinstance(e, ast.Name):
            return known.get(e.id)
        if isinstance(e, ast.Tuple) and not any(isinstance(x, ast.Starred) for x in e.elts):
            return list(e.elts)
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add):
            a, b = elements(e.left), elements(e.right)
            return None if a is None or b is None else a + b
        if isinstance(e, ast.Subscript) and isinstance(e.slice, ast.Slice):
            whole = elements(e.value)
            parts = [None if x is None else integer(x) for x in (e.slice.lower, e.slice.upper, e.slice.step)]
            given = [x is not None for x in (e.slice.lower, e.slice.upper, e.slice.step)]
            if whole is None or any(g and v is None for g, v in zip(given, parts)):
                return None
            return whole[slice(*parts)]
        return None

    for st in ast.walk(node):
        if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name) \
                and stores.get(st.targets[0].id) == 1:
            found = elements(st.value)
            if found is not None:
                known[st.targets[0].id] = found
        if isinstance(st, ast.Call):
            args = []
            for a in st.args:
                found = elements(a.value) if isinstance(a, ast.Starred) else None
                args += [a] if found is None else [ast.fix_missing_locations(ast.copy_location(x, a)) for x in found]
            st.args = args
