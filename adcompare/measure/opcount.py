"""Operation counts: primitive applications in f, in jvp, and in vjp.

Operators on raw NumPy values never reach a primitive, so functions are run
on :class:`Counted` boxes: a level that does nothing but pass each primitive
through, so every operator and vocabulary call is counted, whichever engine's
form it is written in and whichever engine differentiates it.
This is a deterministic cost, to hold against the cheap-gradient bounds
(forward about 2-2.5 ops(f), reverse about 3-4 ops(f)).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adcompare.operators import Operators
from adcompare.primitives import Box, Primitive, Trace, count_ops, new_level, primal


class Counted(Operators, Box):
    __slots__ = ("primal",)

    def __init__(self, trace: Trace, value: Any):
        self.trace, self.primal = trace, value

    @property
    def value(self) -> Any:
        return self.primal


class PassThrough(Trace):
    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        values = [a.primal if isinstance(a, Counted) and a.trace is self else a for a in args]
        return Counted(self, prim(*values, **params))


def count(f: Callable, args: tuple, active: tuple[int, ...]):
    """The :class:`~adcompare.primitives.OpLog` of ``f(*args)``, with ``active`` args boxed.

    ``f`` may be the function itself or a derivative of it (``eng.grad(f)``):
    boxing the inputs makes even native arithmetic in generated code (SCT on
    floats) go through primitives, so every engine is counted the same way.
    """
    with new_level() as level, count_ops() as log:
        trace = PassThrough(level)
        boxed = [Counted(trace, a) if i in active else a for i, a in enumerate(args)]
        _strip(f(*boxed))
    return log


def _strip(out: Any) -> Any:
    return tuple(_strip(o) for o in out) if isinstance(out, tuple) else primal(out)
