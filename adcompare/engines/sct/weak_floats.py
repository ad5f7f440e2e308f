"""JAX's weak Python floats for SCT's jvp and vjp: the outputs' dtypes where a Python float meets a narrow float.

Contract: SCT runs its generated code on a differentiated Python float as a NumPy float64 (see
``api._scalars``: the Python ``0.0`` is its zero placeholder), which NumPy promotes as a strong float64.
JAX takes a Python float as weak: beside a float32 array the result is float32. Where some input leaf is
a NumPy float narrower than float64 (the only case where the two differ), :func:`reference` runs the
function once on the inputs as given (NumPy promotes Python floats as JAX does) for its outputs' dtypes,
and :func:`cast` gives the generated code's outputs (primal and tangent) those dtypes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from jax import tree_util

from adcompare import trees


def _narrow(leaf: Any) -> bool:
    d = getattr(leaf, "dtype", None)
    return isinstance(leaf, (np.ndarray, np.generic)) and d.kind in "fc" and d.itemsize < (8 if d.kind == "f" else 16)


def _closed(fn: Callable) -> list:
    """The values ``fn`` closes over (a lambda's array from its enclosing function)."""
    out = []
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            out.append(cell.cell_contents)
        except ValueError:  # a cell not yet bound
            pass
    return out


def reference(fn: Callable, args: list | tuple, kwargs: dict) -> Any:
    """The outputs' dtypes as JAX's (a pytree of dtypes and None), or None where np.float64 changes nothing
    (no argument, differentiated or not, nor a value the function closes over, has a narrow float leaf)."""
    if not any(_narrow(leaf) for leaf in trees.tree_leaves([list(args), _closed(fn)])):
        return None
    return tree_util.tree_map(lambda v: getattr(v, "dtype", None), fn(*args, **kwargs))


def cast(out: Any, dtypes: Any) -> Any:
    """``out`` (shaped like the reference outputs) with each float leaf in its reference dtype."""
    if dtypes is None:
        return out

    def one(v: Any, d: Any) -> Any:
        have = getattr(v, "dtype", None)
        if d is None or have is None or have == d or have.kind not in "fc" or d.kind not in "fc":
            return v
        return v.astype(d)

    return tree_util.tree_map(one, out, dtypes)
