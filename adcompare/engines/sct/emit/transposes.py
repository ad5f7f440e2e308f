"""Transposes of the linear runtime helpers: reverse mode over SCT's own reverse sweep.

Contract: ``TRANSPOSE[helper](out_bar, ans, *args)`` is the cotangent of the
helper's linear argument (a pair for ``add_bar``; see :data:`.second.LINEAR`)
given the cotangent ``out_bar`` of its result ``ans`` and the arguments it was
called with; the other arguments (a ``like``, an index) give only shapes, so
their cotangent is zero. Each is the helper's dual in the rule table's own
pairs: ``rules.broadcast`` and ``rules.unbroadcast`` are the JVP and VJP sides
of every broadcasting elementwise rule (:func:`adcompare.rules.base.defderiv`),
so each is the other's transpose; ``rules.spread`` (the reductions' VJP) has the
sum over the spread axes; the transpose of ``getitem_bar`` (the VJP of
``getitem``) is ``getitem``; ``seq_vjp`` and ``seq_jvp`` (stack and
concatenate, linear primitives whose rules read only shapes) are each other's
transpose; ``materialize`` and ``final_bar`` are the identity on a value and a
constant on the zero placeholder; ``add_bar`` fans the cotangent out
(containers element by element); the container helpers (``unpack_bar``,
``item_bar``, ``last_bar``, ``drop_last``) take an element out of, or put it
into, a container of cotangents, so each one's transpose does the other.
``materialize`` and ``final_bar`` on containers are refused with
:class:`SCTError` (no transpose written for them yet), as are the helpers not here.
"""

from __future__ import annotations

from typing import Any

from adcompare import numpy as anp
from adcompare import rules
from adcompare.engines.sct.emit import runtime
from adcompare.engines.sct.errors import SCTError
from adcompare.primitives import concatenate_p, getitem_p, shape, stack_p
from adcompare.rules.base import keepdims_shape, spread


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


def spread_t(out_bar: Any, ans: Any, g: Any, xshape: tuple, axis: Any) -> Any:
    """``rules.spread`` (a reduction's VJP) transposed: ``out_bar`` summed over the spread axes, shaped as ``g``."""
    _array("spread", out_bar, g)
    if _zero(out_bar):
        return 0.0
    summed = rules.unbroadcast(out_bar, keepdims_shape(xshape, axis))
    return summed if shape(summed) == shape(g) else anp.reshape(summed, shape(g))


def broadcast_t(out_bar: Any, ans_: Any, t: Any, ans: Any) -> Any:
    _array("broadcast", out_bar, t)
    return 0.0 if _zero(out_bar) else runtime.unbroadcast(out_bar, t)


def materialize_t(out_bar: Any, ans: Any, g: Any, like: Any) -> Any:
    _array("materialize", out_bar, g)
    if type(g) is float and g == 0.0 and shape(like) != ():
        return 0.0  # the placeholder became zeros: a constant
    return out_bar


def final_bar_t(out_bar: Any, ans: Any, bar: Any, x: Any) -> Any:
    if isinstance(x, _TREES) and (isinstance(bar, _TREES) or _zero(bar)):
        return _final_bars_t(out_bar, bar, x)
    _array("final_bar", out_bar, bar, x)
    if type(bar) is float and bar == 0.0 and type(x) is not float:
        return 0.0
    return out_bar


_TREES = (tuple, list, dict)


def _final_bars_t(out_bar: Any, bar: Any, x: Any) -> Any:
    """``final_bar`` on a container (element by element) transposed: the same, element by element,
    in ``bar``'s kind. A packed array's rows (``bar`` an array) are still refused."""
    if _zero(bar) or out_bar is None or _zero(out_bar):
        return 0.0
    if isinstance(x, dict) and isinstance(bar, dict) and isinstance(out_bar, dict):
        return {k: final_bar_t(out_bar.get(k, 0.0), None, b, x[k]) for k, b in bar.items()}
    if isinstance(bar, (tuple, list)) and isinstance(out_bar, (tuple, list)) and len(bar) == len(out_bar) == len(x):
        return _like(bar, [final_bar_t(o, None, b, c) for o, b, c in zip(out_bar, bar, x)])
    raise _refuse("final_bar", "on a container of cotangents")


def _fan(out_bar: Any, v: Any) -> Any:
    """The share of ``out_bar`` (the cotangent of a sum) that goes to the summand ``v``."""
    if v is None or _zero(out_bar):
        return 0.0
    if isinstance(v, (tuple, list, dict)):
        if isinstance(out_bar, dict) and isinstance(v, dict):
            return {k: _fan(out_bar.get(k, 0.0), x) for k, x in v.items()}
        if isinstance(out_bar, (tuple, list)) and len(out_bar) == len(v):
            return _like(v, [_fan(o, x) for o, x in zip(out_bar, v)])
        raise _refuse("add_bar", "a container added to a packed array")
    if isinstance(out_bar, (tuple, list, dict)):
        return 0.0 if _zero(v) else _refuse_container()
    return runtime.unbroadcast(out_bar, v)


def _refuse_container() -> Any:
    raise _refuse("add_bar", "a value added to a container")


def add_bar_t(out_bar: Any, ans: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return _fan(out_bar, a), _fan(out_bar, b)


def getitem_bar_t(out_bar: Any, ans: Any, g: Any, x: Any, idx: Any) -> Any:
    if _zero(g) or _zero(out_bar):
        return 0.0
    if isinstance(x, (tuple, list, dict)):
        if isinstance(out_bar, (tuple, list, dict)):
            return out_bar[idx]
        if isinstance(x, dict):
            raise _refuse("getitem_bar", "a dict's cotangent packed into an array")
        return runtime.item_bar(out_bar, idx, len(x))
    _array("getitem_bar", out_bar, g)
    return getitem_p(out_bar, idx=idx)


def _placement(prim: Any) -> None:
    if prim not in (stack_p, concatenate_p):
        raise _refuse("seq_vjp", f"of the primitive {getattr(prim, 'name', prim)}")


def seq_vjp_t(out_bar: Any, ans: Any, prim: Any, g: Any, ans_: Any, xs: Any, params: dict) -> Any:
    """stack / concatenate are linear: the transpose of their VJP is their JVP (and back)."""
    _placement(prim)
    if not isinstance(xs, (tuple, list)) and not _zero(out_bar):  # an array's elements: its rows
        out_bar = [getitem_p(out_bar, idx=i) for i in range(len(xs))]
    bars = [0.0 if _zero(b) else b for b in (out_bar if isinstance(out_bar, (tuple, list)) else [])]
    if not bars or all(_zero(b) for b in bars):
        return 0.0
    return runtime.seq_jvp(prim, [b if not _zero(b) else runtime.zeros(x) for b, x in zip(bars, xs)], ans_, xs,
                           params)


def seq_jvp_t(out_bar: Any, ans: Any, prim: Any, ts: Any, ans_: Any, xs: Any, params: dict) -> Any:
    _placement(prim)
    if _zero(out_bar):
        return [0.0] * len(xs) if isinstance(xs, (tuple, list)) else 0.0
    return runtime.seq_vjp(prim, out_bar, ans_, xs, params)


def _like(g: Any, values: list) -> Any:
    """A container of ``g``'s kind holding ``values``."""
    if hasattr(g, "_fields"):
        return type(g)(*values)
    return type(g)(values)


def unpack_bar_t(out_bar: Any, ans: Any, bars: tuple, src: Any) -> tuple:
    if isinstance(src, dict) or _zero(out_bar):
        return tuple(0.0 for _ in bars)  # unpacking a dict gives its keys: constants
    if isinstance(src, (tuple, list)):
        if isinstance(out_bar, (tuple, list)):
            return tuple(out_bar)
        return tuple(runtime.item_bar(out_bar, i, len(src)) for i in range(len(bars)))
    return tuple(0.0 if _zero(b) else getitem_p(out_bar, idx=i) for i, b in enumerate(bars))


def item_bar_t(out_bar: Any, ans: Any, g: Any, i: Any, n: int | None = None) -> Any:
    if _zero(out_bar) or _zero(g):
        return 0.0
    if isinstance(g, dict):
        bar = dict.fromkeys(g, 0.0)
        bar[i] = out_bar
        return bar
    if isinstance(g, (tuple, list)):
        values = [0.0] * len(g)
        values[i] = out_bar
        return _like(g, values)
    return runtime.getitem_bar(out_bar, g, i)  # g packed into one array: g[i] transposed


def last_bar_t(out_bar: Any, ans: Any, g: Any) -> Any:
    if _zero(out_bar) or _zero(g) or len(g) == 0:
        return 0.0
    values = [0.0] * len(g)
    values[-1] = out_bar
    return _like(g, values)


def drop_last_t(out_bar: Any, ans: Any, g: Any) -> Any:
    if _zero(g):
        return 0.0
    rest = list(out_bar) if isinstance(out_bar, (tuple, list)) else [0.0] * (len(g) - 1)
    return _like(g, rest + [0.0])


TRANSPOSE = {runtime.seq_vjp: seq_vjp_t, runtime.seq_jvp: seq_jvp_t,
             runtime.unpack_bar: unpack_bar_t, runtime.item_bar: item_bar_t, runtime.last_bar: last_bar_t,
             runtime.drop_last: drop_last_t, runtime.unbroadcast: unbroadcast_t, rules.unbroadcast: rules_unbroadcast_t,
             spread: spread_t,
             runtime.broadcast: broadcast_t, runtime.materialize: materialize_t,
             runtime.final_bar: final_bar_t, runtime.add_bar: add_bar_t, runtime.getitem_bar: getitem_bar_t}
