"""The problem zoo shared by tests and experiments.

Each :class:`Workload` holds a natural-form function (Python operators and
``adcompare.numpy``), an optional elemental form, and a seeded input generator
for each named size (``tiny`` for tests, ``small``/``medium``/``large`` for
experiments). ``ad.workloads.get(name)`` returns one; ``names()`` lists them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
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


def get(name: str) -> Workload:
    _load()
    if name not in _REGISTRY:
        raise ValueError(f"unknown workload {name!r}; choose one of {', '.join(names())}")
    return _REGISTRY[name]


def names() -> list[str]:
    _load()
    return list(_REGISTRY)


def _load() -> None:
    from adcompare.workloads import (  # noqa: F401  (importing a module registers it)
        basic,
        chain,
        control,
        det,
        gmm,
        helmholtz,
        llsq,
        lse,
        lstm,
        mlp,
        ode,
    )
