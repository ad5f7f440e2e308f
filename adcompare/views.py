"""NumPy's aliasing on active values: writes through a second name for the same array.

NumPy programs write into arrays in place, and every name for the same memory
sees the write: ``c = b; c *= a`` changes ``b``; ``v = b[1:3]; v[0] = x``
changes ``b``; ``b[1] = x`` shows in ``v``; ``x[i][j] = v`` writes into ``x``;
``b.reshape(2, 2)[0, 1] = x`` and ``b.T[0] = x`` write into ``b``. A box of a
run-time tracing engine (:mod:`adcompare.operators`) keeps this meaning:

* **One object, every name.** A write rebinds the box object itself
  (:meth:`Trace.rebind`): the recorded past keeps the old value, later uses
  see the new one. An in-place operator (``x += y``) writes so only where NumPy
  would, on a box whose innermost primal is a ``numpy.ndarray`` (0-d too); on
  a Python float, a NumPy scalar or a JAX array it rebinds the name alone, as
  Python and JAX do (:func:`inplace`).
* **Views.** A box made from a box by a view primitive (:data:`VIEWS`:
  ``getitem``, ``reshape``, ``transpose``, ``broadcast_to``, ``real``, and what the
  vocabulary builds of them: ``ravel``, ``squeeze``, ``swapaxes``, ``.T``,
  ``split``...) whose primal shares memory with its operand's (exactly
  NumPy's rule: basic indexing is a view, advanced indexing a copy, a reshape
  of a non-contiguous array a copy) remembers its base and how it was made
  (:func:`link`). A write into a view is a write into its base (through the
  inverse of the view, up a chain of views); a write into a base remakes its
  live views from the new value, by the same primitive, so later reads of a
  view see the write and the derivative flows through it (:func:`assign`).
  NumPy's read-only views (``broadcast_to``) refuse writes, naming the user's
  line; so do ``diagonal``'s (and ``diag``'s of a matrix). JAX arrays have no
  views: where NumPy's would be one (a basic index, a reshape, a transpose), a
  JAX-backed box is linked the same way, so a write by index (NumPy's
  meaning; JAX has none) reaches both names, while ``x += y`` on it rebinds
  the name, as in JAX.

The link lives in the box's ``alias`` slot (an :class:`Alias`); a base holds
its views weakly (its ``__weakref__`` slot), so a view the program dropped costs
nothing later. Only view primitives and writes pay for any of this.
"""

from __future__ import annotations

import weakref
from typing import Any

import jax
import numpy as np

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.concrete import user_location
from adcompare.primitives import Box, primal
from adcompare.primitives.aliases import Alias


def _alias(box: Box) -> Alias | None:
    """``box``'s :class:`Alias`, made on first use; None for a box type with no ``alias`` slot."""
    a = getattr(box, "alias", None)
    if a is None:
        try:
            a = box.alias = Alias()
        except AttributeError:  # a box of another trace (a counting one): it keeps no views
            return None
    return a


def _inverse_transpose(v, base, axes):
    n = len(p.shape(v))
    back = tuple(reversed(range(n))) if axes is None else tuple(int(i) for i in np.argsort(axes))
    return anp.transpose(v, back)


# primitive -> how a new value of the view makes the base's new value: ``inverse(view, base, **params)``
# (the base's layout is kept: the result is written into a copy of the base); None: NumPy's views of it
# are read-only
VIEWS: dict = {
    p.getitem_p: lambda v, base, idx: anp.index_update(base, idx, v),
    p.reshape_p: lambda v, base, shape: anp.index_update(base, Ellipsis, anp.reshape(v, p.shape(base))),
    p.transpose_p: lambda v, base, axes=None: anp.index_update(base, Ellipsis, _inverse_transpose(v, base, axes)),
    p.broadcast_to_p: None,
    p.diagonal_p: None,
    p.real_p: lambda v, base: _real_inverse(v, base),
}


def _real_inverse(v, base):
    if p.result_dtype(base).kind == "c":
        raise NotImplementedError("writing into anp.real(z) of a complex array z is not supported; write "
                                  "z = anp.real(z) + 1j * anp.imag(z) with the new real part instead")
    return anp.index_update(base, Ellipsis, v)  # the real part of a real array is the array itself


def link(view: Box, base: Any, prim: p.Primitive, params: dict) -> None:
    """Record that ``view = prim(base, **params)`` is a NumPy view of ``base``, if it is one.

    Called by a trace for each :data:`VIEWS` primitive it processes, with its
    result and first operand (a box of that trace: anything else is not linked).
    """
    if type(base) is not type(view) or base._trace is not view._trace:
        return
    inner, outer = view.value, base.value
    while isinstance(inner, Box):
        inner, outer = inner.value, primal(outer)
    if type(inner) is np.ndarray:
        # A NumPy view's base is its operand, or the operand's own base (NumPy collapses chains);
        # a copy (advanced indexing, a reshape that cannot view) has neither
        held = inner.base
        if type(outer) is not np.ndarray or (inner is not outer and (held is None or (
                held is not outer and held is not outer.base))):
            return  # (np.real of a real array is the array itself: its own view)
    elif isinstance(inner, jax.Array) and isinstance(outer, jax.Array):
        # JAX has no views (nor writes by index): where NumPy's would be one, by the primitive and index, and
        # by the layout (a reshape of a transpose, order F's, copies)
        if prim is p.getitem_p and not _basic_view(params["idx"], inner) or not _numpy_views(base, prim, params):
            return
    else:
        return  # a scalar (b[i] of a vector is a NumPy scalar, not a view)
    view.alias = Alias((base, prim, params))  # a view is made here, so it had none
    views = _alias(base).views
    views.append(weakref.ref(view))
    if len(views) > 8 and len(views) & (len(views) - 1) == 0:  # at each power of two: drop the dead
        views[:] = [r for r in views if r() is not None]


def _numpy_views(base: Box, prim: p.Primitive, params: dict) -> bool:
    """Whether NumPy's ``prim(base, **params)`` shares memory with ``base``, were the root of ``base``'s chain of
    views a C-ordered array: asked of NumPy, on a stand-in of that layout (one byte an element, never read)."""
    chain = [(prim, params)]
    a = getattr(base, "alias", None)
    while a is not None and a.base is not None:
        base, made, made_params = a.base
        chain.append((made, made_params))
        a = getattr(base, "alias", None)
    root = out = np.empty(p.shape(base), np.uint8)
    for made, made_params in reversed(chain):
        out = made.impl(np, out, **made_params)
    return np.may_share_memory(out, root)


def _basic_view(idx: Any, ans: Any) -> bool:
    """Whether NumPy's ``x[idx]`` giving ``ans`` is a view: a basic index, and not a lone element."""
    parts = idx if type(idx) is tuple else (idx,)
    for part in parts:
        if not (isinstance(part, (int, np.integer, slice)) or part is None or part is Ellipsis):
            return False  # advanced indexing copies
    return ans.ndim > 0 or any(part is Ellipsis or part is None for part in parts)


def mutable(box: Box) -> bool:
    """Whether NumPy would write into this value in place (``x += y``): an ``ndarray``, 0-d included."""
    a = getattr(box, "alias", None)
    return (a is not None and a.mutable) or isinstance(primal(box), np.ndarray)


def assign(box: Box, new: Box) -> None:
    """Make ``box`` stand for ``new`` from now on, and every array sharing its memory follow.

    A view writes into its base (which remakes the view itself, from the base's
    new value); anything else is rebound, and its live views are remade.
    """
    a = getattr(box, "alias", None)
    if a is None:
        box._trace.rebind(box, new)
        return
    if a.base is None:
        box._trace.rebind(box, new)
        refresh(box)
        return
    base, prim, params = a.base
    inverse = VIEWS[prim]
    if inverse is None:
        raise ValueError(f"writing into a read-only view (made by {prim.name}) at {user_location(2)}: "
                         f"NumPy refuses this write too (its {prim.name} views are read-only). Write into "
                         f"a copy ({prim.name}(...).copy()) or into the array it was made from")
    assign(base, inverse(new, base, **params))


def refresh(base: Box) -> None:
    """Remake each live view of ``base`` from its current value (and their views, recursively)."""
    live = []
    for ref in list(_alias(base).views):
        view = ref()
        if view is None:
            continue
        link_ = view.alias.base
        if link_ is None or link_[0] is not base:
            continue
        live.append(ref)
        _, prim, params = link_
        base._trace.rebind(view, prim(base, **params))
        if view.alias.views:
            refresh(view)
    # the remade values were linked to ``base`` as views of their own as they were made, and are dropped
    base.alias.views[:] = live


def inplace(box: Box, new: Any) -> Any:
    """``box op= y``, where ``new`` is ``box op y``: written into ``box`` where NumPy writes in place.

    Returns what Python binds the name to (``box`` itself, or ``new`` where
    the name alone is rebound).
    """
    if not mutable(box):
        return new  # a Python float, NumPy scalar or JAX array: `t = total; total += x` leaves t alone
    if not (isinstance(new, Box) and new._trace is box._trace):
        raise TypeError(
            f"an in-place operator at {user_location(2)} would write a value differentiated at an inner "
            "level (an inner grad or jvp) into an array of an outer level in place: write `x = x + y` "
            "(a new array) instead of `x += y`")
    if p.shape(new) != p.shape(box):
        raise ValueError(f"non-broadcastable output operand with shape {p.shape(box)} doesn't match the "
                         f"broadcast shape {p.shape(new)} (an in-place operator at {user_location(2)})")
    if p.result_dtype(new) != p.result_dtype(box):
        new = anp.astype(new, p.result_dtype(box))  # NumPy casts the result into the array's dtype
    assign(box, new)
    if not isinstance(primal(box), np.ndarray):  # a 0-d array, which the vocabulary made a NumPy scalar
        a = _alias(box)
        if a is not None:
            a.mutable = True
    return box


def detached_copy(box: Box) -> Box:
    """A new box with ``box``'s value and no aliases (``x.copy()``): writing into it leaves ``box`` alone."""
    out = object.__new__(type(box))
    box._trace.rebind(out, box)
    return out


def is_view_of(v: Any, base: Box, prim: p.Primitive, params: dict) -> bool:
    """Whether ``v`` is the live view ``prim(base, **params)`` (``b[s] += y`` writes it back: a no-op)."""
    a = getattr(v, "alias", None)
    return (a is not None and a.base is not None and a.base[0] is base and a.base[1] is prim
            and _same(a.base[2], params))


def _same(x: dict, y: dict) -> bool:
    try:
        return bool(x == y)
    except (ValueError, TypeError):  # arrays in an index: compared elementwise, so not the same link
        return False
