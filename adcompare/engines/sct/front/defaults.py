"""Default parameter values of a nested ``def`` or ``lambda`` in code SCT transforms (``lambda t, i=i: t * i``).

Contract: :func:`lift` turns the defaulted parameters of a function the closure converter lifts into values
the closure captures when it is made, as Python evaluates defaults when the ``def`` or ``lambda`` runs (so a
loop variable given as a default is the value of that step). The lifted function takes the defaulted
parameters by position through ``*_sct_rest``: ``p = _sct_rest[j] if len(_sct_rest) > j else
_sct_default_j`` (the number of arguments a call passes is known when SCT transforms it), and Python's
TypeError for too many. A default that holds a call, a lambda or a comprehension is refused (it is evaluated
outside the code SCT converts), as are defaults beside ``*args`` or keyword-only parameters.
"""

from __future__ import annotations

import ast

from adcompare.engines.sct import located
from adcompare.engines.sct.errors import SCTError

_REST = "_sct_rest"
_NOT_PLAIN = (ast.Call, ast.Lambda, ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp, ast.NamedExpr,
              ast.Await, ast.Yield, ast.YieldFrom)


def lift(args: ast.arguments, body: list, what: str, node: ast.AST, where) -> tuple:
    """``(args, body, names, values)``: the parameters and body of the lifted function, and the names and value
    expressions of the defaults it captures (none: ``args`` and ``body`` as they are); the parameters
    hold ``sct_params`` (their names, how many have defaults) for :func:`positional`."""
    args.sct_params = (tuple(p.arg for p in args.args), len(args.defaults))  # (kept on what is returned)
    if not args.defaults:
        return args, body, [], []
    if args.vararg or args.kwonlyargs or args.kwarg or args.posonlyargs:
        raise where.refuse(f"{what} with defaults beside *args or keyword parameters, inside a function SCT "
                           "transforms", node, "give it plain positional parameters with defaults, or define it at "
                                               "module level")
    for d in args.defaults:
        if any(isinstance(n, _NOT_PLAIN) for n in ast.walk(d)):
            raise where.refuse(f"{what} with the default {ast.unparse(d)} (a call or a nested function), inside a "
                               "function SCT transforms", d, "compute the default into a variable first, and give "
                                                             "that variable as the default")
    k = len(args.defaults)
    kept, defaulted = args.args[:-k], args.args[-k:]
    names = [f"_sct_default{j}_{p.arg}" for j, p in enumerate(defaulted)]
    count = ast.Call(ast.Name("len", ast.Load()), [ast.Name(_REST, ast.Load())], [])
    prefix: list[ast.stmt] = [ast.If(ast.Compare(count, [ast.Gt()], [ast.Constant(k)]), [ast.Raise(ast.Call(
        ast.Name("TypeError", ast.Load()), [ast.Constant(f"{what} takes at most {len(args.args)} positional "
                                                         "arguments")], []), None)], [])]
    for j, (p, name) in enumerate(zip(defaulted, names)):
        given = ast.Subscript(ast.Name(_REST, ast.Load()), ast.Constant(j), ast.Load())
        test = ast.Compare(count, [ast.Gt()], [ast.Constant(j)])
        prefix.append(ast.Assign([ast.Name(p.arg, ast.Store())], ast.IfExp(test, given, ast.Name(name, ast.Load()))))
    for s in prefix:
        ast.copy_location(s, node)
    lifted = ast.arguments([], list(kept), ast.arg(_REST), [], [], None, [])
    lifted.sct_params = args.sct_params
    return lifted, prefix + body, names, list(args.defaults)


def positional(f, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """``(args, kwargs)`` of a call of ``f``, the keywords that name a lifted closure's parameters given by
    position, as its code takes them; any other call unchanged. Python's TypeErrors for a missing argument,
    one given twice and an unknown keyword; a call that skips a defaulted parameter before one it names is
    refused (the lifted code tells a default from a value by the number of values only)."""
    params = getattr(getattr(f, "code", None), "sct_params", None)
    if not kwargs or params is None:
        return args, kwargs
    (names, k), rest = params, dict(kwargs)
    what, given = f.code.__name__.removesuffix("_lifted") + "()", list(args)
    for name in names[len(args):]:
        if name in rest:
            given.append(rest.pop(name))
        elif len(given) < len(names) - k:
            raise TypeError(f"{what} missing 1 required positional argument: {name!r}")
        else:
            break
    for name in rest:
        if name in names[len(given):]:
            raise SCTError(f"a call of a nested function that skips its defaulted parameter "
                           f"{names[len(given)]!r} and names {name!r}", *located.caller((what, "<sct closures>", 0)),
                           f"pass {names[len(given)]!r} too, or define the function at module level")
        raise TypeError(f"{what} got multiple values for argument {name!r}" if name in names else
                        f"{what} got an unexpected keyword argument {name!r}")
    return tuple(given), {}
