"""The workload registry: the :class:`Workload` record, registration, and checkpointed forms.

Workload modules import from here and register themselves; :mod:`adcompare.workloads`
loads them all and looks workloads up by name.
"""


from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

SIZES = ("tiny", "small", "medium", "large")


@dataclass(frozen=True)
class Workload:
    """A differentiable problem.

    Attributes:
        name: registry key.
        natural: the natural-form function ``f(*args)``.
        make_inputs: ``make_inputs(size_value, rng) -> tuple`` of NumPy values
            (Python floats for scalars); constants such as a program or a
            sequence may follow the differentiable arguments.
        sizes: the named sizes, e.g. ``{"tiny": 4, "small": 100, ...}``.
        argnums: positions of the differentiable arguments.
        tags: e.g. ``{"scalar"}``, ``{"array"}``, ``{"control-flow"}``.
        elemental: the elemental-form function, once written.
        scan: the same loss as one ``jax.lax.scan`` (JAX values only), for the JAX
            peer at sizes where ``jax.jit`` of the unrolled loop compiles too slowly.
        base_seed: added to ``seed`` to seed the input generator, so that
            seed 0 draws a suite's own inputs (gmm: GradBench's 31337).
    """

    name: str
    natural: Callable
    make_inputs: Callable
    sizes: dict
    argnums: tuple[int, ...] = (0,)
    tags: frozenset = field(default_factory=frozenset)
    elemental: Callable | None = None
    base_seed: int = 0
    scan: Callable | None = None

    def size_value(self, size) -> Any:
        """A named size's value (``"small"`` -> 100); a raw value (a sweep's point) as it is."""
        if not isinstance(size, str):
            return tuple(size) if isinstance(size, list) else size
        if size not in self.sizes:
            raise ValueError(f"{self.name} has sizes {', '.join(self.sizes)}, not {size!r}")
        return self.sizes[size]

    def inputs(self, size="tiny", seed: int = 0, backend: str = "numpy") -> tuple:
        """Deterministic arguments on ``backend`` ("numpy" or "jax").

        Args:
            size: a named size, or a raw size value such as ``(2, 14, 64)`` for a sweep.
        """
        args = self.make_inputs(self.size_value(size), np.random.default_rng(self.base_seed + seed))
        if backend == "numpy":
            return args
        if backend == "jax":
            import jax.numpy as jnp

            return tuple(jnp.asarray(a) if i in self.argnums else a for i, a in enumerate(args))
        raise ValueError(f"backend must be 'numpy' or 'jax', not {backend!r}")

    def parameter_count(self, size="tiny") -> int:
        args = self.make_inputs(self.size_value(size), np.random.default_rng(0))
        return sum(math.prod(np.shape(args[i])) for i in self.argnums)


_REGISTRY: dict[str, Workload] = {}


def register(workload: Workload) -> Workload:
    _REGISTRY[workload.name] = workload
    return workload


_CHECKPOINTED: dict[str, tuple[Callable, Callable, Callable]] = {}


def register_checkpointed(name: str, natural: Callable, elemental: Callable, steps: Callable) -> None:
    """Checkpointed forms of workload ``name``: they take the segment length after its inputs.

    Args:
        steps: ``steps(size_value)``, the number of loop steps at a size.
    """
    _CHECKPOINTED[name] = (natural, elemental, steps)


def segment_length(schedule: str, steps: int) -> int:
    """Steps per checkpointed segment: ``"step"`` 1, ``"sqrt"`` about √steps, or a number."""
    if schedule == "step":
        return 1
    if schedule == "sqrt":
        return max(1, round(math.sqrt(steps)))
    if schedule.isdigit() and int(schedule) > 0:
        return int(schedule)
    raise ValueError(f"a checkpoint schedule is 'step', 'sqrt' or a number of steps, not {schedule!r}")


def checkpointed(w: Workload, schedule: str) -> Workload:
    """``w`` with its loop cut into checkpointed segments by ``schedule`` (see :func:`segment_length`)."""
    if w.name not in _CHECKPOINTED:
        raise ValueError(f"{w.name} has no checkpointed form; {', '.join(_CHECKPOINTED)} have")
    natural, elemental, steps = _CHECKPOINTED[w.name]
    segment_length(schedule, 1)  # refuse a bad schedule now

    def make_inputs(size, rng) -> tuple:
        return w.make_inputs(size, rng) + (segment_length(schedule, steps(size)),)

    return replace(w, name=f"{w.name}@{schedule}", natural=natural, elemental=elemental,
                   make_inputs=make_inputs)
