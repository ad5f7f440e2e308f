"""The child side of the one subprocess protocol: measure cells, print their rows.

    python -m adcompare.measure.worker '[{"kind": "bench", "tool": "sct", "problem": "gmm", ...}, ...]'

runs each :class:`~adcompare.measure.cell.Cell` in turn in this one process
and prints ``ROWS <k> [json rows]`` for the k-th (the parent side is
:mod:`adcompare.measure.fresh`). A cell's ``kind`` picks its measuring function
from :data:`KINDS`, all in :mod:`adcompare.measure`; nothing is imported by a
name sent from above.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from adcompare.measure import costs, opcount, overhead, staging
from adcompare.measure.cell import Cell

KINDS: dict[str, Callable[[Cell], list[dict]]] = {
    "bench": costs.measure,  # time, kept bytes, op counts and tracemalloc peaks of a derivative
    "peak-primal": costs.measure,  # the device or RSS peak of f alone (peaks only grow in a process)
    "peak-derivative": costs.measure,  # ... of the derivative alone
    "overhead": overhead.measure,  # per-operation time on the chain, by base
    "staging": staging.measure,  # trace, lower, compile and transform times of grad
    "jit-stages": staging.measure_jit,  # trace, lower, compile and run time of a staged tool's derivative
    "transform-length": staging.measure_length,  # SCT transform time against function length
    "opcounts": opcount.measure,  # primitive applications in f, jvp and grad
}


def measure(cell: Cell) -> list[dict]:
    """The rows of one cell, in this process (JAX in float64)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    if cell.kind not in KINDS:
        raise ValueError(f"unknown cell kind {cell.kind!r}; choose from {', '.join(KINDS)}")
    return KINDS[cell.kind](cell)


def main() -> None:
    """Run the cells given as a JSON list, in this one process; print ``ROWS <k> [rows]`` for each."""
    for k, spec in enumerate(json.loads(sys.argv[1])):
        rows = measure(Cell(**spec))
        print(f"ROWS {k} " + json.dumps(rows, default=float), flush=True)


if __name__ == "__main__":
    main()
