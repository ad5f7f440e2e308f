"""Memory: what the reverse sweep keeps, what f computes, and peaks.

* **Kept bytes** come from each mechanism's own structures: our engines report
  the arrays their tape, stacks or residuals hold (``Engine.kept_bytes()``);
  JAX's ``vjp`` closure carries its residuals as pytree leaves; PyTorch's saved
  tensors are counted through ``saved_tensors_hooks``.
* **Intermediate bytes** are the bytes of every primitive result f computes
  (see :mod:`adcompare.measure.opcount`): the residuals a reverse sweep cannot
  avoid keeping if it keeps everything.
* **Peaks**: tracemalloc on the NumPy backend; ``memory_stats()`` on a GPU and
  ``ru_maxrss`` elsewhere, which only grow, so each of those is read in a fresh
  process (see :mod:`adcompare.measure.cell`).
"""

from __future__ import annotations

import resource
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

import jax

from adcompare.primitives import nbytes


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


def rss_peak() -> int:
    """This process's peak resident set size, in bytes."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb if sys.platform == "darwin" else kb * 1024
