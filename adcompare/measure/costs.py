"""The costs of one derivative: time, kept bytes, op counts and peaks of a (tool, problem, size, mode) cell.

Contract: :func:`measure` takes a :class:`~adcompare.measure.cell.Cell` of kind
``bench`` and returns one row with every column of :data:`COLUMNS`; it never
raises (a peer that is missing gives a ``skipped`` row with a note, a failure an
``error`` row). Kind ``peak-primal`` or ``peak-derivative`` runs only that one
computation and reports its peak (device ``memory_stats`` or RSS), because
those peaks never go down within a process: each is measured in a process of
its own (:func:`adcompare.measure.bench.with_peaks`).
"""

from __future__ import annotations

import traceback
from typing import Any

from adcompare import workloads
from adcompare.measure import footprint, timing, tools
from adcompare.measure.cell import Cell, machine
from adcompare.measure.opcount import count

COLUMNS = (
    "tool", "problem", "size", "params", "mode", "backend", "device", "dtype", "status", "note",
    "primal_s", "primal_q1_s", "primal_q3_s", "derivative_s", "derivative_q1_s", "derivative_q3_s",
    "ratio", "setup_s", "primal_setup_s", "calls", "samples", "gc_s",
    "kept_bytes", "intermediate_bytes", "kept_ratio",
    "primal_peak_bytes", "derivative_peak_bytes", "peak_ratio", "peak_method",
    "ops_f", "ops_derivative", "ops_ratio",
    "cpu", "gpu", "python", "numpy", "jax", "jaxlib", "autograd", "torch", "settings", "date",
)


def ratio(a: Any, b: Any) -> float | None:
    return a / b if a is not None and b else None


def measure(cell: Cell) -> list[dict]:
    """One row: the costs of ``cell``'s derivative against its primal (see the module docstring)."""
    w = workloads.get(cell.problem)
    backend = tools.backend_of(cell.tool, cell.backend)
    row = cell.row()
    row.update(backend=backend, dtype="float64", params=w.parameter_count(cell.size),
               device=_device(backend), **machine())
    if cell.shared_process:
        row["settings"] += ";shared_process=1"  # quick runs: cells of one tool share a process
    try:
        numpy_args = w.inputs(cell.size, cell.seed, "numpy")
        args = (w.inputs(cell.size, cell.seed, "jax") if backend == "jax" else
                tools.to_torch(numpy_args) if backend == "torch" else numpy_args)
        prepared = tools.prepare(cell.tool, w, args, cell.mode, cell.seed)
        if cell.kind != "bench":
            return [_peak(row, prepared, cell.kind)]
        primal_first, _ = timing.time_once(prepared.primal)
        derivative_first, _ = timing.time_once(prepared.derivative)
        kw = {"samples": cell.samples, "min_sample_s": cell.min_sample_s}
        t_f = timing.time_call(prepared.primal, **kw)
        t_d = timing.time_call(prepared.derivative, **kw)
        row.update(primal_s=t_f.median, primal_q1_s=t_f.q1, primal_q3_s=t_f.q3,
                   derivative_s=t_d.median, derivative_q1_s=t_d.q1, derivative_q3_s=t_d.q3,
                   ratio=ratio(t_d.median, t_f.median), calls=t_d.calls, samples=t_d.samples,
                   gc_s=t_d.gc_seconds,
                   setup_s=max(derivative_first - t_d.median, 0.0),
                   primal_setup_s=max(primal_first - t_f.median, 0.0))
        intermediate = count(w.natural, numpy_args, w.argnums).bytes_out
        kept = prepared.kept_bytes() if cell.mode == "grad" else None
        row.update(kept_bytes=kept, intermediate_bytes=intermediate, kept_ratio=ratio(kept, intermediate))
        if backend == "numpy":
            peak_f = footprint.traced_peak(prepared.primal)
            peak_d = footprint.traced_peak(prepared.derivative)
            row.update(primal_peak_bytes=peak_f, derivative_peak_bytes=peak_d,
                       peak_ratio=ratio(peak_d, peak_f), peak_method="tracemalloc")
        if prepared.op_counts is not None:
            ops_f, ops_d = prepared.op_counts()
            row.update(ops_f=ops_f.total, ops_derivative=ops_d.total, ops_ratio=ratio(ops_d.total, ops_f.total))
        row["status"] = "ok"
    except tools.ToolUnavailable as exc:
        row.update(status="skipped", note=str(exc))
    except Exception as exc:  # a failing cell is data too: report it, never crash the run
        row.update(status="error", note=f"{type(exc).__name__}: {exc}"[:300])
        if cell.options.get("verbose"):
            traceback.print_exc()
    return [row]


def _device(backend: str) -> str:
    if backend == "torch":
        return tools.torch_device()
    if backend == "jax":
        import jax

        return jax.devices()[0].platform
    return "cpu"


def _peak(row: dict, prepared, kind: str) -> dict:
    fn = prepared.primal if kind == "peak-primal" else prepared.derivative
    device = footprint.device_peak()
    before = footprint.rss_peak()
    timing.block(fn())
    peak = footprint.device_peak() if device is not None else footprint.rss_peak() - before
    key = "primal_peak_bytes" if kind == "peak-primal" else "derivative_peak_bytes"
    row.update({key: peak, "peak_method": "memory_stats" if device is not None else "ru_maxrss",
                "status": "ok"})
    return row
