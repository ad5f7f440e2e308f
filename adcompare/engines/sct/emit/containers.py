"""Containers' cotangents: tuples (named ones too), lists and dicts, for generated code.

Contract: a container's cotangent is a container of the same kind holding its elements'
cotangents, or the placeholder ``0.0`` for all of it; ``None`` (an empty subtree, as in JAX)
counts as zero too. :func:`add_bar` adds two cotangents element by element, :func:`item_bar`
reads one element's, :func:`final_bar` and :func:`leaf_bars` give an input's cotangent as JAX
returns it; a cotangent that a vocabulary call packed into one array is split back into its
elements, and two that do not fit together raise. :mod:`.runtime` re-exports them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from jax import dtypes, tree_util

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.concrete import a_type
from adcompare.primitives import result_dtype, shape

_SEQ = (tuple, list)
_TREES = (tuple, list, dict)
_ND, _F64 = np.ndarray, np.float64
_FLOAT0 = dtypes.float0


# --- containers: tuples (named ones too), lists and dicts ---------------------------
#
# A container's cotangent is a container of the same kind holding its elements'
# cotangents, or the placeholder for all of it; ``None`` (an empty subtree, as in
# JAX) counts as zero too.


def is_tree(x: Any) -> bool:
    return isinstance(x, _TREES)


def is_zero(g: Any) -> bool:
    return g is None or (type(g) is float and g == 0.0)

def _rebuild(like: Any, values: Any) -> Any:
    """A container of ``like``'s kind holding ``values`` (in its order; by key for a dict)."""
    if isinstance(like, dict):
        return dict(zip(like.keys(), values))
    if hasattr(like, "_fields"):  # a named tuple
        return type(like)(*values)
    return type(like)(values)


def _values(x: Any) -> list:
    return list(x.values()) if isinstance(x, dict) else list(x)


def _mismatch(a: Any, b: Any) -> TypeError:
    what = [a_type(v) + (f" of {len(v)}" if isinstance(v, _TREES) else "") for v in (a, b)]
    return TypeError(f"SCT: the cotangents of one value do not fit together ({what[0]}, {what[1]}); "
                     "was + or * applied to a tuple or list (which concatenates or repeats it)? "
                     "Use anp.stack or anp.concatenate. Otherwise, please report this")


def _boxed_zero(g: Any) -> bool:
    """Is ``g`` the placeholder boxed by an outer level (generated code differentiated again on the
    overloading engine's boxes)? It stands for every element's zero, and stays linked to that level."""
    return isinstance(g, p.Box) and is_zero(p.primal(g))


def _split(g: Any, like: Any) -> Any:
    """The cotangent ``g`` of a tuple or list that a vocabulary call packed into one array
    (as ``jnp.asarray`` packs it), as a container of its elements' cotangents."""
    if isinstance(like, _TREES) and _boxed_zero(g):
        return _rebuild(like, [g] * len(like))
    if not isinstance(like, _SEQ) or isinstance(g, _TREES) or not shape(g) or shape(g)[0] != len(like):
        raise _mismatch(g, like)
    return _rebuild(like, [g[i] for i in range(len(like))])


def add_bar(a: Any, b: Any) -> Any:
    """a + b for cotangents that may be containers (added element by element)."""
    ta, tb = type(a), type(b)
    if (ta is _ND or ta is _F64 or ta is float) and (tb is _ND or tb is _F64):
        try:
            return a + b  # the common cases, first (as below: the placeholder plus an array is the array, anew)
        except TypeError:  # an integer value's cotangent (JAX's float0, which NumPy cannot add): a zero
            if getattr(b, "dtype", None) == _FLOAT0:
                return a
            if getattr(a, "dtype", None) == _FLOAT0:
                return b
            raise
    if isinstance(b, _TREES):
        if not isinstance(a, _TREES):
            if is_zero(a):
                return b
            a = _split(a, b)
        if len(a) != len(b) or isinstance(a, dict) != isinstance(b, dict):
            raise _mismatch(a, b)
        if isinstance(b, dict):
            return {k: add_bar(a[k], v) for k, v in b.items()}
        return _rebuild(b, [add_bar(u, v) for u, v in zip(a, b)])
    if isinstance(a, _TREES) or b is None:
        return a if is_zero(b) else add_bar(a, _split(b, a))
    if a is None:
        return b
    return a + b


def item_bar(g: Any, i: Any, n: int | None = None) -> Any:
    """The cotangent of element (or key) i of a container (of ``n`` elements, for a tuple or
    list) whose cotangent is ``g``: an array where a vocabulary call packed it into one."""
    if isinstance(g, _TREES):
        return g[i]
    if is_zero(g):
        return 0.0
    if _boxed_zero(g):
        return g
    if n is None or not shape(g) or shape(g)[0] != n:
        raise _mismatch(g, [None] * n if n is not None else {})
    return g[i]


def final_bar(bar: Any, x: Any) -> Any:
    """An input's cotangent as JAX returns it: the placeholder becomes zeros shaped like ``x``."""
    if isinstance(x, _TREES):
        children = _values(x)
        if not isinstance(bar, _TREES) and not is_zero(bar):
            bar = _split(bar, x)
        if isinstance(bar, _TREES):
            bars = _values(bar) if not isinstance(x, dict) else [bar.get(k, 0.0) for k in x]
        else:
            bars = [0.0] * len(children)
        return _rebuild(x, [final_bar(b, v) for b, v in zip(bars, children)])
    if x is None:
        return None
    if type(bar) is float and bar == 0.0 and type(x) is not float:
        return anp.zeros_like(x)
    if _boxed_zero(bar) and type(x) is not float:  # an outer level's placeholder: zeros, still linked to it
        bar = bar + anp.zeros_like(x)
    return _in_dtype_of(bar, x)


def _in_dtype_of(bar: Any, x: Any) -> Any:
    """A real cotangent in real ``x``'s dtype, as JAX gives it: a float32 input's gradient is float32
    even where float64 values met it (the cast is linear: a second derivative casts its tangents too)."""
    if type(bar) is float or type(x) is float:
        return bar
    want = result_dtype(x)
    have = result_dtype(bar)
    return p.astype_p(bar, dtype=want) if have != want and have.kind == "f" and want.kind == "f" else bar


def leaf_bars(bar: Any, x: Any) -> list:
    """One cotangent (or tangent) per leaf of ``x`` in JAX's order (``None`` for zero)."""
    out: list = []
    _leaf_bars(bar, x, out)
    return out


def _leaf_bars(bar: Any, x: Any, out: list) -> None:
    if x is None:
        return
    if not isinstance(x, _TREES):
        if isinstance(bar, _TREES):
            raise _mismatch(bar, x)
        out.append(None if is_zero(bar) else bar)
        return
    if not isinstance(bar, _TREES) and not is_zero(bar):
        bar = _split(bar, x)  # a vocabulary call packed x into one array
    if isinstance(bar, _TREES) and (len(bar) != len(x) or isinstance(bar, dict) != isinstance(x, dict)):
        raise _mismatch(bar, x)
    children, _ = tree_util.tree_flatten_with_path(x, is_leaf=lambda v: v is not x)
    for path, child in children:
        key = path[0]
        if not isinstance(bar, _TREES):
            sub = None
        elif isinstance(key, tree_util.DictKey):
            sub = bar.get(key.key)
        elif isinstance(key, tree_util.SequenceKey):
            sub = bar[key.idx]
        else:  # a named tuple's field
            sub = bar[x._fields.index(key.name)]
        _leaf_bars(sub, child, out)
