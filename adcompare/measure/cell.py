"""One measurement cell, meant to run in a fresh process.

    python -m adcompare.measure.cell '{"tool": "sct", "problem": "gmm", "size": "small",
                                       "mode": "grad", "backend": "numpy"}'

prints one line ``ROW {json}`` with every column of :data:`COLUMNS` (given a
JSON list, it runs each spec in turn in this one process: quick runs use it). With
``"phase": "peak-primal"`` or ``"peak-derivative"`` it only runs that one
computation and reports its peak (device ``memory_stats`` or RSS), because
those peaks never go down within a process.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import traceback
from importlib import metadata
from typing import Any

COLUMNS = (
    "tool", "problem", "size", "params", "mode", "backend", "device", "dtype", "status", "note",
    "primal_s", "primal_q1_s", "primal_q3_s", "derivative_s", "derivative_q1_s", "derivative_q3_s",
    "ratio", "setup_s", "primal_setup_s", "calls", "samples", "gc_s",
    "kept_bytes", "intermediate_bytes", "kept_ratio",
    "primal_peak_bytes", "derivative_peak_bytes", "peak_ratio", "peak_method",
    "ops_f", "ops_derivative", "ops_ratio",
    "cpu", "gpu", "python", "numpy", "jax", "jaxlib", "autograd", "torch", "settings", "date",
)

SETTINGS_ENV = {
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "1073741824",
}


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


def _ratio(a: Any, b: Any) -> float | None:
    return a / b if a is not None and b else None


def run(spec: dict) -> dict:
    """Measure one (tool, problem, size, mode, backend) cell; never raises."""
    import jax

    jax.config.update("jax_enable_x64", spec.get("dtype", "float64") == "float64")
    from adcompare import workloads
    from adcompare.measure import memory, timing, tools

    w = workloads.get(spec["problem"])
    backend = tools.backend_of(spec["tool"], spec.get("backend", "numpy"))
    row = {k: spec.get(k) for k in ("tool", "problem", "size", "mode")}
    size = spec.get("size_value") or spec["size"]  # a sweep gives a raw size value
    row.update(backend=backend, dtype="float64", params=w.parameter_count(size),
               device=_device(backend), **machine())
    if spec.get("shared_process"):
        row["settings"] += ";shared_process=1"  # quick runs: cells of one tool share a process
    try:
        numpy_args = w.inputs(size, spec.get("seed", 0), "numpy")
        args = (w.inputs(size, spec.get("seed", 0), "jax") if backend == "jax" else
                tools.to_torch(numpy_args) if backend == "torch" else numpy_args)
        prepared = tools.prepare(spec["tool"], w, args, spec["mode"], spec.get("seed", 0))
        phase = spec.get("phase", "all")
        if phase != "all":
            return _peak_phase(row, prepared, phase)
        primal_first, _ = timing.time_once(prepared.primal)
        derivative_first, _ = timing.time_once(prepared.derivative)
        kw = {"samples": spec.get("samples", 7), "min_sample_s": spec.get("min_sample_s", 0.05)}
        t_f = timing.time_call(prepared.primal, **kw)
        t_d = timing.time_call(prepared.derivative, **kw)
        row.update(primal_s=t_f.median, primal_q1_s=t_f.q1, primal_q3_s=t_f.q3,
                   derivative_s=t_d.median, derivative_q1_s=t_d.q1, derivative_q3_s=t_d.q3,
                   ratio=_ratio(t_d.median, t_f.median), calls=t_d.calls, samples=t_d.samples,
                   gc_s=t_d.gc_seconds,
                   setup_s=max(derivative_first - t_d.median, 0.0),
                   primal_setup_s=max(primal_first - t_f.median, 0.0))
        from adcompare.measure.opcount import count

        intermediate = count(w.natural, numpy_args, w.argnums).bytes_out
        kept = prepared.kept_bytes() if spec["mode"] == "grad" else None
        row.update(kept_bytes=kept, intermediate_bytes=intermediate, kept_ratio=_ratio(kept, intermediate))
        if backend == "numpy":
            peak_f = memory.traced_peak(prepared.primal)
            peak_d = memory.traced_peak(prepared.derivative)
            row.update(primal_peak_bytes=peak_f, derivative_peak_bytes=peak_d,
                       peak_ratio=_ratio(peak_d, peak_f), peak_method="tracemalloc")
        if prepared.op_counts is not None:
            ops_f, ops_d = prepared.op_counts()
            row.update(ops_f=ops_f.total, ops_derivative=ops_d.total,
                       ops_ratio=_ratio(ops_d.total, ops_f.total))
        row["status"] = "ok"
    except tools.ToolUnavailable as exc:
        row.update(status="skipped", note=str(exc))
    except Exception as exc:  # a failing cell is data too: report it, never crash the run
        row.update(status="error", note=f"{type(exc).__name__}: {exc}"[:300])
        if spec.get("verbose"):
            traceback.print_exc()
    return row


def _device(backend: str) -> str:
    if backend == "torch":
        from adcompare.measure.tools import torch_device

        return torch_device()
    if backend == "jax":
        import jax

        return jax.devices()[0].platform
    return "cpu"


def _peak_phase(row: dict, prepared, phase: str) -> dict:
    from adcompare.measure import memory, timing

    fn = prepared.primal if phase == "peak-primal" else prepared.derivative
    device = memory.device_peak()
    before = memory.rss_peak()
    timing.block(fn())
    peak = memory.device_peak() if device is not None else memory.rss_peak() - before
    key = "primal_peak_bytes" if phase == "peak-primal" else "derivative_peak_bytes"
    row.update({key: peak, "peak_method": "memory_stats" if device is not None else "ru_maxrss",
                "status": "ok"})
    return row


def main() -> None:
    """Run one cell spec, or a list of them in this one process; print a ROW line each."""
    specs = json.loads(sys.argv[1])
    for spec in specs if isinstance(specs, list) else [specs]:
        row = run(spec)
        print("ROW " + json.dumps({k: row.get(k) for k in COLUMNS}), flush=True)


if __name__ == "__main__":
    main()
