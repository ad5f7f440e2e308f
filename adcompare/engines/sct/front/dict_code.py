"""Dicts changed in place, copied or spread, as new dicts whose source SCT writes when the code runs.

Contract: each maker here takes the dicts it reads (and the user's function, file and line), checks that
they are dicts (else refuses, naming the user's line) and returns a plain function with source (as
:mod:`.sized_code` makes them, kept per keys) that builds the new dict, or reads the entry, by constant
keys; :mod:`.dict_writes` writes the calls ``maker(d, ...)(d, ...)``, so the derivative is that of the
display the made source writes, which is JAX's for a dict pytree. A key keeps its type (``1`` and
``True`` are one key, the first met kept, the last value taken, as Python's dict does).

* :func:`display` ``(kinds, where, *sized)(*parts)``: ``{k: v, **e, ...}`` in Python's order, ``kinds``
  saying which part is an entry's value (``"k"``, its key in ``sized``) and which a dict spread (``"**"``, the
  dict in ``sized``; ``"**?"``, a dict that may be an argument, whose keys must be in sorted order, JAX's);
  ``dict(d)``, ``d.copy()`` and ``d.update(e, k=v)`` are displays too;
* :func:`without` ``(d, key, missing_ok, *where)(d)``: ``d`` without ``key`` (``del d[key]``; Python's
  ``KeyError`` if it is missing, unless ``missing_ok``, as ``d.pop(key, default)``);
* :func:`entry_or` ``(d, key, has_default, *where)(d, default)``: ``d[key]``, else the default (``d.pop``'s value);
* :func:`put_missing` ``(d, key, *where)(d, value)``: ``d`` with ``key`` set to ``value`` if it is missing
  (``d.setdefault``).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable

from adcompare.engines.sct.errors import SCTError, a_type
from adcompare.engines.sct.front.sized_code import _made, _typed, _untyped

_PLAIN = (str, int, float, bool, type(None))


_SPREADS = {"**": "a ** spread", "**?": "a ** spread, dict(v), v.copy(), or a change in place (del v[k], v.pop(k), "
                                          "v.update(...), v.setdefault(k))"}


def _dict(d, what: str, where: tuple) -> tuple:
    if not isinstance(d, dict):
        raise SCTError(f"{what} of {a_type(d)}, which is not a dict", *where,
                       "SCT takes it on a dict (a display, a comprehension or a dict argument); del xs[i] on a "
                       "list only where xs is a local list made in the function (a display, a comprehension, "
                       "list(...))")
    return tuple(d)


def _key(key, bound: dict) -> ast.expr:
    """``key`` in the made source: a constant, or (not plain) a value of the enclosing scope."""
    if type(key) in _PLAIN:
        return ast.Constant(key)
    name = f"_sct_key{len(bound)}"
    bound[name] = key
    return ast.Name(name, ast.Load())


def _entry(part: str, key, bound: dict) -> ast.expr:
    return ast.Subscript(ast.Name(part, ast.Load()), _key(key, bound), ast.Load())


def _built(name: str, params: list[str], entries: list[tuple], bound: dict, where: tuple) -> Callable:
    """The function of ``params`` returning the dict of ``entries`` ((key, expression) pairs, in order)."""
    order: dict = {}
    for key, value in entries:
        order[key] = value  # a key met again: its first place, the last value
    result = ast.Dict([_key(k, bound) for k in order], list(order.values()))
    return _made(name, params, result, bound, f" from {where[1]}, line {where[2]}")


def display(kinds: tuple, where: tuple, *sized) -> Callable:
    """``(*parts) -> {...}`` (see the module doc)."""
    shape = tuple(_ordered(_dict(v, _SPREADS[kind], where), kind, where) if kind.startswith("**") else v
                  for kind, v in zip(kinds, sized))
    return _display(_typed((tuple(k[:2] for k in kinds), shape)), where)


def _ordered(keys: tuple, kind: str, where: tuple) -> tuple:
    """``keys``; for a dict that may be an argument (``'**?'``), checked to be in sorted order."""
    try:
        ordered = list(keys) == sorted(keys)
    except TypeError:  # keys that do not compare
        ordered = False
    if kind == "**?" and not ordered:
        raise SCTError(f"a dict whose keys are not in sorted order ({', '.join(map(repr, keys))}), which may be an "
                       "argument, copied, spread or changed in place", *where, "JAX orders a dict argument's keys "
                       "and Python keeps the caller's order: pass the dict with its keys in sorted order, or build "
                       "the new dict with a display")
    return keys


@functools.lru_cache(maxsize=256)
def _display(typed: tuple, where: tuple) -> Callable:
    kinds, shape = _untyped(typed)
    bound: dict = {}
    entries = []
    for k, (kind, keys) in enumerate(zip(kinds, shape)):
        part = f"_sct_p{k}"
        entries += [(key, _entry(part, key, bound)) for key in keys] if kind == "**" else \
            [(keys, ast.Name(part, ast.Load()))]
    return _built("dict_display", [f"_sct_p{k}" for k in range(len(kinds))], entries, bound, where)


def without(d, key, missing_ok: bool, *where) -> Callable:
    """``d -> d`` without ``key`` (see the module doc)."""
    keys = _dict(d, "del d[key] or d.pop(key)", where)
    if key not in keys and not missing_ok:
        raise KeyError(key)
    return _without(_typed((keys, key)), where)


@functools.lru_cache(maxsize=256)
def _without(typed: tuple, where: tuple) -> Callable:
    keys, gone = _untyped(typed)
    bound: dict = {}
    return _built("dict_without", ["d"], [(k, _entry("d", k, bound)) for k in keys if k != gone], bound, where)


def entry_or(d, key, has_default: bool, *where) -> Callable:
    """``(d, default) -> d[key]``, or ``default`` if ``key`` is missing (see the module doc)."""
    keys = _dict(d, "d.pop(key)", where)
    if key not in keys and not has_default:
        raise KeyError(key)
    return _entry_or(_typed(key) if key in keys else None, where)


@functools.lru_cache(maxsize=256)
def _entry_or(typed, where: tuple) -> Callable:
    bound: dict = {}
    value = ast.Name("default", ast.Load()) if typed is None else _entry("d", _untyped(typed), bound)
    return _made("dict_entry", ["d", "default"], value, bound, f" from {where[1]}, line {where[2]}")


def put_missing(d, key, *where) -> Callable:
    """``(d, value) -> d`` with ``key`` set to ``value`` if it is missing (see the module doc)."""
    keys = _dict(d, "d.setdefault(key)", where)
    hash(key)  # Python's TypeError for an unhashable key
    return _put_missing(_typed((keys, key)), where)


@functools.lru_cache(maxsize=256)
def _put_missing(typed: tuple, where: tuple) -> Callable:
    keys, key = _untyped(typed)
    bound: dict = {}
    entries = [(k, _entry("d", k, bound)) for k in keys]
    if key not in keys:
        entries.append((key, ast.Name("value", ast.Load())))
    return _built("dict_setdefault", ["d", "value"], entries, bound, where)


for _maker in (display, without, put_missing):
    _maker.sct_makes_dict = True  # its made function's call is a dict (see .desugar.Desugar.dicts)
MAKERS = (display, without, entry_or, put_missing)
