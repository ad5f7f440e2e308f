"""The costs of one derivative: time, kept bytes, op counts and peaks of a (tool, problem, size, mode) cell.

Contract: :func:`measure` takes a :class:`~adcompare.measure.cell.Cell` of kind
``bench`` and returns one row with every column of :data:`COLUMNS`; it never
raises (a peer that is missing gives a ``skipped`` row with a note, what a tool
does not do an ``unsupported`` row, a failure an ``error`` row). With
``options={"check": True}`` (or the name of a JAX tool, e.g. ``"jax+scan"``) the
derivative is also held against JAX's (:func:`check`): ``max_error`` is the
oracle's scaled error, and a cell over :data:`adcompare.oracle.TOLERANCE` is
``wrong``. Kind ``peak-primal`` or ``peak-derivative`` runs only that one
computation and reports its peak (device ``memory_stats`` or RSS), because
those peaks never go down within a process: each is measured in a process of
its own (:func:`adcompare.measure.bench.with_peaks`).
"""

from __future__ import annotations

import traceback
from typing import Any

import numpy as np

from adcompare import workloads
from adcompare.measure import footprint, timing, tools
from adcompare.measure.cell import Cell, failure, machine
from adcompare.measure.opcount import count
from adcompare.oracle import TOLERANCE, max_error

COLUMNS = (
    "tool", "problem", "size", "params", "mode", "backend", "device", "dtype", "status", "note",
    "primal_s", "primal_q1_s", "primal_q3_s", "derivative_s", "derivative_q1_s", "derivative_q3_s",
    "ratio", "setup_s", "primal_setup_s", "calls", "samples", "gc_s",
    "kept_bytes", "intermediate_bytes", "kept_ratio",
    "primal_peak_bytes", "derivative_peak_bytes", "peak_ratio", "peak_method",
    "ops_f", "ops_derivative", "ops_ratio", "max_error",
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
        check(row, prepared.derivative, w, cell)
    except tools.ToolUnavailable as exc:
        row.update(status="skipped", note=str(exc))
    except Exception as exc:  # a failing cell is data too: report it, never crash the run
        row.update(failure(exc))
        if cell.options.get("verbose"):
            traceback.print_exc()
    return [row]


def check(row: dict, derivative, w, cell: Cell) -> None:
    """With ``cell.options["check"]``: ``row``'s ``max_error`` of ``derivative()`` against JAX's, and
    status ``wrong`` over the oracle's tolerance (``row`` has status ``ok`` before)."""
    against = cell.options.get("check")
    if not against:
        return
    ref = tools.reference(w, cell.size, cell.mode, cell.seed, against if isinstance(against, str) else "jax")
    row["max_error"] = max_error(_plain(derivative()), _plain(ref))
    if not row["max_error"] < TOLERANCE:
        row.update(status="wrong", note=f"max scaled error {row['max_error']:.2e} against JAX")


def _plain(x: Any) -> Any:
    """A derivative as NumPy arrays in (nested) tuples, whatever tool made it (torch tensors included)."""
    if isinstance(x, (tuple, list)):
        return tuple(_plain(v) for v in x)
    if hasattr(x, "detach"):
        x = x.detach().cpu()
    return np.asarray(x)


def _device(backend: str) -> str:
    if backend == "torch":
        return tools.torch_device() if tools.available("torch") else ""
    if backend == "jax":
        import jax

        return jax.devices()[0].platform
    return "cpu"


def _peak(row: dict, prepared, kind: str) -> dict:
    """The peak of one computation: torch's CUDA allocator for torch on a GPU (JAX's ``memory_stats``
    never sees torch's tensors), else JAX's device ``memory_stats`` where it reports one (since the
    process began: a first call's compile included), else the process's RSS growth."""
    fn = prepared.primal if kind == "peak-primal" else prepared.derivative
    if row.get("backend") == "torch" and tools.torch_device() == "cuda":
        peak, method = footprint.torch_cuda_peak(lambda: timing.block(fn())), "torch.cuda.max_memory_allocated"
    else:
        device = footprint.device_peak()
        before = footprint.rss_peak()
        timing.block(fn())
        peak = footprint.device_peak() if device is not None else footprint.rss_peak() - before
        method = "memory_stats" if device is not None else "ru_maxrss"
    key = "primal_peak_bytes" if kind == "peak-primal" else "derivative_peak_bytes"
    row.update({key: peak, "peak_method": method, "status": "ok"})
    return row
