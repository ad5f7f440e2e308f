"""Staging costs: SCT's source transform, and ``jax.jit``'s trace, lowering and compile, of ``grad``.

Contract: :func:`measure` takes a :class:`~adcompare.measure.cell.Cell` of kind
``staging`` and returns one row: the first eager call, the steady eager call,
SCT's uncached transform (tool ``sct``), and the trace, lower and compile times
of ``jax.jit`` of the tool's grad from JAX's ahead-of-time API, then the steady
jitted call and the calls after which staging pays for itself. Inputs are JAX
arrays. :func:`measure_length` (kind ``transform-length``) times SCT's transform
against function length on generated sources (:mod:`adcompare.measure.longsource`),
with the peak memory the transform allocates (tracemalloc, a second transform).
:func:`measure_jit` (kind ``jit-stages``) times the trace, lowering and compile of
any staged tool's derivative (``<engine>[:<variant>]+jit``, ``jax+jit``,
``jax+scan``; :mod:`adcompare.measure.tools`) and its steady call, with a status
(``unsupported`` where the tool raised ``NotImplementedError``) and, with
``options={"check": ...}``, its error against JAX (:func:`adcompare.measure.costs.check`).
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc

import jax

import adcompare as ad
from adcompare import workloads
from adcompare.engine import partial_args
from adcompare.engines.sct import transform
from adcompare.measure import costs, longsource, tools
from adcompare.measure.cell import Cell, failure, machine
from adcompare.measure.timing import time_call
from adcompare.oracle import form


def measure(cell: Cell) -> list[dict]:
    """Stage times and steady times of grad for ``cell.tool`` on ``cell.problem`` at ``cell.size`` (JAX inputs)."""
    problem, size, tool, samples, min_sample_s = cell.problem, cell.size, cell.tool, cell.samples, cell.min_sample_s
    w = workloads.get(problem)
    args = w.inputs(size, 0, "jax")
    nums = w.argnums
    api = jax if tool == "jax" else ad.engine(tool)
    f = partial_args(w.natural if tool == "jax" else form(api, w), args, nums)
    active = tuple(args[i] for i in nums)
    every = tuple(range(len(active)))
    row = {"problem": problem, "size": size, "tool": tool}
    try:
        start = time.perf_counter()
        first = api.grad(f, every)(*active)  # eager, first call: SCT transforms here
        jax.block_until_ready(first)
        row["eager_first_s"] = time.perf_counter() - start
        row["eager_s"] = time_call(lambda: api.grad(f, every)(*active), samples, min_sample_s).median
        if tool == "sct":  # the source transform alone, uncached, through the engine's own API
            api.clear_cache()
            start = time.perf_counter()
            api.transform(w.natural, "reverse", nums)
            row["transform_s"] = time.perf_counter() - start
        else:
            row["transform_s"] = None
        compiled = _stage(jax.jit(api.grad(f, every)), active, row)
        row["jit_s"] = time_call(lambda: compiled(*active), samples, min_sample_s).median
        gain = row["eager_s"] - row["jit_s"]
        staging = row["trace_s"] + row["lower_s"] + row["compile_s"]
        row["break_even_calls"] = staging / gain if gain > 0 else None
    except Exception as exc:
        row["note"] = f"{type(exc).__name__}: {exc}"[:200]
    return [row]


def _stage(jitted, active: tuple, row: dict):
    """``jitted`` traced, lowered and compiled for ``active`` (JAX's ahead-of-time API), each stage's
    seconds written into ``row`` as ``trace_s``, ``lower_s`` and ``compile_s``; the compiled function."""
    start = time.perf_counter()
    traced = jitted.trace(*active)
    row["trace_s"] = time.perf_counter() - start
    start = time.perf_counter()
    lowered = traced.lower()
    row["lower_s"] = time.perf_counter() - start
    start = time.perf_counter()
    compiled = lowered.compile()
    row["compile_s"] = time.perf_counter() - start
    return compiled


def measure_jit(cell: Cell) -> list[dict]:
    """Trace, lower and compile seconds of ``jax.jit`` of ``cell.tool``'s derivative, then its steady call."""
    w = workloads.get(cell.problem)
    row = {**cell.row(), "backend": "jax", "device": jax.devices()[0].platform, **machine()}
    try:
        prepared = tools.prepare(cell.tool, w, w.inputs(cell.size, cell.seed, "jax"), cell.mode, cell.seed)
        if prepared.jitted is None:
            raise ValueError(f"tool {cell.tool!r} is not staged by jax.jit")
        jitted, active = prepared.jitted
        compiled = _stage(jitted, active, row)
        row["staging_s"] = row["trace_s"] + row["lower_s"] + row["compile_s"]
        row["jit_s"] = time_call(lambda: compiled(*active), cell.samples, cell.min_sample_s).median
        row["status"] = "ok"
        costs.check(row, lambda: compiled(*active), w, cell)
    except tools.ToolUnavailable as exc:
        row.update(status="skipped", note=str(exc))
    except Exception as exc:
        row.update(failure(exc))
    return [row]


def measure_length(cell: Cell) -> list[dict]:
    """SCT transform time and peak traced memory of generated functions: ``options`` gives the
    ``sizes``, the ``modes`` and the ``kind`` ("straight-line" or "expression")."""
    sizes, modes = cell.options["sizes"], cell.options["modes"]
    kind, seed = cell.options.get("kind", "straight-line"), cell.seed
    make = longsource.straight_line if kind == "straight-line" else longsource.one_expression
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            name = f"{kind.replace('-', '_')}_{n}"
            try:
                f = longsource.load(make(n, seed, name), name, folder)
            except RecursionError as exc:  # CPython's own compiler, importing the generated source
                rows.append({"kind": kind, "size": n, "note": f"Python cannot import it: {exc}"[:200]})
                continue
            for mode in modes:
                row = {"kind": kind, "size": n, "mode": mode}
                try:
                    transform.clear_cache()
                    start = time.perf_counter()
                    entry = transform.transform(f, mode, (0, 1))
                    row["transform_s"] = time.perf_counter() - start
                    row["generated_lines"] = entry.source.count("\n")
                    transform.clear_cache()
                    tracemalloc.start()
                    transform.transform(f, mode, (0, 1))
                    row["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
                    tracemalloc.stop()
                except Exception as exc:
                    row["note"] = f"{type(exc).__name__}: {exc}"[:200]
                rows.append(row)
    transform.clear_cache()
    return rows
