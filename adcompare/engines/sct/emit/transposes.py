"""Transposes of the linear runtime helpers: reverse mode over SCT's own reverse sweep.

Contract: ``TRANSPOSE[helper](out_bar, ans, *args)`` is the cotangent of the
helper's linear argument (a pair for ``add_bar``; see :data:`.second.LINEAR`)
given the cotangent ``out_bar`` of its result ``ans`` and the arguments it was called with; the other
arguments (a ``like``, an index) give only shapes, so their cotangent is zero.
Each is the helper's dual in the rule table's own pairs: ``rules.broadcast``
and ``rules.unbroadcast`` are the JVP and VJP sides of every broadcasting
elementwise rule (:func:`adcompare.rules.base.defderiv`), so each is the
other's transpose; the transpose of ``getitem_bar`` (the VJP of ``getitem``)
is ``getitem``; ``materialize`` and ``final_bar`` are the identity on a value
and a constant on the zero placeholder; ``add_bar`` fans the cotangent out.
Containers (tuples, lists, dicts of cotangents) are refused with
:class:`SCTError` (no transpose written for them yet), as are the helpers not here.
"""

from __future__ import annotations

from typing import Any

from adcompare import rules
from adcompare.engines.sct.emit import runtime
from adcompare.engines.sct.errors import SCTError
from adcompare.primitives import getitem_p, shape


def _refuse(name: str, what: str) -> SCTError:
    return SCTError(f"reverse mode over SCT's runtime helper {name} ({what}; generated code transformed "
                    "again in reverse)", name, "<sct runtime>", 0,
                    "use SCTEngine(higher='boxes') for reverse over reverse of this program, or forward "
                    "over reverse (hessian, hvp)")


def _array(name: str, *values: Any) -> None:
    if any(isinstance(v, (tuple, list, dict)) for v in values):
        raise _refuse(name, "on a container of cotangents")


def _zero(g: Any) -> bool:
    return runtime.is_zero(g)


def _broadcast_back(out_bar: Any, g: Any) -> Any:
    """``out_bar`` (shaped like a sum of ``g``) broadcast back to ``g``'s shape: unbroadcast transposed."""
    if _zero(out_bar):
        return 0.0
    if type(g) is float:
        return out_bar if type(out_bar) is float or shape(out_bar) == () else rules.unbroadcast(out_bar, ())
    return rules.broadcast(out_bar, g)


def unbroadcast_t(out_bar: Any, ans: Any, g: Any, like: Any) -> Any:
    _array("unbroadcast", out_bar, g)
    if type(ans) is float and type(g) is not float:
        return 0.0  # the helper gave the placeholder (a zero grown from it): a constant
    return _broadcast_back(out_bar, g)


def rules_unbroadcast_t(out_bar: Any, ans: Any, g: Any, target: tuple) -> Any:
    return _broadcast_back(out_bar, g)


def broadcast_t(out_bar: Any, ans_: Any, t: Any, ans: Any) -> Any:
    _array("broadcast", out_bar, t)
    return 0.0 if _zero(out_bar) else runtime.unbroadcast(out_bar, t)


def materialize_t(out_bar: Any, ans: Any, g: Any, like: Any) -> Any:
    _array("materialize", out_bar, g)
    if type(g) is float and g == 0.0 and shape(like) != ():
        return 0.0  # the placeholder became zeros: a constant
    return out_bar


def final_bar_t(out_bar: Any, ans: Any, bar: Any, x: Any) -> Any:
    _array("final_bar", out_bar, bar, x)
    if type(bar) is float and bar == 0.0 and type(x) is not float:
        return 0.0
    return out_bar


def add_bar_t(out_bar: Any, ans: Any, a: Any, b: Any) -> tuple[Any, Any]:
    _array("add_bar", out_bar, a, b)
    parts = []
    for v in (a, b):
        parts.append(0.0 if v is None or _zero(out_bar) else runtime.unbroadcast(out_bar, v))
    return tuple(parts)


def getitem_bar_t(out_bar: Any, ans: Any, g: Any, x: Any, idx: Any) -> Any:
    _array("getitem_bar", out_bar, g, x)
    if _zero(g) or _zero(out_bar):
        return 0.0
    return getitem_p(out_bar, idx=idx)


TRANSPOSE = {runtime.unbroadcast: unbroadcast_t, rules.unbroadcast: rules_unbroadcast_t,
             runtime.broadcast: broadcast_t, runtime.materialize: materialize_t,
             runtime.final_bar: final_bar_t, runtime.add_bar: add_bar_t, runtime.getitem_bar: getitem_bar_t}
