"""Calls of an engine's derivatives in code SCT transforms: ``E.grad(f)`` spelled out (:func:`spelled_out`),
and aliases, ``g = eng.grad`` then ``g(f)``, as ``eng.grad(f)`` spelled out; ``getattr(E, "grad")`` as ``E.grad``.

Contract: :func:`alias` (called by :class:`.closures._Converter` on each node, after its parts) records
``g = E.grad`` (``jacfwd``, ``jacrev``, ``value_and_grad``, ``jvp``, ``vjp``, ``hvp``), ``E`` engine-like and
``g`` assigned once, and turns a later call ``g(...)`` into ``E.grad(...)``; a global ``g`` that holds an
engine's bound method is bound into the code as that engine's attribute. The converter then treats the
call as it treats ``E.grad(...)`` written out (without this, ``g(f)`` ran the engine on a closure stand-in,
and the error said "vjp: output is a function"). :func:`attribute` turns ``getattr(v, "name")`` (a constant name)
into ``v.name``, which Python reads alike, so that ``getattr(E, "grad")(f)`` is ``E.grad(f)``; ``getattr(E, k)``
of an engine, ``k`` known only when the code runs, is refused at its line; ``functools.partial(E.grad, argnums=1)(f)``
is ``E.grad(f, argnums=1)``.
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import keyword
import types

from adcompare.engine import Engine
from adcompare.engines.sct.front import closure_values as cv
from adcompare.engines.sct.front import sized_code
from adcompare.engines.sct.front.parse import MISSING

KINDS = {"grad", "jacfwd", "jacrev", "value_and_grad", "jvp", "vjp", "hvp"}


def attribute(conv, node: ast.AST) -> ast.AST:
    """``getattr(v, "name")`` as ``v.name``, and ``functools.partial(E.grad, ...)(f)`` as ``E.grad(f, ...)`` (see
    the module doc); other nodes as they are."""
    inner = node.func if isinstance(node, ast.Call) else None
    if isinstance(inner, ast.Call) and conv.resolve(inner.func) is functools.partial and len(inner.args) == 1 \
            and isinstance(inner.args[0], ast.Attribute) and inner.args[0].attr in KINDS | {"hessian"} \
            and conv.engine_like(inner.args[0].value) and not any(k.arg is None for k in inner.keywords):
        return ast.copy_location(ast.Call(inner.args[0], node.args, inner.keywords + node.keywords), node)
    if not (isinstance(node, ast.Call) and conv.resolve(node.func) is builtins.getattr and not node.keywords
            and len(node.args) in (2, 3) and not any(isinstance(a, ast.Starred) for a in node.args)):
        return node
    name = node.args[1]
    if isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.isidentifier() \
            and not keyword.iskeyword(name.value) and len(node.args) == 2:
        return ast.copy_location(ast.Attribute(node.args[0], name.value, ast.Load()), node)
    if conv.engine_like(node.args[0]) and not isinstance(name, ast.Constant):
        raise conv.p.where.refuse(f"getattr({ast.unparse(node.args[0])}, {ast.unparse(name)}): an engine's method "
                                  "chosen by a name known only when the code runs", node,
                                  "call the derivative by its name (E.grad(f), E.jacfwd(f)), or choose between "
                                  "them with if")
    return node


def alias(conv, node: ast.AST) -> None:
    """See the module doc; ``conv`` the converter (``aliases``, ``stores``, ``resolve``, ``engine_like``, ``bind``)."""
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute) and node.value.attr in KINDS \
            and [type(t) for t in node.targets] == [ast.Name] and conv.engine_like(node.value.value) \
            and len(conv.stores.get(node.targets[0].id, ())) == 1:
        conv.aliases[node.targets[0].id] = node.value
    held = conv.resolve(node.func) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else None
    if isinstance(held, types.MethodType) and isinstance(held.__self__, Engine) and held.__name__ in KINDS:
        node.func = ast.Attribute(conv.bind("engine", held.__self__), held.__name__, ast.Load())
    elif held is MISSING and node.func.id in conv.aliases:
        node.func = copy.deepcopy(conv.aliases[node.func.id])


def spelled_out(conv, node: ast.Call) -> ast.expr:
    """``E.grad(f)`` (``jacfwd``, ``jacrev``, ``value_and_grad``, ``hessian``), ``E.jvp``, ``E.hvp``, ``E.vjp``
    as the stand-ins of :mod:`.closure_values` (see :mod:`.closures`); other options: the call as written."""
    func, where = node.func, conv.p.where
    place = [ast.Constant(where.filename), ast.Constant(where.line(node))]
    if func.attr == "vjp":
        aux = [k.value.value for k in node.keywords if k.arg == "has_aux" and isinstance(k.value, ast.Constant)]
        if len(node.args) < 2 or len(aux) != len(node.keywords) or aux not in ([], [True], [False]) or aux \
                and getattr(conv.resolve(func.value), "higher", "sct") != "sct":  # as written (constants)
            return node
        has_aux = aux == [True]

        def build(values: list[ast.expr], names) -> ast.expr | list:
            engine, fx = values[0], values[1:]  # (f, *xs), each read twice: once evaluated (sized_code.once)
            flags = [[ast.Constant(value), ast.Constant(has_aux)] for value in (True, False)]
            templates = [ast.Call(names("vjp_template", cv.vjp_template), [copy.deepcopy(engine), ast.Constant(
                len(fx) - 1)] + copy.deepcopy(place) + f, []) for f in flags]
            made = [ast.Call(names("make_closure", cv.make_closure), [t, *copy.deepcopy(fx)], []) for t in templates]
            value = ast.Call(names("apply", cv.apply), made[:1], [])  # the value: the forward sweep's closure
            if not has_aux:
                return ast.Tuple([value, made[1]], ast.Load())
            out = ast.Name("_sct_value", ast.Load())  # (out, aux): each its part of the one forward sweep's
            return [ast.Assign([ast.Name(out.id, ast.Store())], value), ast.Return(ast.Tuple([
                ast.Subscript(out, ast.Constant(0), ast.Load()), made[1], ast.Subscript(out, ast.Constant(1),
                                                                                       ast.Load())], ast.Load()))]

        return sized_code.once("vjp_call", [func.value, *node.args], [True] * (len(node.args) + 1), build, conv.bind,
                               node, where)
    if func.attr in ("jvp", "hvp"):
        if len(node.args) != 3 or node.keywords:
            return node
        f = node.args[0]
        if func.attr == "hvp":  # as Engine.hvp: jvp(grad(f), primals, tangents)[1]
            f = ast.Call(conv.bind("derive", cv.derive), [copy.deepcopy(func.value), ast.Constant("grad"), f,
                                                          ast.Constant(None)] + copy.deepcopy(place), [])
        call = ast.Call(conv.bind("jvp_call", cv.jvp_call), [func.value, f] + node.args[1:] + place, [])
        if func.attr == "hvp":
            call = ast.Subscript(call, ast.Constant(1), ast.Load())
        return ast.copy_location(call, node)
    keywords = {k.arg: k.value for k in node.keywords}
    names = ("argnums", "mode", "has_aux") if func.attr == "hessian" else ("argnums", "has_aux")
    if len(node.args) - 1 > len(names) or set(names[:len(node.args) - 1]) & set(keywords) or len(node.args) > 1 \
            and getattr(conv.resolve(func.value), "higher", "sct") != "sct":
        return node  # as written: Python's TypeError; higher="boxes" runs the engine's own (as before)
    keywords.update(zip(names, node.args[1:]))  # E.grad(f, 0), E.hessian(f, 0, "rev-rev"): by keyword
    if isinstance(keywords.get("has_aux"), ast.Constant) and keywords["has_aux"].value is False:
        del keywords["has_aux"]
    mode = keywords.pop("mode", ast.Constant("fwd-rev")) if func.attr == "hessian" else None
    outer = {"fwd-rev": "jacfwd", "rev-rev": "jacrev"}.get(getattr(mode, "value", None))
    if not node.args or set(keywords) - {"argnums"} or (func.attr == "hessian" and outer is None):
        return node  # has_aux and other options: the call as written (refused on differentiated values)
    argnums = keywords.get("argnums", ast.Constant(None))
    kinds = ("jacrev", outer) if func.attr == "hessian" else (func.attr,)  # as Engine.hessian
    call = node.args[0]
    for kind in kinds:
        call = ast.Call(conv.bind("derive", cv.derive), [copy.deepcopy(func.value), ast.Constant(kind), call,
                                                         copy.deepcopy(argnums)] + copy.deepcopy(place), [])
    return ast.copy_location(call, node)


def prepare(conv, tree: ast.AST) -> None:
    """The passes over the function before its calls are converted: :func:`called_at_once`,
    :func:`keywords_by_position`."""
    called_at_once(conv, tree)
    keywords_by_position(conv, tree)


def called_at_once(conv, tree: ast.AST) -> None:
    """Mark each lambda an engine's derivative takes and runs at once (``E.grad(lambda y: ...)(h)``, ``E.jvp(lambda
    y: ..., (h,), (t,))``, ``E.vjp``, ``E.hvp``): Python reads its outer variables when it runs, which is when it is
    made, so one assigned again later (a loop's carried value) is read as Python reads it (``.closures``'s check)."""
    for node in ast.walk(tree):
        inner = node.func if isinstance(node, ast.Call) and isinstance(node.func, ast.Call) else node
        func = getattr(inner, "func", None)
        if isinstance(func, ast.Attribute) and conv.engine_like(func.value) and inner.args \
                and isinstance(inner.args[0], ast.Lambda) and not any(isinstance(n, ast.NamedExpr) for n in ast.walk(
                    node)) and func.attr in ({"jvp", "vjp", "hvp"} if inner is node else KINDS | {"hessian"}):
            inner.args[0].sct_called_at_once = True



def keywords_by_position(conv, tree: ast.AST) -> None:
    """``E.grad(f, argnums)(x, k=v)`` as ``E.grad(f, argnums)(x, v)`` where the keywords name ``f``'s next
    positional parameters (a Python function's skipped ones take their defaults; keywords out of order, where none
    calls) and argnums (constant, not negative) takes none of them: SCT differentiates what a call passes by
    position (a differentiated value passed by keyword to a function computed there is refused), and a positional
    argument argnums does not name is passed through as JAX passes a keyword one. A name bound anywhere in ``tree``
    (a nested function's or lambda's parameter, a variable) is not known here: its call is left as written."""
    bound = _bound(tree)
    for node in ast.walk(tree):
        inner = node.func if isinstance(node, ast.Call) and node.keywords else None
        if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.args
                and inner.func.attr in KINDS - {"jvp", "vjp", "hvp"} | {"hessian"} and conv.engine_like(
                    inner.func.value)) or any(isinstance(a, ast.Starred) for a in node.args):
            continue
        params, defaults, nums = *_positional(conv, inner.args[0], bound), _argnums(inner)
        given = {k.arg: k.value for k in node.keywords}
        where = [params.index(k) if k in params else -1 for k in given]
        if nums is None or min(where, default=-1) < len(node.args) or where != sorted(where) and any(
                isinstance(n, ast.Call) for k in node.keywords for n in ast.walk(k.value)):
            continue
        values = [given.get(name, defaults.get(name)) for name in params[len(node.args):max(where) + 1]]
        if None not in values and not nums & set(range(len(node.args), max(where) + 1)):
            node.args, node.keywords = node.args + values, []


def _positional(conv, f: ast.expr, bound: set[str]) -> tuple[list, dict]:
    """The names ``f`` (a lambda, or a name for a Python function) takes by position or keyword, in order (None
    for one taken by position only; [] where unknown), and a Python function's defaults, as names bound in."""
    if isinstance(f, ast.Lambda):  # one with defaults: unknown (SCT's derivative of it takes only the others)
        return [] if f.args.defaults else [None] * len(f.args.posonlyargs) + [a.arg for a in f.args.args], {}
    fn = conv.resolve(f) if isinstance(f, ast.Name) and f.id not in bound else None
    if not isinstance(fn, types.FunctionType):
        return [], {}
    code, defaults = fn.__code__, fn.__defaults__ or ()
    names = code.co_varnames[:code.co_argcount]
    return [None] * code.co_posonlyargcount + list(names[code.co_posonlyargcount:]), {
        name: conv.bind("default", value) for name, value in zip(names[len(names) - len(defaults):], defaults)}


def _bound(tree: ast.AST) -> set[str]:
    """Every name ``tree`` binds: parameters of the functions and lambdas in it, variables written, names defined."""
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = n.args
            names |= {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if p is not None}
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in n.names}
    return names


def _argnums(inner: ast.Call) -> set | None:
    """The positions ``E.grad(f, argnums)`` takes (0 unless given), where constants not negative; else None."""
    given = inner.args[1] if len(inner.args) > 1 else next(
        (k.value for k in inner.keywords if k.arg == "argnums"), ast.Constant(0))
    values = given.elts if isinstance(given, ast.Tuple) else [given]
    if all(isinstance(v, ast.Constant) and type(v.value) is int and v.value >= 0 for v in values):
        return {v.value for v in values}
    return None
