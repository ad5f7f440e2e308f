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

A derivative taken at once, ``E.grad(f)(*args)`` (``jacfwd``, ``jacrev``, ``value_and_grad``; ``argnums``
absent or a constant int or tuple of ints; no ``*``/``**`` in the call), where ``E`` names an SCT engine with
``higher="sct"`` (a global or a value the function closes over, not one of its variables) and ``f`` a function
known when SCT transforms (:func:`derived_at_once`: a global plain function, a nested def lifted here, or a plain
``lambda`` written there, lifted the same way), is ``program(v1, ..., vk, *args)`` (:func:`program_call`): the
derivative's program (:data:`.closure_values.DERIVED`, what ``E.grad`` of a closure runs) of the lifted function,
its argnums past ``v1..vk``. That is generated code with source, which the transformation follows as any callee
and, for a second derivative, transforms again: no closure stand-in, no box. The inner derivative takes only its
own arguments; an outer one flows through ``v1..vk`` as through any argument (nothing is captured: no
perturbation confusion). Any other derivative call is ``derive`` and ``apply`` (:mod:`.derivative_calls`).
"""

from __future__ import annotations

import ast
import types

from adcompare.checkpoint import checkpoint
from adcompare.engine import Engine, is_engine_made
from adcompare.engines.sct.front import closure_values as cv

_KINDS = ("grad", "jacfwd", "jacrev", "value_and_grad")
_MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update",
                       "setdefault", "popitem", "fill", "put", "itemset", "resize", "add", "discard"})
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


def calls_only(conv, stmt: ast.stmt) -> bool:
    """May the nested def (or lambda assigned to a name) ``stmt`` of the function ``conv`` (the converter of
    :mod:`.closures`) converts be lifted? See the module doc (a def ``jax.jit`` marked, whose static arguments
    :mod:`.jit_calls` keeps, is not)."""
    fn, fdef = conv.p.tree, as_def(stmt)
    if fdef is None or fdef.name in conv.jitted:
        return False
    a, name = fdef.args, fdef.name
    target = stmt.targets[0] if isinstance(stmt, ast.Assign) else None
    if not any(s is stmt for s in fn.body) or fdef.decorator_list or a.vararg or a.kwarg or a.kwonlyargs \
            or a.posonlyargs or a.defaults or any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(fdef)) \
            or _writes_outside(fdef):
        return False  # (a generator's, or a write's, refusal or check is the closure's, which names the def)
    own, nested = _own_scope(fn)
    callees, calls = set(), 0
    for n in own:
        derived = derived_at_once(conv, n, name) if isinstance(n, ast.Call) else None
        if derived is not None and isinstance(derived[3], ast.Name) and derived[3].id == name:
            n = ast.Call(derived[3], n.args, [], lineno=n.lineno)  # E.grad(g)(x): as the call g(x)
        kept = checkpointed_at_once(conv, n) if isinstance(n, ast.Call) else None
        if isinstance(kept, ast.Name) and kept.id == name:
            n = ast.Call(kept, n.args, n.keywords, lineno=n.lineno)  # ad.checkpoint(g)(x): as the call g(x)
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


def _writes_outside(fdef: ast.FunctionDef) -> bool:
    """May ``fdef`` write into a value it does not make itself (``st[0] = 1``, ``acc.append(v)`` of an outer
    variable, any ``y op= v``)? Python's closure shares that value with the function around it; SCT writes
    functionally, and the closure's checks name the write (a lifted def's would name the call)."""
    own = {a.arg for a in ast.walk(fdef.args) if isinstance(a, ast.arg)}
    own |= {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for n in ast.walk(fdef):
        if isinstance(n, ast.AugAssign):  # y op= v: in place on an array y may share with the caller
            return True
        base = n.value if isinstance(n, (ast.Subscript, ast.Attribute)) and isinstance(n.ctx, ast.Store) else \
            n.func.value if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) else None
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if isinstance(base, ast.Name) and base.id not in own \
                and (not isinstance(n, ast.Call) or n.func.attr in _MUTATORS):
            return True
    return False


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


def call(conv, node: ast.Call) -> ast.Call:
    """``node``, or where it calls a lifted def (``conv.lifted``: name -> its lifted name, free variables), the call
    of the lifted function: the free variables first, then the call's own arguments; ``ad.checkpoint(g)(x)`` of a
    lifted ``g`` is so ``ad.checkpoint(g_lifted)(v1, ..., x)``, a checkpointed call of the lifted function."""
    f = checkpointed_at_once(conv, node)
    func = f if f is not None else node.func
    if not (isinstance(func, ast.Name) and func.id in conv.lifted):
        return node
    bound, free = conv.lifted[func.id]
    args = [ast.Name(v, ast.Load()) for v in free] + node.args
    callee = ast.Name(bound, ast.Load())
    if f is not None:
        callee = ast.copy_location(ast.Call(node.func.func, [callee], []), node.func)
    return ast.copy_location(ast.Call(callee, args, node.keywords), node)


def checkpointed_at_once(conv, node: ast.Call) -> ast.expr | None:
    """``f`` where ``node`` is ``C(f)(*args)``, ``C`` the function ``ad.checkpoint`` (no ``static_argnums``,
    which the lifted function's free variables would shift), else None."""
    inner = node.func
    if not isinstance(inner, ast.Call) or len(inner.args) != 1 or inner.keywords \
            or conv.resolve(inner.func) is not checkpoint:
        return None
    return inner.args[0]


def lift_lambda(conv, lam: ast.Lambda) -> ast.Name:
    """A plain lambda (no defaults, ``*args`` or keywords) compiled as a function of its free variables, then its
    parameters, recorded in ``conv.lifted`` under the name it is bound to, which replaces it."""
    node = ast.copy_location(ast.FunctionDef("lambda", lam.args, [ast.copy_location(ast.Return(lam.body), lam.body)],
                                             []), lam)
    free = conv.free(node, set())
    params = ast.arguments([], [ast.arg(v) for v in free] + list(lam.args.args), None, [], [], None, [])
    fdef = ast.copy_location(ast.FunctionDef("lambda_lifted", params, node.body, []), lam)
    bound = conv.bind(fdef.name, conv.compile(fdef, lam, "<lambda>"))
    conv.lifted[bound.id] = (bound.id, free)
    return ast.copy_location(bound, lam)


def derived_at_once(conv, node: ast.Call, lifting: str | None = None) -> tuple | None:
    """``(engine, kind, argnums, f)`` where ``node`` is ``E.kind(f, argnums=c)(*args)`` as the module doc says, else
    None. ``lifting``: the name of a nested def being lifted now, taken as known (:func:`.direct_defs.calls_only`)."""
    inner = node.func
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args) or not isinstance(inner, ast.Call) \
            or not isinstance(inner.func, ast.Attribute) or inner.func.attr not in _KINDS or len(inner.args) != 1 \
            or any(k.arg != "argnums" for k in inner.keywords):
        return None
    argnums = _constant(inner.keywords[0].value) if inner.keywords else 0
    engine = conv.resolve(inner.func.value)
    if argnums is None or not isinstance(engine, Engine) or getattr(engine, "name", None) != "sct" \
            or getattr(engine, "higher", None) != "sct":
        return None
    f = inner.args[0]
    if isinstance(f, ast.Name) and (f.id == lifting or f.id in conv.lifted) or _plain_lambda(f):
        return engine, inner.func.attr, argnums, f
    fn = conv.resolve(f)  # a global function (not one an engine made: its source is plumbing)
    return (engine, inner.func.attr, argnums, f) if isinstance(fn, types.FunctionType) \
        and not is_engine_made(fn) else None


def mark(conv, node: ast.Call) -> None:
    """On entering ``node``: where it is such a call, mark it (and the derivative call in it, which
    :mod:`.derivative_calls` then leaves as written), and lift a lambda written there (:mod:`.direct_defs`)."""
    kept = checkpointed_at_once(conv, node)
    if kept is not None and _plain_lambda(kept):  # ad.checkpoint(lambda y: ...)(x)
        node.func.args[0] = lift_lambda(conv, kept)
    found = derived_at_once(conv, node)
    if found is not None:
        node.sct_derived, node.func.sct_static = found[:3], True
        if isinstance(found[3], ast.Lambda):
            node.func.args[0] = lift_lambda(conv, found[3])


def leave(conv, node: ast.AST) -> ast.expr | None:
    """On leaving ``node`` (its parts converted): the program's call where :func:`mark` marked it, the
    derivative call in it as written, else None."""
    if getattr(node, "sct_static", False):
        return node
    if not isinstance(node, ast.Call) or not hasattr(node, "sct_derived"):
        return None
    engine, kind, argnums = node.sct_derived
    f = node.func.args[0]
    if isinstance(f, ast.Name) and f.id in conv.lifted:
        bound, free = conv.lifted[f.id]
        fn = conv.p.extra[bound]
    else:
        fn, free = conv.resolve(f), []
    return program_call(node, engine, kind, argnums, fn, free, conv.bind)


def program_call(node: ast.Call, engine, kind: str, argnums, fn: types.FunctionType, free: list[str],
                 bind) -> ast.Call:
    """The call ``node`` of the program of ``kind`` of ``fn`` (a function of ``free``, then the call's arguments)."""
    n, k = fn.__code__.co_argcount, len(free)
    nums = tuple(a + k if a >= 0 else a + n for a in (argnums if isinstance(argnums, tuple) else (argnums,)))
    program = cv.DERIVED(engine, cv.KINDS[kind], fn, nums if isinstance(argnums, tuple) else nums[0])
    args = [ast.Name(v, ast.Load()) for v in free] + node.args
    return ast.copy_location(ast.Call(bind(f"{kind}_program", program), args, []), node)


def _plain_lambda(f: ast.expr) -> bool:
    a = f.args if isinstance(f, ast.Lambda) else None
    return a is not None and not (a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or a.defaults)


def _constant(node: ast.expr):
    """An int, or a tuple of ints, written as a constant; else None."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Tuple) and node.elts and all(isinstance(e, ast.Constant) and type(e.value) is int
                                                         for e in node.elts):
        return tuple(e.value for e in node.elts)
    return None
