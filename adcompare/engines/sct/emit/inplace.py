"""In-place guards: the run-time checks bound into generated code where a write in place may be seen.

Contract: SCT writes functionally (``c *= a`` becomes ``c = c * a``; ``x[i][j] = v``
becomes index updates). :mod:`..front.aliases` finds the writes where another
name that may share the written memory is read afterwards; SCT cannot know
types (nor views) statically, so it binds :func:`check_inplace` before the write,
given the written value and the values of those other names. It refuses (with the
user's file and line) when the written value is mutable in place (a
``numpy.ndarray``, 0-d included, or a list) and one of the others holds it
(the same object, a view sharing its memory, or a tuple, list or dict holding
one), or, ``strict``, whenever the value is mutable (the others may be the caller's,
or unassigned on this path). Python and NumPy scalars and JAX arrays are
immutable, so the functional translation of an augmented assignment (``c *= a``, which
JAX rebinds) is exact for them and they pass. A write by index (``item``) into a JAX array
has no meaning in JAX (its arrays refuse it) and NumPy's would reach the other name, so it is
refused where another name holds the same array or, where ``item`` says that name may hold a
view made in the function (not only another parameter), a JAX array of one dimension or more
(JAX keeps no views to tell). :func:`check_view_index` guards a
chained write ``x[i][j] = v``: it is a write into ``x`` only when ``x[i]`` is a
view, that is when ``i`` is a basic index (integers, slices, ``None``, ``...``).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from adcompare.engines.sct.errors import SCTError
from adcompare.primitives import check_only, primal

_MUTABLE = (np.ndarray, list, dict)


@check_only
def check_inplace(value: Any, *others: Any, construct: str, hint: str, strict: bool, function: str,
                  filename: str, line: int, item: tuple[bool, ...] | None = None) -> None:
    """Refuse the write in place into ``value`` about to happen at ``line`` if one of ``others``
    would see it (or, ``strict``, if ``value`` is mutable at all); ``item``: a write by index, and
    for each of ``others`` whether it may hold a view made in the function."""
    target = primal(value)
    if isinstance(target, _MUTABLE) and (strict or any(_holds(o, target) for o in others)):
        raise SCTError(construct, function, filename, line, hint)
    if item is not None and isinstance(target, jax.Array) and any(
            _may_view(o, target, view) for o, view in zip(others, item)):
        raise SCTError(f"{construct} (a JAX array: JAX refuses a write into it by index, and NumPy's write would "
                       "reach the other name)", function, filename, line, hint)


def _may_view(other: Any, target: Any, view: bool) -> bool:
    other = primal(other)
    if other is target:
        return True
    if isinstance(other, jax.Array):
        return view and other.ndim > 0
    if isinstance(other, (tuple, list)):
        return any(_may_view(o, target, view) for o in other)
    if isinstance(other, dict):
        return any(_may_view(o, target, view) for o in other.values())
    return False


def _holds(other: Any, target: Any) -> bool:
    other = primal(other)
    if other is target:
        return True
    if isinstance(other, np.ndarray):
        return isinstance(target, np.ndarray) and bool(np.may_share_memory(other, target))
    if isinstance(other, (tuple, list)):
        return any(_holds(o, target) for o in other)
    if isinstance(other, dict):
        return any(_holds(o, target) for o in other.values())
    return False


def _basic(index: Any) -> bool:
    if index is None or index is Ellipsis or isinstance(index, slice):
        return True
    if isinstance(index, (bool, np.bool_)):
        return False
    if isinstance(index, (int, np.integer)):
        return True
    if isinstance(index, tuple):
        return all(_basic(i) for i in index)
    value = primal(index)
    dtype = getattr(value, "dtype", None)
    return getattr(value, "shape", None) == () and dtype is not None and np.issubdtype(dtype, np.integer)


@check_only
def check_view_index(index: Any, target: str, function: str, filename: str, line: int) -> None:
    """Refuse a chained write whose inner subscript is not a view (an advanced index copies)."""
    if not _basic(index):
        raise SCTError(f"a write into {target}, whose inner subscript is an advanced index (an array or list "
                       "of indices, or a mask): NumPy writes into a copy there, not into the array",
                       function, filename, line, "index once, with a tuple, e.g. y[i, j] = v")


@check_only
def check_array_holder(value: Any, target: str, function: str, filename: str, line: int) -> None:
    """Refuse a chained write ``y[i][j] = v``, which SCT makes as a write into an array, when ``y`` is a list
    when it runs: two of whose rows are one list (``[[0.0] * n] * m``: Python's write changes every such row),
    or any list (SCT's write would turn ``y`` into an array: ``y + [row]`` would then broadcast, not join)."""
    rows = [id(r) for r in value if isinstance(r, list)] if isinstance(value, list) else []
    if len(set(rows)) < len(rows):
        name = target.split("[", 1)[0]
        raise SCTError(f"a write into {target}, where rows of the list {name} are one list (as [[0.0] * n] * m "
                       "makes them), which Python's write changes in every such row",
                       function, filename, line, f"make {name} a comprehension of new lists ([[0.0] * n for _ in "
                       "range(m)]) or a display of them in this function, or make it an array (anp.zeros((m, n)))")
    if isinstance(value, list):  # rows SCT did not see made (a call's, a parameter's): its array write makes y an array
        name = target.split("[", 1)[0]
        raise SCTError(f"a write into {target}, where {name} is a Python list this function did not make (a call's "
                       "or a parameter's): SCT would write into an array made of it, and later list operations on "
                       f"{name} (+, *, append) would act on that array", function, filename, line,
                       f"make {name} in this function (a display or a comprehension of new lists), or make it an "
                       f"array ({name} = anp.array(...))")
