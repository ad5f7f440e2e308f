"""Fingerprints: what SCT's transformation took from a non-local value, checked again before its code is reused.

Contract: :func:`fingerprint` names the object for anything the transformation may call or resolve through
(functions by their code and defaults; bound methods, a new object at each attribute access, by their receiver
and function or builtin's name; other callable objects by identity, class and the class's ``__call__``, which
SCT reads and a class may rebind; classes, modules and builtin functions by identity) and only the kind of a data
value; :func:`matches` answers whether a value has a fingerprint without making a new one (guards run it on
every call). :data:`MISSING` stands for a name that is not bound.
"""

from __future__ import annotations

import types
from typing import Any

MISSING = object()
_BUILTIN_BOUND = (types.BuiltinMethodType, types.MethodWrapperType)  # bound anew at each access (dict.fromkeys)


def fingerprint(value: Any) -> tuple:
    """What the transformation took from a non-local value: which object, for anything it
    may call or resolve through (functions, modules, classes), and only the kind of a data
    value (a Python number, or anything else), which the generated code reads when it runs."""
    if value is MISSING:
        return ("missing",)
    if type(value) in (int, float):
        return ("scalar",)
    if isinstance(value, types.FunctionType):
        return ("function", value, value.__code__, value.__defaults__, value.__kwdefaults__)
    parts = _bound(value)
    if parts is not None:  # a new object at each attribute access: by its two parts
        return ("method", *parts)
    if isinstance(value, (type, types.ModuleType, types.BuiltinFunctionType)):
        return ("object", value)
    if callable(value):  # a callable object: SCT reads its class's __call__, which a class may have rebound
        return ("instance", value, type(value), type(value).__call__)
    return ("data",)


def matches(value: Any, mark: tuple) -> bool:
    """Does ``value`` have the fingerprint ``mark``? (Without making a new one: this runs on every call.)"""
    kind = mark[0]
    if kind == "function":
        return (value is mark[1] and value.__code__ is mark[2] and value.__defaults__ is mark[3]
                and value.__kwdefaults__ is mark[4])
    if kind == "object":
        return value is mark[1]
    if kind == "instance":
        return value is mark[1] and type(value) is mark[2] and type(value).__call__ is mark[3]
    if kind == "method":
        parts = _bound(value)
        return parts is not None and parts[0] is mark[1] and (parts[1] is mark[2] or parts[1] == mark[2])
    return fingerprint(value)[0] == kind


def _bound(value: Any) -> tuple | None:
    """A bound method's receiver and function (a Python method) or name (a builtin's: ``dict.fromkeys``)."""
    if isinstance(value, types.MethodType):
        return value.__self__, value.__func__
    if isinstance(value, _BUILTIN_BOUND) and not isinstance(value.__self__, (types.ModuleType, type(None))):
        return value.__self__, value.__name__
    return None


def one_of(value: Any, options: tuple) -> bool:
    """Is ``value`` one of ``options``, by identity (what a name resolves to may be an array, whose ``==`` is
    elementwise: ``value in options`` would raise, or be an array)?"""
    return any(value is o for o in options)
