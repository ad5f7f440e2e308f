"""In-place accumulation of index cotangents, for generated code that is run (not transformed again).

Contract: :func:`getitem_bar_into` returns ``add_bar(into, getitem_bar(g, x, idx))`` and
:func:`add_bar_into` returns ``add_bar(into, b)``. The peephole pass (:mod:`.peephole`) emits
them for ``x_bar = add_bar(x_bar, getitem_bar(g, x, idx))`` and ``x_bar = add_bar(x_bar, b)``
in the reverse sweep of the "closures" residual form only. It adds in place only into a
NumPy array that the caller's variable alone refers to and that owns its data; any other
``into`` gets the ordinary sum.
"""

from __future__ import annotations

from sys import getrefcount
from typing import Any

import numpy as np

from adcompare import rules
from adcompare.engines.sct.emit.runtime import Shaped, add_bar, getitem_bar, is_zero
from adcompare.primitives import shape

_F64 = np.dtype(np.float64)
_ND, _F64_T = np.ndarray, np.float64
_getitem_vjp_into, _getitem_vjp_numpy = rules.getitem_vjp_into, rules.getitem_vjp_numpy
_getitem_vjp_tiled = rules.getitem_vjp_tiled


def getitem_bar_into(g: Any, x: Any, idx: Any, into: Any) -> Any:
    """``add_bar(into, getitem_bar(g, x, idx))``: the peephole pass emits it for
    ``x_bar = add_bar(x_bar, getitem_bar(g, x, idx))`` in code that is run, not transformed again.

    Where ``into`` is a NumPy array that nothing but the caller's variable refers to (its
    reference count says so, as NumPy's own temporary elision decides) and that owns its data,
    ``g`` is added into it in place (the rule table's ``getitem_vjp_into``, the same sum): a loop
    reading ``x[i]`` then costs O(1) per step, not a zeros array of ``x``'s size per step. The
    first contribution (``into`` the placeholder ``0.0``) is the rule table's VJP run directly
    on NumPy (``getitem_vjp_numpy``: ``g`` written into fresh zeros). A list's cotangent that only
    the caller's variable holds gets ``g`` added to element ``idx`` alone (a new sum in its place;
    no element array is changed). A read-only ``into`` (NumPy refuses before writing) gets the
    ordinary sum.
    """
    tg, ti = type(g), type(into)
    if ti is _ND:  # the accumulating case first: in place where ``into`` is the caller's alone
        if tg is _F64_T:
            fits = into.dtype is _F64
        elif tg is _ND:
            fits = g.dtype is into.dtype or np.promote_types(into.dtype, g.dtype) == into.dtype
        elif tg is float:
            if g == 0.0:
                return into
            fits = into.dtype is _F64
        else:
            fits = False
        if fits and into.base is None and getrefcount(into) == _OWNED_REFS:
            tx = type(x)
            if into.shape == (x.shape if tx is Shaped or tx is _ND else shape(x)):
                try:
                    return _getitem_vjp_into(g, idx, into)
                except ValueError:
                    if into.flags.writeable:
                        raise
                    # read-only (nothing was written): the ordinary sum below
    elif ti is float and into == 0.0 and (tg is _F64_T or tg is _ND or tg is float):
        tx = type(x)  # the first contribution, on NumPy: the rule table's VJP run directly
        if tx is Shaped or tx is _ND:
            return into if tg is float and g == 0.0 else _getitem_vjp_numpy(g, idx, x.shape)
    if tg is float:
        if g == 0.0:
            return into
    elif g is None:
        return into
    if ti is list and type(x) is list and type(idx) is int and len(into) == len(x) \
            and getrefcount(into) == _OWNED_REFS:
        into[idx] = add_bar(into[idx], g)  # a list's cotangent: one element's sum, not every element's
        return into
    part = getitem_bar(g, x, idx)
    return part if is_zero(into) else add_bar(into, part)


def getitem_bar_tiled(x: Any, bounds: tuple, order: tuple, *gs: Any) -> Any:
    """What ``v = getitem_bar(g, x, s)`` then ``v = getitem_bar_into(g, x, s, v)`` for each later
    piece leave in ``v`` (:mod:`.tiles` emits it), for pieces ``gs`` of the slices
    ``x[:B1]``, ``x[B1:B2]``, ..., ``x[Bm:]`` (``bounds``: B1 .. Bm), taken in the order ``order``.

    Where ``x`` is a NumPy array (or its :class:`Shaped` stand-in) of rank 1 or more, the bounds
    are ints with ``0 <= B1 <= ... <= Bm <= len(x)`` (so the slices tile the first axis) and each
    piece is a NumPy array of its slice's shape, all of one dtype, the sum is the rule table's
    ``getitem_vjp_tiled`` (one concatenation instead of zeros written piece by piece); anything
    else is those statements' sums, in their order."""
    tx = type(x)
    if (tx is Shaped or tx is _ND) and x.shape and type(gs[0]) is _ND:
        shape = x.shape
        n, nd, at = shape[0], len(shape), 0
        for b in bounds:
            if type(b) is not int or b < at:
                break
            at = b
        else:
            if at <= n:
                dtype, start, last = gs[0].dtype, 0, len(bounds)
                for k, g in enumerate(gs):
                    stop = bounds[k] if k < last else n
                    if type(g) is not _ND or g.dtype is not dtype or g.ndim != nd or len(g) != stop - start \
                            or nd > 1 and g.shape[1:] != shape[1:]:
                        break
                    start = stop
                else:
                    return _getitem_vjp_tiled(list(gs))
    cuts = (None,) + bounds + (None,)
    k = order[0]
    out = getitem_bar(gs[k], x, slice(cuts[k], cuts[k + 1], None))
    for k in order[1:]:
        out = getitem_bar_into(gs[k], x, slice(cuts[k], cuts[k + 1], None), out)
    return out


def add_bar_into(into: Any, b: Any) -> Any:
    """``add_bar(into, b)``: the peephole pass emits it for ``x_bar = add_bar(x_bar, b)`` in code
    that is run, not transformed again (a callee's cotangent added to the caller's, say).

    Where ``into`` and ``b`` are NumPy arrays of one shape, ``b``'s dtype is no wider than
    ``into``'s, and ``into`` owns its data, is writeable, and nothing but the caller's variable
    refers to it (the same tests as :func:`getitem_bar_into`), ``b`` is added into ``into`` in
    place: the same sum, without a new array per contribution. Anything else is ``add_bar``."""
    if type(into) is _ND and type(b) is _ND and b.shape == into.shape \
            and (b.dtype is into.dtype or np.promote_types(into.dtype, b.dtype) == into.dtype) \
            and into.base is None and getrefcount(into) == _OWNED_REFS_ADD:
        try:
            into += b
            return into
        except ValueError:
            if into.flags.writeable:
                raise
    return add_bar(into, b)  # read-only (nothing was written): the ordinary sum


def _owned_refs_probe(g: Any, x: Any, idx: Any, into: Any) -> int:
    return getrefcount(into)


def _owned_refs() -> int:
    """The reference count ``getitem_bar_into`` sees of an ``into`` that only the caller's variable holds."""
    into = np.zeros(1)  # a local variable passed positionally, as generated code passes a cotangent
    return _owned_refs_probe(0.0, None, (0,), into)


_OWNED_REFS = _owned_refs()


def _add_refs_probe(into: Any, b: Any) -> int:
    return getrefcount(into)


def _owned_refs_add() -> int:
    """The reference count ``add_bar_into`` sees of an ``into`` that only the caller's variable holds."""
    into = np.zeros(1)
    return _add_refs_probe(into, 0.0)


_OWNED_REFS_ADD = _owned_refs_add()
