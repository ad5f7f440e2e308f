"""The vocabulary's writes in place (``anp.copyto(dst, src)``, ``anp.putmask(a, mask, values)``) as index writes.

Contract: :func:`rewrite` turns each statement of a function's own body (not of its nested scopes) that calls a
vocabulary function marked ``sct_writes`` (``(its functional form, the parameter it writes into)``, see
:mod:`adcompare.numpy.writes`) into the index write ``dst[...] = form(the same arguments)``, before the fence sees
it. SCT then takes it as any ``y[...] = v``: a functional update that rebinds ``dst``, checked by :mod:`.aliases`
where another name may see the write, or refused (with the user's line) where ``dst`` is not a variable or an item
of one. A call whose result is used (NumPy's None) is not rewritten: the code reads it as any other call.
"""

from __future__ import annotations

import ast
import inspect

from adcompare.engines.sct.asttools import copy_tree
from adcompare.numpy import writes

# the writers' names: only a call by one of them is resolved (a resolved name is a dependency checked on each call)
_NAMES = {name for name, f in vars(writes).items() if hasattr(f, "sct_writes")}


def rewrite(parsed) -> None:
    """Rewrite ``parsed.tree``'s calls of the vocabulary's writers in place (see the module doc)."""
    todo = [parsed.tree.body]
    while todo:
        block = todo.pop()
        for i, s in enumerate(block):
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call):
                block[i] = _index_write(parsed, s)
            elif not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                    inner = getattr(s, field, None)
                    if isinstance(inner, list):
                        todo += [inner] if field not in ("handlers", "cases") else [h.body for h in inner]


def _index_write(parsed, s: ast.Expr) -> ast.stmt:
    """``s`` (a call statement) as ``dst[...] = form(...)`` if it calls a marked writer; else ``s`` itself."""
    call = s.value
    called = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
    if called not in _NAMES:
        return s
    fn = parsed.resolve(call.func)
    marked = getattr(fn, "sct_writes", None)
    if not isinstance(marked, tuple) or any(isinstance(a, ast.Starred) for a in call.args) \
            or any(k.arg is None for k in call.keywords):
        return s  # (the fence refuses *args and **kwargs by name)
    form, param = marked
    try:
        bound = inspect.signature(fn).bind(*call.args, **{k.arg: k.value for k in call.keywords})
    except TypeError as exc:
        raise parsed.where.refuse(f"a call of {fn.__name__} whose arguments do not fit its parameters ({exc})",
                                  s, f"pass {fn.__name__}'s arguments as NumPy names them") from None
    name = f"__{fn.__name__}_value"
    parsed.extra[name] = form
    value = ast.Call(ast.Name(name, ast.Load()), call.args, call.keywords)
    target = ast.Subscript(copy_tree(bound.arguments[param]), ast.Constant(Ellipsis), ast.Store())
    new = ast.Assign([target], value)
    for node in ast.walk(new):  # the user's line on every new node (SCT's messages name it)
        if "lineno" in node._attributes and not hasattr(node, "lineno"):
            ast.copy_location(node, s)
    return new
