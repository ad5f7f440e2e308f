"""``jax.jit`` in code SCT transforms: the function itself, its static arguments checked as JAX checks them.

Contract: the closure converter calls :func:`decorators` on each nested ``def`` before lifting it and
:func:`leave` on each node after its parts.

* ``jax.jit(f, ...)`` and ``functools.partial(jax.jit, ...)(f)`` are ``f``: jit only compiles, and SCT
  differentiates ``f`` as JAX differentiates through ``jit`` (SCT's output can be jitted as a whole);
  ``@jax.jit`` and ``@partial(jax.jit, ...)`` on a nested ``def`` are the ``def``; a call of a module-level
  function ``jax.jit`` made (decorated) is a call of the function it wraps.
* A call of such a function (``jax.jit(f, static_argnums=1)(x, n)`` at once, a variable assigned it once, a
  decorated ``def``, a module-level one) passes each static argument (``static_argnums``, counted from the
  call's positional arguments, and ``static_argnames`` given by keyword, each completed from the other by the
  function's parameters where they are known, as JAX does from its signature) through
  :func:`..emit.runtime.jit_static_argument`: JAX's ValueError for a value that cannot be hashed, and a
  refusal at the user's line for a differentiated one (JAX cannot hash its tracer: it raises too).
  ``static_argnums`` or ``static_argnames`` computed when the code runs are refused.
* Side effects: SCT runs the jitted function's Python as written at each call (and in each sweep that
  recomputes it), where JAX traces it once per new shapes and static values: a ``print`` inside shows the
  values of that call, each time (JAX's shows tracers, once). The values computed are the same.
"""

from __future__ import annotations

import ast
import functools

from adcompare.engines.sct.emit.runtime import jit_static_argument
from adcompare.engines.sct.front import closure_values as cv
from adcompare.engines.sct.front.parse import MISSING, is_user_function

_STATIC = "sct_jit_static"  # on the node that stands for a jitted function: its (static_argnums, static_argnames)


def _options(conv, node: ast.Call) -> tuple[ast.expr, list[ast.keyword]] | None:
    """``(f, keywords)`` of ``jax.jit(f, ...)`` or ``partial(jax.jit, ...)(f)``, else None."""
    if conv.resolve(node.func) is cv.JIT and node.args:
        return node.args[0], node.keywords
    inner = node.func
    if isinstance(inner, ast.Call) and conv.resolve(inner.func) is functools.partial and len(inner.args) == 1 \
            and conv.resolve(inner.args[0]) is cv.JIT and len(node.args) == 1 and not node.keywords:
        return node.args[0], inner.keywords
    return None


def _params(conv, f: ast.AST) -> list[str]:
    """The positional parameters of the function the node ``f`` makes or names (a nested def, a lambda SCT
    lifted, a module-level function), as far as they are known here (else none)."""
    if isinstance(f, ast.FunctionDef):
        return [a.arg for a in f.args.args]
    if isinstance(f, ast.Call) and conv.resolve(f.func) is cv.make_closure and f.args:  # a lifted lambda or def
        template = conv.resolve(f.args[0])
        node = getattr(template, "node", None)
        return [a.arg for a in node.args.args[1:]] if isinstance(node, ast.FunctionDef) else []
    fn = conv.resolve(f) if isinstance(f, (ast.Name, ast.Attribute)) else MISSING
    code = getattr(fn, "__code__", None)
    return list(code.co_varnames[:code.co_argcount]) if code is not None else []


def _spec(conv, keywords: list[ast.keyword], node: ast.AST, f: ast.AST) -> tuple[tuple, tuple]:
    """``(static_argnums, static_argnames)``, each completed from the other by the function's parameters,
    as JAX completes them from its signature."""
    found = {}
    for k in keywords:
        if k.arg in ("static_argnums", "static_argnames"):
            try:
                value = ast.literal_eval(k.value)
            except ValueError:
                raise conv.p.where.refuse(f"jax.jit with {k.arg} computed when the code runs", node,
                                          f"write {k.arg} as a constant") from None
            found[k.arg] = (value,) if isinstance(value, (int, str)) else tuple(value)
    nums, names = found.get("static_argnums", ()), found.get("static_argnames", ())
    params = _params(conv, f)
    return (nums + tuple(params.index(n) for n in names if n in params),
            names + tuple(params[k] for k in nums if type(k) is int and -len(params) <= k < len(params)))


def _maker(conv, decorator: ast.expr) -> list[ast.keyword] | None:
    """The keywords of a decorator ``jax.jit`` or ``partial(jax.jit, ...)``, else None."""
    if conv.resolve(decorator) is cv.JIT:
        return []
    if isinstance(decorator, ast.Call) and conv.resolve(decorator.func) is functools.partial \
            and len(decorator.args) == 1 and conv.resolve(decorator.args[0]) is cv.JIT:
        return decorator.keywords
    return None


def decorators(conv, node: ast.FunctionDef) -> None:
    """``@jax.jit`` (``@partial(jax.jit, ...)``) on a nested def: taken off, its static arguments recorded."""
    makers = [_maker(conv, d) for d in node.decorator_list]
    if node.decorator_list and all(m is not None for m in makers):
        node.decorator_list = []
        if len(conv.stores.get(node.name, ())) == 1:
            conv.jitted[node.name] = _spec(conv, [k for m in makers for k in m], node, node)


def leave(conv, node: ast.AST) -> ast.AST:
    """See the module doc: the node as the converter goes on with it."""
    if isinstance(node, ast.Assign) and hasattr(node.value, _STATIC) and [type(t) for t in node.targets] == [ast.Name] \
            and len(conv.stores.get(node.targets[0].id, ())) == 1:
        conv.jitted[node.targets[0].id] = getattr(node.value, _STATIC)
    if not isinstance(node, ast.Call):
        return node
    made = _options(conv, node)
    if made is not None:
        f, keywords = made
        setattr(f, _STATIC, _spec(conv, keywords, node, f))
        return f
    spec = getattr(node.func, _STATIC, None)
    if spec is None and isinstance(node.func, ast.Name) and node.func.id in conv.jitted:
        spec = conv.jitted[node.func.id]
    held = conv.resolve(node.func) if spec is None else MISSING
    wrapped = getattr(held, "__wrapped__", None) if held is not MISSING else None
    info = getattr(held, "_jit_info", None)
    if spec is None and is_user_function(wrapped) and info is not None:  # @jax.jit at module level (not jnp's own)
        spec = (tuple(getattr(info, "static_argnums", ())), tuple(getattr(info, "static_argnames", ())))
        node.func = conv.bind("jitted", wrapped)
    if spec is None:
        return node
    nums, names = spec
    check = conv.bind("jit_static_argument", jit_static_argument)
    n = len(node.args)
    for k, a in enumerate(node.args):
        if (k in nums or k - n in nums) and not isinstance(a, ast.Starred):
            node.args[k] = ast.copy_location(ast.Call(check, [a], []), a)
    for kw in node.keywords:
        if kw.arg in names:
            kw.value = ast.copy_location(ast.Call(check, [kw.value], []), kw.value)
    return node
