"""Per-operation overhead: the same ``chain`` of N scalar operations on each base a value can live on.

Contract: :func:`measure` takes a :class:`~adcompare.measure.cell.Cell` of kind
``overhead`` (``tool``; ``options["n"]``, the chain length; the timing budget)
and returns one row per base the tool supports: seconds per operation of f,
forward mode (jvp) and reverse mode (grad). The bases are :data:`BASES`: a
Python float, a NumPy scalar, a NumPy array of 100 (the chain summed), a JAX
eager value, and ``jax.jit`` (:data:`JIT_OPS` operations, since jit unrolls the
loop). Tool ``python`` is the floor: the chain in plain Python with ``math``.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare import workloads
from adcompare.measure.cell import Cell
from adcompare.measure.timing import time_call
from adcompare.measure.tools import ToolUnavailable, prepare, to_torch
from adcompare.workloads.chain import program

BASES = ("float", "numpy scalar", "numpy array[100]", "jax eager", "jax.jit")
JIT_OPS = 200  # jit unrolls the chain: compile time grows with N, run time per op does not


def _base_value(base: str):
    import jax.numpy as jnp

    return {"float": 0.3, "numpy scalar": np.float64(0.3), "numpy array[100]": np.full(100, 0.3),
            "jax eager": jnp.asarray(0.3), "jax.jit": jnp.asarray(0.3)}[base]


def _plain_chain(x, codes, consts):
    """The chain in plain Python and math: the floor no mechanism can beat."""
    for op, c in zip(codes, consts):
        if op == 0:
            x = math.sin(x)
        elif op == 1:
            x = x * c
        elif op == 2:
            x = x + c
        elif op == 3:
            x = x * x
        else:
            x = math.exp(x) * c
    return x


def measure(cell: Cell) -> list[dict]:
    """Rows of seconds per op for ``cell.tool`` on every base it supports (``options["n"]`` operations)."""
    tool, n, samples, min_sample_s = cell.tool, cell.options["n"], cell.samples, cell.min_sample_s
    w = workloads.get("chain")
    rows = []
    for base in BASES:
        ops = JIT_OPS if base == "jax.jit" else n
        codes, consts = program(ops)
        x = _base_value(base)
        if not _supports(tool, base):
            continue
        try:
            if tool == "python":
                if base != "float":
                    continue
                t = time_call(lambda: _plain_chain(x, codes, consts), samples, min_sample_s)
                rows.append(dict(tool=tool, base=base, n=ops, f=t.median / ops))
                continue
            summed = base == "numpy array[100]"
            source = _summed(w, tool) if summed else None
            timings, notes = {}, []
            for mode in ("jvp", "grad"):
                args = (x, codes, consts)
                if tool == "torch":
                    args = to_torch(args)
                target = tool + ("+jit" if base == "jax.jit" and tool != "jax" else "")
                if base == "jax.jit" and tool == "jax":
                    target = "jax+jit"
                try:
                    prepared = prepare(target, source or w, args, mode)
                except ToolUnavailable as exc:
                    notes.append(str(exc))
                    continue
                timings["f"] = time_call(prepared.primal, samples, min_sample_s).median / ops
                timings[mode] = time_call(prepared.derivative, samples, min_sample_s).median / ops
            timings["note"] = "; ".join(notes)
            rows.append(dict(tool=tool, base=base, n=ops, **timings))
        except Exception as exc:  # a tool that cannot do a base is a row that says why
            rows.append(dict(tool=tool, base=base, n=ops, note=f"{type(exc).__name__}: {exc}"[:160]))
    return rows


def _supports(tool: str, base: str) -> bool:
    if tool == "autograd":
        return base in ("float", "numpy scalar", "numpy array[100]")
    if tool == "torch":
        return base in ("float", "numpy array[100]")
    if tool == "jax":
        return base in ("jax eager", "jax.jit")
    return True


def _summed(w, tool: str):
    """The chain applied elementwise to an array, summed to a scalar for grad."""
    def chain_sum(x, codes, consts):
        return anp.sum(w.natural(x, codes, consts))

    def chain_sum_elemental(x, codes, consts):
        return el.sum(w.elemental(x, codes, consts))

    return replace(w, natural=chain_sum, elemental=chain_sum_elemental)
