"""One measurement cell: what to measure, as plain data that travels to a fresh process.

A :class:`Cell` says what to measure: its ``kind`` (a key of :data:`KINDS`),
the tool, the problem, the size (a workload's size name, or a raw size value
such as ``(2, 14, 64)``), the mode and the backend, plus the timing budget,
kind-specific ``options`` and ``tags`` that are copied into every row it gives
(a sweep's length, a checkpointing schedule), so no one parses a size back.
:mod:`adcompare.measure.fresh` sends cells to :mod:`adcompare.measure.worker`
in a fresh process; :func:`machine` describes where they ran, and
:func:`failure` how a cell that raised is recorded.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import platform
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

SETTINGS_ENV = {
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "1073741824",
}


@dataclass
class Cell:
    """What to measure. ``size`` is a size name or a raw size value; ``label`` names it in rows."""

    kind: str = "bench"
    tool: str = ""
    problem: str = ""
    size: Any = "tiny"
    mode: str = "grad"
    backend: str = "numpy"
    seed: int = 0
    samples: int = 7
    min_sample_s: float = 0.05
    options: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)
    shared_process: bool = False  # set by the driver when cells of one tool share a process

    @property
    def label(self) -> str:
        """The size as rows name it: the size name, or a raw value's numbers joined by 'x'."""
        if isinstance(self.size, str):
            return self.size
        return "x".join(map(str, self.size)) if isinstance(self.size, (list, tuple)) else str(self.size)

    def row(self) -> dict:
        """The columns every row of this cell starts with."""
        return {"tool": self.tool, "problem": self.problem, "size": self.label, "mode": self.mode,
                "backend": self.backend, **self.tags}

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def failure(exc: BaseException) -> dict[str, str]:
    """The status and note of a cell that raised: ``unsupported`` for what a tool does not do (it raised
    ``NotImplementedError``, as an engine option not built yet or an SCT refusal does), else ``error``."""
    status = "unsupported" if isinstance(exc, NotImplementedError) else "error"
    return {"status": status, "note": f"{type(exc).__name__}: {exc}"[:300]}


def machine() -> dict[str, str]:
    """CPU model, GPU name, library versions, date, and the settings in force."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import jax

    dev = jax.devices()[0]
    info = {"cpu": cpu, "gpu": dev.device_kind if dev.platform == "gpu" else "",
            "python": platform.python_version(),
            "settings": ";".join(f"{k}={os.environ.get(k, '')}" for k in SETTINGS_ENV),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    for lib in ("numpy", "jax", "jaxlib", "autograd", "torch"):
        try:
            info[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            info[lib] = ""
    return info
