"""Closure conversion: a derivative taken inside transformed code, of a function defined there.

Contract: in a function SCT transforms, a nested ``def inner(...)`` whose name
is used only as ``E.grad(inner)(args)`` or ``E.jacfwd(inner)(args)`` (``E`` an
engine with ``higher="sct"``, ``argnums`` an int given by keyword or left at 0)
is lifted out: :func:`convert` removes the ``def`` and makes a function with
source, ``inner_lifted(v1, ..., vk, *params)``, whose first parameters are the
outer variables ``inner`` reads (its closure, made explicit), and replaces the
call by a call of that function's derivative program (see
:mod:`..programs`) with the closed-over values passed first:
``grad_inner_lifted(v1, ..., vk, *args)``. The outer transformation then
differentiates through the closed-over values like any argument, and the inner
derivative is an explicit program of explicit inputs: no perturbation is
confused with another. The program maker is given by :mod:`..programs`
(:data:`PROGRAM`), which sits above the front end.
"""

from __future__ import annotations

import ast
import itertools
import linecache
from collections.abc import Callable
from typing import Any

from adcompare.engines.sct.front.parse import MISSING, Parsed

PROGRAM: Callable | None = None  # (kind, lifted function, argnums, nargs) -> program; set by ..programs
MADE_PROGRAM: Callable | None = None  # (engine-made function, nargs) -> its program or None; set by ..programs
_serial = itertools.count(1)
_KINDS = ("grad", "jacfwd")


def _derivative_call(parsed: Parsed, node: ast.AST, names: set[str]) -> tuple[str, str, int] | None:
    """(kind, inner name, argnums) when ``node`` is ``E.grad(inner[, argnums=k])(...)``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Call)):
        return None
    maker = node.func
    if not (isinstance(maker.func, ast.Attribute) and maker.func.attr in _KINDS and len(maker.args) == 1
            and isinstance(maker.args[0], ast.Name) and maker.args[0].id in names):
        return None
    engine = parsed.resolve(maker.func.value)
    if engine is MISSING or getattr(engine, "higher", None) != "sct":
        return None
    argnums = 0
    for k in maker.keywords:
        if k.arg != "argnums" or not isinstance(k.value, ast.Constant) or type(k.value.value) is not int:
            return None
        argnums = k.value.value
    return maker.func.attr, maker.args[0].id, argnums


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
    """Lift the nested defs used only in derivative calls (see the module doc), in place; and
    calls of derivatives made at module level (:func:`made_calls`)."""
    made_calls(parsed)
    inner = {s.name: s for s in parsed.tree.body if isinstance(s, ast.FunctionDef)}
    if not inner or PROGRAM is None:
        return
    calls, uses = [], {name: 0 for name in inner}
    for node in ast.walk(parsed.tree):
        found = _derivative_call(parsed, node, set(inner))
        if found is not None:
            calls.append((node, found))
        if isinstance(node, ast.Name) and node.id in uses:
            uses[node.id] += 1
    liftable = {name for _, (_, name, _) in calls if uses[name] == sum(1 for _, f in calls if f[1] == name)}
    lifted: dict[str, tuple[Any, list[str]]] = {}
    for name in liftable:
        lifted[name] = _lift(parsed, inner[name])
    parsed.tree.body = [s for s in parsed.tree.body if not (isinstance(s, ast.FunctionDef) and s.name in lifted)]
    for node, (kind, name, argnums) in calls:
        if name not in lifted:
            continue
        fn, free = lifted[name]
        nargs = len(free) + len(inner[name].args.args)
        program = PROGRAM(kind, fn, argnums + len(free), nargs)
        bound = f"__{kind}_{name}_{next(_serial)}"
        parsed.extra[bound] = program
        node.func = ast.Name(bound, ast.Load())
        node.args = [ast.Name(v, ast.Load()) for v in free] + node.args
    parsed.locals -= set(lifted)


def _lift(parsed: Parsed, node: ast.FunctionDef) -> tuple[Any, list[str]]:
    """``node`` as a module-level function with the outer variables it reads as its first parameters."""
    args = node.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.defaults or args.posonlyargs or node.decorator_list:
        raise parsed.where.refuse("a nested def with defaults, *args, keywords or decorators, differentiated "
                                  "inside the function", node, "give it plain positional parameters")
    own = {a.arg for a in args.args} | {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                                         and isinstance(n.ctx, ast.Store)}
    free = sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                   and n.id not in own and n.id in parsed.locals})
    lifted = ast.FunctionDef(f"{node.name}_lifted", ast.arguments([], [ast.arg(v) for v in free] + args.args,
                                                                  None, [], [], None, []),
                             node.body, [], None, None)
    text = ast.unparse(ast.fix_missing_locations(ast.Module([lifted], []))) + "\n"
    filename = f"<sct lifted {node.name} #{next(_serial)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    namespace = dict(parsed.fn.__globals__)
    for var, cell in zip(parsed.fn.__code__.co_freevars, parsed.fn.__closure__ or ()):
        namespace[var] = cell.cell_contents
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102  (the user's own def, lifted)
    return namespace[lifted.name], free
