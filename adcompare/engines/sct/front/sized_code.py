"""Functions whose source SCT writes when the code runs, once the sizes they depend on are known.

Contract: each maker here returns, for the constants it is given (a dict's keys, a number of
arguments), a plain Python function with source (made by :func:`.closure_values.define`, kept per
constants), which SCT transforms as any function it meets in a call: the front end writes the call
``maker(constants)(values...)``, a call of a function known only when it runs, so the derivative is
that of the display or call the made function's source writes out, whatever the number of items.

* :func:`dict_of` ``(keys)(values)`` is ``{keys[0]: values[0], ...}``, as a dict comprehension builds
  it: a key met again keeps its first place and takes the last value;
* :func:`dict_set` ``(keys, key)(d, value)`` is a new dict with ``d``'s entries and ``d[key] = value``,
  in Python's order (``keys`` are ``d``'s keys).
"""

from __future__ import annotations

import ast
import functools
import itertools
from collections.abc import Callable, Hashable

from adcompare.engines.sct.front.closure_values import define

_serial = itertools.count(1)
_PLAIN = (str, int, float, bool, type(None))


def _made(name: str, params: list[str], result: ast.expr, bound: dict) -> Callable:
    fdef = ast.FunctionDef(name, ast.arguments([], [ast.arg(p) for p in params], None, [], [], None, []),
                           [ast.Return(result)], [], None, None)
    return define(ast.fix_missing_locations(fdef), {}, bound, f"<sct {name} #{next(_serial)}>")


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
def _dict_of(keys: tuple) -> Callable:
    last = {key: k for k, key in enumerate(keys)}
    bound: dict = {}
    values = [ast.Subscript(ast.Name("values", ast.Load()), ast.Constant(k), ast.Load()) for k in last.values()]
    return _made("dict_of", ["values"], ast.Dict(_keys(tuple(last), bound), values), bound)


def dict_of(keys) -> Callable:
    """``values -> {keys[0]: values[0], ...}`` (see the module doc)."""
    return _dict_of(_hashable(tuple(keys)))


@functools.lru_cache(maxsize=256)
def _dict_set(keys: tuple, key: Hashable) -> Callable:
    order = keys if key in keys else keys + (key,)
    bound: dict = {}
    shown = _keys(order, bound)
    values = [ast.Name("value", ast.Load()) if k == key else ast.Subscript(ast.Name("d", ast.Load()), s, ast.Load())
              for k, s in zip(order, shown)]
    return _made("dict_set", ["d", "value"], ast.Dict(shown, values), bound)


def dict_set(keys, key) -> Callable:
    """``(d, value) -> {**d, key: value}`` for a dict ``d`` whose keys are ``keys`` (see the module doc)."""
    return _dict_set(_hashable(tuple(keys)), _hashable((key,))[0])


def _hashable(keys: tuple) -> tuple:
    for key in keys:
        hash(key)  # an unhashable key raises Python's TypeError, as the dict display would
    return keys
