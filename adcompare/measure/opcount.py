"""Operation counts: primitive applications in f, in jvp, and in vjp, as a trace.

Counting needs no hook in the core. :func:`count` opens a level *below* every
level the function (or the engine differentiating it) will open, and boxes the
active inputs as :class:`Counted` values of it. Every primitive that touches a
value derived from an input then reaches :class:`CountingTrace`, whichever
engine's form the source is written in and whichever engine differentiates it
(even native arithmetic in SCT's generated code on floats goes through a
primitive on a box); the trace logs the primitive and the bytes of its result,
and applies it one level down. The seeds of a jvp or a grad are counted
values too (:func:`count_derivative`). Applications on constants alone (values
no input or seed reaches, such as ``el.negative(1.0)``) are not counted: they
are not part of f's or the derivative's dataflow. This is a deterministic cost, to hold against the cheap-gradient
bounds (forward about 2-2.5 ops(f), reverse about 3-4 ops(f)).

The log belongs to the trace, and levels are per thread, so threads counting
at once count only their own work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

import adcompare as ad
from adcompare import workloads
from adcompare.engine import partial_args
from adcompare.measure.cell import Cell
from adcompare.measure.modes import derivative_of
from adcompare.operators import Operators
from adcompare.oracle import form, like
from adcompare.primitives import Box, Primitive, Trace, constant_like, new_level, primal


def nbytes(x: Any) -> int:
    """Bytes of an array's data (8 for a Python float or int)."""
    if type(x) in (float, int):
        return 8
    n = getattr(x, "nbytes", None)
    return int(n) if n is not None else np.asarray(x).nbytes


class OpLog(Counter):
    """Primitive applications by name, and ``bytes_out``: the bytes of their results."""

    bytes_out: int = 0

    def record(self, name: str, out: Any) -> None:
        self[name] += 1
        self.bytes_out += nbytes(primal(out))

    @property
    def total(self) -> int:
        return sum(self.values())


class Counted(Operators, Box):
    __slots__ = ("primal",)

    def __init__(self, trace: Trace, value: Any):
        self._trace, self.primal = trace, value

    @property
    def value(self) -> Any:
        return self.primal


class CountingTrace(Trace):
    """Logs each primitive it processes in ``self.log``, then applies it one level down."""

    def __init__(self, level: int):
        super().__init__(level)
        self.log = OpLog()

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        values = [a.primal if isinstance(a, Counted) and a._trace is self else a for a in args]
        out = prim(*values, **params)
        self.log.record(prim.name, out)
        return Counted(self, out)

    def constant(self, value: Any) -> Counted:  # anp.zeros_like(x) of a counted x, written into by index
        return Counted(self, value)


def count(f: Callable, args: tuple, active: tuple[int, ...]) -> OpLog:
    """The :class:`OpLog` of ``f(*args)``, with the ``active`` positions of ``args`` counted.

    ``f`` may be the function itself or a derivative of it (``eng.grad(f)``):
    the counting level sits below the derivative's own levels.
    """
    return _count(lambda trace, boxed: f(*boxed), args, active)


def count_derivative(api: Any, source: Callable, args: tuple, nums: tuple, mode: str, rng) -> OpLog:
    """The :class:`OpLog` of ``mode``'s derivative of ``source`` (through ``api``) at ``args``.

    For ``jvp`` and ``grad`` the seeds (the tangents; the output's cotangent 1)
    are counted values too, as the inputs are, so the work done on them alone
    counts; the other modes' seeds (basis vectors) are the engine's constants.
    """

    def derivative(trace: CountingTrace, xs: list) -> Any:
        f, active = partial_args(source, xs, nums), tuple(xs[i] for i in nums)
        if mode == "jvp":
            tangents = tuple(Counted(trace, like(primal(a), rng.normal(size=np.shape(a)))) for a in active)
            return api.jvp(f, active, tangents)
        if mode == "grad":
            y, f_vjp = api.vjp(f, *active)
            return f_vjp(Counted(trace, constant_like(y, 1.0)))
        return derivative_of(api, f, active, mode, rng)()

    return _count(derivative, args, nums)


def _count(run: Callable, args: tuple, active: tuple[int, ...]) -> OpLog:
    with new_level() as level:
        trace = CountingTrace(level)
        boxed = [Counted(trace, a) if i in active else a for i, a in enumerate(args)]
        _strip(run(trace, boxed))
    return trace.log


def measure(cell: Cell) -> list[dict]:
    """Kind ``opcounts``: one row of the applications in f, and in its jvp and grad, and their ratios to f.

    ``cell.tool`` is one of our engines; it differentiates its own source form.
    """
    eng, w = ad.engine(cell.tool), workloads.get(cell.problem)
    args, nums = w.inputs(cell.size), w.argnums
    source = form(eng, w)
    row = {"engine": cell.tool, "problem": cell.problem, "size": cell.label}
    try:
        row["ops_f"] = count(source, args, nums).total
    except Exception as exc:  # a cell that cannot be counted is a row that says why
        return [dict(row, note_f=f"{type(exc).__name__}: {exc}"[:160])]
    for mode in ("jvp", "grad"):
        try:
            row[f"ops_{mode}"] = count_derivative(eng, source, args, nums, mode, np.random.default_rng(0)).total
            row[f"{mode}_ratio"] = row[f"ops_{mode}"] / row["ops_f"]
        except Exception as exc:
            row[f"note_{mode}"] = f"{type(exc).__name__}: {exc}"[:160]
    return [row]


def _strip(out: Any) -> Any:
    return tuple(_strip(o) for o in out) if isinstance(out, tuple) else primal(out)
