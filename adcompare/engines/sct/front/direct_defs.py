"""Nested functions that are only called: lifted to module level, their free variables passed at each call.

Contract: :func:`calls_only` says whether a nested ``def`` (or ``g = lambda ...``) of the function SCT transforms
may be lifted (lambda lifting): a statement of the function's own body (not in a loop or branch), not a generator,
with plain positional parameters (no defaults, ``*args``, keywords or decorators), bound by nothing else, and read
nowhere but as the callee of calls that follow it in the function's own scope (``g(x)``, ``g(x, k=v)``; not
``*xs``/``**kw``), not inside another nested function, lambda or comprehension, and not by itself. The converter
(:mod:`.closures`) then compiles ``def g_lifted(v1, ..., vk, *params)``, the body unchanged, ``v1..vk`` the outer
variables it reads, and makes each call ``g_lifted(v1, ..., vk, *args)``: the values they hold when the call runs,
which is when Python reads them. The lifted function is an ordinary callee, which SCT transforms and, at second
order, transforms again; any other nested function is a closure (:mod:`.closure_values`).
"""

from __future__ import annotations

import ast

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.GeneratorExp,
           ast.DictComp, ast.ClassDef)


def as_def(stmt: ast.stmt) -> ast.FunctionDef | None:
    """``stmt`` as a nested def: itself, or ``g = lambda ...: e`` as ``def g(...): return e``; else None."""
    if isinstance(stmt, ast.FunctionDef):
        return stmt
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
            and isinstance(stmt.value, ast.Lambda):
        body = [ast.copy_location(ast.Return(stmt.value.body), stmt.value.body)]
        return ast.copy_location(ast.FunctionDef(stmt.targets[0].id, stmt.value.args, body, []), stmt)
    return None


def calls_only(fn: ast.FunctionDef, stmt: ast.stmt, jitted=()) -> bool:
    """May the nested def (or lambda assigned to a name) ``stmt`` of ``fn`` be lifted? See the module doc
    (``jitted``: names of defs ``jax.jit`` marked, whose static arguments :mod:`.jit_calls` keeps: not lifted)."""
    fdef = as_def(stmt)
    if fdef is None or fdef.name in jitted:
        return False
    a, name = fdef.args, fdef.name
    target = stmt.targets[0] if isinstance(stmt, ast.Assign) else None
    if not any(s is stmt for s in fn.body) or fdef.decorator_list or a.vararg or a.kwarg or a.kwonlyargs \
            or a.posonlyargs or a.defaults or any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(fdef)):
        return False  # (a generator's refusal is the closure's, which names the def)
    own, nested = _own_scope(fn)
    callees, calls = set(), 0
    for n in own:
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name:
            if any(isinstance(x, ast.Starred) for x in n.args) or any(k.arg is None for k in n.keywords) \
                    or n.lineno <= stmt.end_lineno:
                return False
            callees.add(id(n.func))
            calls += 1
        elif isinstance(n, (ast.Global, ast.Nonlocal)) and name in n.names:
            return False
    for n in own:
        if isinstance(n, ast.Name) and n.id == name and id(n) not in callees and n is not target:
            return False  # read as a value, bound again or deleted
        if isinstance(n, ast.arg) and n.arg == name:
            return False
    for scope in nested:
        if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(scope)):
            return False  # read inside a nested scope (itself included): a closure there
    return calls > 0


def _own_scope(fn: ast.FunctionDef) -> tuple[list[ast.AST], list[ast.AST]]:
    """The nodes of ``fn``'s body in its own scope, and the nested scopes (whole) met there."""
    own, nested = [], []
    todo = list(fn.body)
    while todo:
        n = todo.pop()
        if isinstance(n, _SCOPES):
            nested.append(n)
            if isinstance(n, ast.FunctionDef):  # its decorators and defaults run in fn's scope
                todo.extend(n.decorator_list + n.args.defaults + [d for d in n.args.kw_defaults if d is not None])
            continue
        own.append(n)
        todo.extend(ast.iter_child_nodes(n))
    return own, nested


def lift(conv, stmt: ast.stmt) -> ast.stmt:
    """``stmt`` (see :func:`calls_only`) compiled as ``{name}_lifted`` of its free variables, then its parameters,
    recorded in ``conv.lifted`` (the converter of :mod:`.closures`); the statement that replaces it."""
    node = as_def(stmt)
    free = conv.free(node, set())
    params = ast.arguments([], [ast.arg(v) for v in free] + list(node.args.args), None, [], [], None, [])
    fdef = ast.FunctionDef(f"{node.name}_lifted", params, node.body, [])
    shown = node.name if stmt is node else "<lambda>"  # (the name Python's qualname gives it)
    conv.lifted[node.name] = (conv.bind(fdef.name, conv.compile(fdef, node, shown)).id, free)
    return ast.copy_location(ast.Pass(), stmt)


def call(lifted: dict[str, tuple[str, list[str]]], node: ast.Call) -> ast.Call:
    """``node``, or where it calls a lifted def (``lifted``: name -> its lifted name, free variables), the call of
    the lifted function: the free variables first, then the call's own arguments."""
    if not (isinstance(node.func, ast.Name) and node.func.id in lifted):
        return node
    bound, free = lifted[node.func.id]
    args = [ast.Name(v, ast.Load()) for v in free] + node.args
    return ast.copy_location(ast.Call(ast.Name(bound, ast.Load()), args, node.keywords), node)
