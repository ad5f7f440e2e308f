"""Functions whose source SCT writes when the code runs, once the sizes they depend on are known.

Contract: each maker here returns, for the constants it is given (a dict's keys, a number of
arguments), a plain Python function with source (made by :func:`.closure_values.define`, kept per
constants), which SCT transforms as any function it meets in a call: the front end writes the call
``maker(constants)(values...)``, a call of a function known only when it runs, so the derivative is
that of the display or call the made function's source writes out, whatever the number of items.

* :func:`dict_of` ``(keys)(values)`` is ``{keys[0]: values[0], ...}``, as a dict comprehension builds
  it: a key met again keeps its first place and takes the last value;
* :func:`dict_set` ``(keys, key)(d, value)`` is a new dict with ``d``'s entries and ``d[key] = value``,
  in Python's order (``keys`` are ``d``'s keys);
* :func:`spread_call` ``(kinds, fn, where, *sized)(*parts)`` is the call ``fn(a, *xs, k=v, **d)`` with the
  sequences and dicts spread into their items (``fn(a, xs[0], xs[1], k=v, w=d['w'])``), ``kinds`` saying
  what each part is; a sequence is read by position (a dict or set is refused, naming the user's line), a
  ``**`` operand must be a dict with string keys. ``fn`` None: the function is the first part, or, the
  first kind ``'.name'``, the call is the method ``parts[0].name(...)``.
* :func:`named_replace` ``(s, names, where)(s, *values)`` is ``s._replace(**dict(zip(names, values)))`` for
  a named tuple ``s``: its class called with its fields (see :func:`named_tuple_class`), made per class and
  names; anything else is refused, naming the user's line.

A key is kept with its type (``1`` and ``True`` are equal keys, but a dict keeps the one it met first).

:func:`once` is the call of a function with source made at transformation time whose parameters stand for
operands a rewrite reads more than once (a ``*`` operand's length, then its items; a vjp's primals, for its
value and its pull-back): Python evaluates each operand once, and so does the rewritten call (an operand
that draws random numbers or costs a forward sweep, evaluated twice, gave a value of one draw and a
derivative of another).
"""

from __future__ import annotations

import ast
import copy
import functools
import itertools
import keyword
from collections.abc import Callable

from adcompare.engines.sct.emit.runtime import positional_len
from adcompare.engines.sct.errors import SCTError
from adcompare.engines.sct.front.closure_values import define

_serial = itertools.count(1)
_PLAIN = (str, int, float, bool, type(None))


def _made(name: str, params: list[str], result: ast.expr | list, bound: dict, origin: str = "") -> Callable:
    """``def name(*params): return result`` (``result`` a list: that body), reading ``bound`` as its scope."""
    body = result if isinstance(result, list) else [ast.Return(result)]
    fdef = ast.FunctionDef(name, ast.arguments([], [ast.arg(p) for p in params], None, [], [], None, []),
                           body, [], None, None)
    return define(ast.fix_missing_locations(fdef), {}, bound, f"<sct {name} #{next(_serial)}{origin}>")


def _keys(keys: tuple, bound: dict) -> list[ast.expr]:
    """The keys as constants in the source (or, not plain, as values of the enclosing scope)."""
    out = []
    for k, key in enumerate(keys):
        if type(key) in _PLAIN:
            out.append(ast.Constant(key))
        else:
            bound[f"_sct_key{k}"] = key
            out.append(ast.Name(f"_sct_key{k}", ast.Load()))
    return out


@functools.lru_cache(maxsize=256)
def _dict_of(typed: tuple) -> Callable:
    last = {key: k for k, key in enumerate(_untyped(typed))}
    bound: dict = {}
    values = [ast.Subscript(ast.Name("values", ast.Load()), ast.Constant(k), ast.Load()) for k in last.values()]
    return _made("dict_of", ["values"], ast.Dict(_keys(tuple(last), bound), values), bound)


def dict_of(keys) -> Callable:
    """``values -> {keys[0]: values[0], ...}`` (see the module doc)."""
    return _dict_of(_typed(tuple(keys)))


@functools.lru_cache(maxsize=256)
def _dict_set(typed: tuple) -> Callable:
    *keys, key = _untyped(typed)
    keys = tuple(keys)
    order = keys if key in keys else keys + (key,)
    bound: dict = {}
    shown = _keys(order, bound)
    values = [ast.Name("value", ast.Load()) if k == key else ast.Subscript(ast.Name("d", ast.Load()), s, ast.Load())
              for k, s in zip(order, shown)]
    return _made("dict_set", ["d", "value"], ast.Dict(shown, values), bound)


def dict_set(keys, key) -> Callable:
    """``(d, value) -> {**d, key: value}`` for a dict ``d`` whose keys are ``keys`` (see the module doc)."""
    return _dict_set(_typed(tuple(keys) + (key,)))


def _typed(key):
    """``key`` with the type of each part, as the made functions are kept by (see the module doc); an
    unhashable key raises Python's TypeError, as the dict display would."""
    hash(key)
    return type(key), tuple(_typed(k) for k in key) if type(key) is tuple else key


def _untyped(typed):
    kind, key = typed
    return tuple(_untyped(k) for k in key) if kind is tuple else key


def spread_call(kinds: tuple, fn, where: tuple, *sized) -> Callable:
    """``(*parts) -> fn(...)`` with the ``*`` and ``**`` parts spread (see the module doc); ``sized`` are
    those parts' values now, ``where`` the user's (function, file, line)."""
    shape = []
    for kind, value in zip([k for k in kinds if k in ("*", "**")], sized):
        if kind == "*":
            shape.append(positional_len(value, *where))
        elif not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise SCTError(f"a ** argument that is not a dict with string keys ({type(value).__name__})", *where,
                           "pass a dict, e.g. f(**{'a': x})")
        else:
            shape.append(tuple(value))
    named = [k for k in kinds if k and k[0] not in "*."] + [k for keys in shape if type(keys) is tuple for k in keys]
    odd = [k for k in named if not k.isidentifier() or keyword.iskeyword(k)]
    if odd:
        raise SCTError(f"a ** argument with the key {odd[0]!r}, which is not a parameter name", *where,
                       "pass the dict itself as an argument")
    twice = [k for k in named if named.count(k) > 1]
    if twice:  # Python's error
        raise TypeError(f"{getattr(fn, '__name__', 'the function')}() got multiple values for keyword argument "
                        f"{twice[0]!r}")
    try:
        return _spread_call(kinds, fn, tuple(shape), where)
    except TypeError:  # an unhashable callee (a bound method of an unhashable object): made each time
        return _spread_call.__wrapped__(kinds, fn, tuple(shape), where)


@functools.lru_cache(maxsize=256)
def _spread_call(kinds: tuple, fn, shape: tuple, where: tuple) -> Callable:
    method = kinds[0][1:] if kinds and kinds[0].startswith(".") else None  # recv.method(...): recv the first part
    own = getattr(fn, "__name__", "")  # the callee by its own name, which SCT's errors show
    name = own if own.isidentifier() and not keyword.iskeyword(own) and not own.startswith("_sct_") else "_sct_f"
    params = [] if fn is not None or method else [name]
    callee: ast.expr = ast.Name(name, ast.Load())
    args: list[ast.expr] = []
    keywords: list[ast.keyword] = []
    sizes = iter(shape)
    for k, kind in enumerate(kinds):
        part = ast.Name(f"_sct_a{k}", ast.Load())
        params.append(part.id)
        if k == 0 and method:
            callee = ast.Attribute(part, method, ast.Load())
        elif kind == "*":
            args += [ast.Subscript(part, ast.Constant(i), ast.Load()) for i in range(next(sizes))]
        elif kind == "**":
            keywords += [ast.keyword(key, ast.Subscript(part, ast.Constant(key), ast.Load())) for key in next(sizes)]
        elif kind:
            keywords.append(ast.keyword(kind, part))
        else:
            args.append(part)
    return _made("spread_call", params, ast.Call(callee, args, keywords),
                 {} if fn is None else {name: fn}, f" from {where[1]}, line {where[2]}")


def once(name: str, operands: list[ast.expr], twice: list[bool], build: Callable, bind: Callable, node: ast.AST,
         where) -> ast.expr:
    """``build(values, names)`` (an expression, or a body of statements), which reads the operands flagged in
    ``twice`` more than once, with each of ``operands`` evaluated once: where those are names or constants,
    ``build`` of the operands themselves (reading a name twice reads one value); else the call ``made(*operands)``
    of a function with source made now (see the module doc). ``names(base, value)`` names a helper where
    ``build``'s code runs: the code's globals (``bind``) or the made function's scope."""
    if all(isinstance(v, (ast.Name, ast.Constant)) for v, t in zip(operands, twice) if t):
        made = build(operands, bind)
        if not isinstance(made, list):
            return ast.copy_location(made, node)
    bound: dict = {}

    def scope(base: str, value) -> ast.Name:
        bound[f"_sct_{base}"] = value
        return ast.Name(f"_sct_{base}", ast.Load())

    params = [f"_sct_p{k}" for k in range(len(operands))]
    fn = _made(name, params, build([ast.Name(p, ast.Load()) for p in params], scope), bound,
               f" from {where.filename}, line {where.line(node)}")
    return ast.copy_location(ast.Call(bind(name, fn), operands, []), node)


def spread_node(node: ast.Call, fn, known: bool, bind: Callable, where) -> ast.expr:
    """The call ``node`` (``f(a, *xs, k=v, **d)``, ``f`` the object ``fn`` if ``known``, else known only when
    it runs) as ``spread_call(kinds, f, where, xs, d)(a, xs, v, d)``, each operand evaluated once (:func:`once`);
    ``bind(base, value)`` names a value in the code's globals."""
    method = isinstance(node.func, ast.Attribute) and not known  # x.reshape(*shape): x is the first part
    parts = [(node.func.value, "." + node.func.attr)] if method else []
    parts += [(a.value, "*") if isinstance(a, ast.Starred) else (a, "") for a in node.args]
    parts += [(k.value, "**" if k.arg is None else k.arg) for k in node.keywords]
    kinds = tuple(k for _, k in parts)
    head = [] if known or method else [node.func]  # the function, evaluated first
    place = (where.function, where.filename, where.line(node))

    def build(values: list[ast.expr], names: Callable) -> ast.expr:
        func, values = values[:len(head)], values[len(head):]
        made = ast.Call(names("spread_call", spread_call), [
            ast.Constant(kinds), names("callee", fn) if known else ast.Constant(None), ast.Constant(place)]
            + [copy.deepcopy(v) for v, k in zip(values, kinds) if k in ("*", "**")], [])
        # a sequence is read by position only: a copy (``list``), so that one built by append may be spread
        given = [ast.Call(names("list", list), [v], []) if k == "*" else v for v, k in zip(values, kinds)]
        return ast.Call(made, func + given, [])

    return once("spread_operands", head + [v for v, _ in parts], [False] * len(head) + [k in ("*", "**")
                                                                                       for k in kinds],
                build, bind, node, where)


def pack_list(*items):
    return list(items)


def pack_tuple(*items):
    return items


def display_node(node: ast.List | ast.Tuple, bind: Callable, where) -> ast.expr:
    """``[a, *xs]`` (or ``(a, *xs)``) as the call ``pack_list(a, *xs)``, spread (see :func:`spread_node`)."""
    pack = pack_list if isinstance(node, ast.List) else pack_tuple
    call = ast.copy_location(ast.Call(ast.Name(pack.__name__, ast.Load()), node.elts, []), node)
    return spread_node(call, pack, True, bind, where)


def named_tuple_class(obj) -> bool:
    """A named tuple's class whose constructor takes its fields (no ``__new__`` of a subclass over it)."""
    if not (isinstance(obj, type) and issubclass(obj, tuple) and hasattr(obj, "_fields")):
        return False
    made = next((c for c in obj.__mro__ if "_make" in c.__dict__), None)
    return made is not None and obj.__new__ is made.__new__


@functools.lru_cache(maxsize=256)
def _named_replace(cls: type, names: tuple) -> Callable:
    elts = [ast.Name(f"_sct_{f}", ast.Load()) if f in names else ast.Subscript(
        ast.Name("s", ast.Load()), ast.Constant(k), ast.Load()) for k, f in enumerate(cls._fields)]
    return _made("named_replace", ["s"] + [f"_sct_{f}" for f in names], ast.Call(
        ast.Name("_sct_class", ast.Load()), elts, []), {"_sct_class": cls})


def named_replace(s, names: tuple, function: str, filename: str, line: int) -> Callable:
    """``(s, *values) -> s._replace(**dict(zip(names, values)))`` for the named tuple ``s``: its class
    called with its fields, ``names`` given (refused, naming the user's line, on anything else)."""
    cls = type(s)
    if not named_tuple_class(cls) or not set(names) <= set(cls._fields):
        raise SCTError(f"._replace({', '.join(n + '=...' for n in names)}) on a {cls.__name__}", function, filename,
                       line, f"SCT takes ._replace on a named tuple, with fields of it, e.g. {', '.join(cls._fields)}"
                       if hasattr(cls, "_fields") else "SCT takes ._replace on a named tuple")
    return _named_replace(cls, names)
