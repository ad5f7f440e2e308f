"""In-place accumulation of index cotangents, for generated code that is run (not transformed again).

Contract: :func:`getitem_bar_into` returns ``add_bar(into, getitem_bar(g, x, idx))``. The
peephole pass (:mod:`.peephole`) emits it for ``x_bar = add_bar(x_bar, getitem_bar(g, x, idx))``
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
from adcompare.primitives import result_dtype, shape

_RAW = (np.ndarray, np.float64, np.float32, float)  # cotangents with no boxes, on NumPy
_F64 = np.dtype(np.float64)


def getitem_bar_into(g: Any, x: Any, idx: Any, into: Any) -> Any:
    """``add_bar(into, getitem_bar(g, x, idx))``: the peephole pass emits it for
    ``x_bar = add_bar(x_bar, getitem_bar(g, x, idx))`` in code that is run, not transformed again.

    Where ``into`` is a NumPy array that nothing but the caller's variable refers to (its
    reference count says so, as NumPy's own temporary elision decides) and that owns its data,
    ``g`` is added into it in place (the rule table's ``getitem_vjp_into``, the same sum): a loop
    reading ``x[i]`` then costs O(1) per step, not a zeros array of ``x``'s size per step. The
    first contribution (``into`` the placeholder ``0.0``) is added into a fresh zero array.
    """
    if g is None or (type(g) is float and g == 0.0):
        return into
    tg = type(g)
    if type(into) is float and into == 0.0 and (type(x) is Shaped or type(x) is np.ndarray) \
            and (tg is np.float64 or tg is float or tg is np.ndarray and g.dtype is _F64):
        # nothing accumulated yet: a fresh accumulator (owned here), ``g`` added into its zeros
        return rules.getitem_vjp_into(g, idx, np.zeros(x.shape))
    if type(into) is np.ndarray and tg in _RAW and into.base is None \
            and getrefcount(into) == _OWNED_REFS and into.flags.writeable \
            and into.shape == (x.shape if type(x) is Shaped or type(x) is np.ndarray else shape(x)) \
            and (into.dtype is _F64 and (tg is float or tg is np.float64)
                 or np.promote_types(into.dtype, result_dtype(g)) == into.dtype):
        return rules.getitem_vjp_into(g, idx, into)
    part = getitem_bar(g, x, idx)
    return part if is_zero(into) else add_bar(into, part)


def _owned_refs_probe(g: Any, x: Any, idx: Any, into: Any) -> int:
    return getrefcount(into)


def _owned_refs() -> int:
    """The reference count ``getitem_bar_into`` sees of an ``into`` that only the caller's variable holds."""
    into = np.zeros(1)  # a local variable passed positionally, as generated code passes a cotangent
    return _owned_refs_probe(0.0, None, (0,), into)


_OWNED_REFS = _owned_refs()
