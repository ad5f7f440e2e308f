"""Nested functions that are only called: lifted to module level, their free variables passed at each call.

Contract: :func:`calls_only` says whether a nested ``def`` of the function SCT transforms may be lifted (lambda
lifting): a statement of the function's own body (not in a loop or branch), not a generator, with plain positional
parameters (no defaults, ``*args``, keywords or decorators), bound by nothing else, and read nowhere but as the
callee of calls that follow it in the function's own scope (``g(x)``, ``g(x, k=v)``; not ``*xs``/``**kw``), not
inside another nested function, lambda or comprehension, and not by itself. The converter (:mod:`.closures`) then
compiles ``def g_lifted(v1, ..., vk, *params)``, the body unchanged, ``v1..vk`` the outer variables it reads, and
makes each call ``g_lifted(v1, ..., vk, *args)``: the values they hold when the call runs, which is when Python
reads them. The lifted function is an ordinary callee, which SCT transforms and, at second order, transforms again;
any other nested function is a closure (:mod:`.closure_values`).
"""

from __future__ import annotations

import ast

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.GeneratorExp,
           ast.DictComp, ast.ClassDef)


def calls_only(fn: ast.FunctionDef, fdef: ast.FunctionDef) -> bool:
    """May ``fdef`` (a nested def in ``fn``) be lifted? See the module doc."""
    a, name = fdef.args, fdef.name
    if not any(s is fdef for s in fn.body) or fdef.decorator_list or a.vararg or a.kwarg or a.kwonlyargs \
            or a.posonlyargs or a.defaults or any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(fdef)):
        return False  # (a generator's refusal is the closure's, which names the def)
    own, nested = _own_scope(fn)
    callees, calls = set(), 0
    for n in own:
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name:
            if any(isinstance(x, ast.Starred) for x in n.args) or any(k.arg is None for k in n.keywords) \
                    or n.lineno <= fdef.end_lineno:
                return False
            callees.add(id(n.func))
            calls += 1
        elif isinstance(n, (ast.Global, ast.Nonlocal)) and name in n.names:
            return False
    for n in own:
        if isinstance(n, ast.Name) and n.id == name and id(n) not in callees:
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


def lift(conv, node: ast.FunctionDef) -> ast.stmt:
    """``node`` compiled as ``{name}_lifted`` of its free variables, then its parameters, recorded in
    ``conv.lifted`` (the converter of :mod:`.closures`); the statement that replaces the ``def``."""
    free = conv.free(node, set())
    params = ast.arguments([], [ast.arg(v) for v in free] + list(node.args.args), None, [], [], None, [])
    fdef = ast.FunctionDef(f"{node.name}_lifted", params, node.body, [])
    conv.lifted[node.name] = (conv.bind(fdef.name, conv.compile(fdef, node, node.name)).id, free)
    return ast.copy_location(ast.Pass(), node)


def call(lifted: tuple[str, list[str]], node: ast.Call) -> ast.Call:
    """A call of a lifted def: its free variables first, then the call's own arguments."""
    bound, free = lifted
    args = [ast.Name(v, ast.Load()) for v in free] + node.args
    return ast.copy_location(ast.Call(ast.Name(bound, ast.Load()), args, node.keywords), node)
