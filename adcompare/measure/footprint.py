"""Footprint: the bytes a derivative keeps alive, and peaks.

* **Kept bytes** are the arrays reachable from the pull-back a ``vjp`` returns
  (:func:`kept_bytes`): our engines keep no state of their own, so what the
  pull-back holds (a tape and its records' closures, or SCT's residuals and
  stacks) is exactly what the reverse sweep keeps, for as long as the user
  keeps the pull-back. JAX's ``vjp`` closure carries its residuals as pytree
  leaves (:func:`jax_residual_bytes`); PyTorch's saved tensors are counted
  through ``saved_tensors_hooks`` (in :mod:`adcompare.measure.tools`).
* **Intermediate bytes** are the bytes of every primitive result f computes
  (see :mod:`adcompare.measure.opcount`): the residuals a reverse sweep cannot
  avoid keeping if it keeps everything.
* **Peaks**: tracemalloc on the NumPy backend; ``memory_stats()`` on a GPU and
  ``ru_maxrss`` elsewhere, which only grow, so each of those is read in a fresh
  process (see :mod:`adcompare.measure.cell`).
"""

from __future__ import annotations

import functools
import resource
import sys
import tracemalloc
import types
from collections.abc import Callable, Iterator
from typing import Any

import jax
import numpy as np

from adcompare.engine import Engine
from adcompare.measure.opcount import nbytes
from adcompare.primitives import Box, Primitive, primal

_ARRAYS = (float, np.ndarray, np.generic, jax.Array)
_OPAQUE = (str, bytes, int, bool, type(None), type, types.ModuleType, types.CodeType, Primitive, Engine)
_LIBRARIES = ("builtins", "jax", "jaxlib", "numpy", "torch")  # their objects' insides are not residuals


def kept_bytes(pullback: Callable) -> int:
    """Bytes of the distinct arrays reachable from ``pullback`` (each counted once, by identity).

    The walk (:func:`reachable`) follows closures, ``functools.partial``, bound
    methods, tuples, lists, sets, dict values, and the attributes of the objects
    it meets (a tape and its records, a custom function's application); an
    active value counts as its primal. Classes, modules, primitives, engines and
    library objects are not entered: they are not kept for this one sweep.
    """
    return sum(nbytes(v) for v in reachable(pullback) if isinstance(v, _ARRAYS))


def held(pullback: Callable, cls: type) -> list:
    """The objects of type ``cls`` reachable from ``pullback`` (a tape, say)."""
    return [v for v in reachable(pullback) if isinstance(v, cls)]


def reachable(root: Any) -> Iterator[Any]:
    """Every object reachable from ``root`` by the walk :func:`kept_bytes` describes, once each."""
    visited: set[int] = set()
    todo = [root]
    while todo:
        v = todo.pop()
        if isinstance(v, Box):
            v = primal(v)
        if id(v) in visited:
            continue
        visited.add(id(v))
        yield v
        if isinstance(v, _ARRAYS + _OPAQUE):
            continue
        if isinstance(v, (tuple, list, set, frozenset)):
            todo.extend(v)
        elif isinstance(v, dict):
            todo.extend(v.values())
        elif isinstance(v, types.FunctionType):
            todo.extend(cell.cell_contents for cell in v.__closure__ or () if _filled(cell))
        elif isinstance(v, functools.partial):
            todo.extend((v.func, v.args, v.keywords))
        elif isinstance(v, types.MethodType):
            todo.extend((v.__func__, v.__self__))
        elif type(v).__module__.split(".")[0] not in _LIBRARIES:
            todo.extend(getattr(v, "__dict__", {}).values())
            todo.extend(getattr(v, name) for cls in type(v).__mro__
                        for name in getattr(cls, "__slots__", ()) if hasattr(v, name))


def _filled(cell) -> bool:
    try:
        _ = cell.cell_contents
    except ValueError:  # a closure variable not assigned yet
        return False
    return True


def jax_residual_bytes(f_vjp: Any) -> int:
    """Bytes of the residual arrays inside a ``jax.vjp`` pull-back."""
    seen = {id(leaf): nbytes(leaf) for leaf in jax.tree_util.tree_leaves(f_vjp)
            if hasattr(leaf, "nbytes")}
    return sum(seen.values())


def traced_peak(fn: Callable[[], Any]) -> int:
    """Peak bytes Python allocated (NumPy included) while ``fn()`` ran, above the start."""
    started = tracemalloc.is_tracing()
    if not started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    out = fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    del out
    if not started:
        tracemalloc.stop()
    return peak


def device_peak() -> int | None:
    """``peak_bytes_in_use`` of the default JAX device, where it reports one (GPUs)."""
    stats = jax.devices()[0].memory_stats()
    return None if not stats else stats.get("peak_bytes_in_use")


def torch_cuda_peak(fn: Callable[[], Any]) -> int:
    """Peak bytes torch's CUDA allocator held while ``fn()`` ran, above what it held before."""
    import torch

    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    fn()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - base


def rss_peak() -> int:
    """This process's peak resident set size, in bytes."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb if sys.platform == "darwin" else kb * 1024
