"""Checkpointing: a reverse sweep recomputes what it would otherwise keep.

    step = ad.checkpoint(step)              # its internals are recomputed in the reverse sweep
    for i in ad.checkpointed_range(n):      # SCT: the loop's state kept every √n iterations

Contract:

* :func:`checkpoint` makes a custom function (:mod:`adcompare.custom`) whose
  rule is the recompute rule. Under a reverse-mode tape a call's value is the
  function's under a fresh engine of that kind, whose tape is dropped (so this level keeps none of its
  internals, and a custom function inside is taken where it would be without the checkpoint); its
  pull-back keeps only the inputs and, per cotangent, re-runs
  the function under a fresh engine of the kind that recorded the call, then
  sweeps that short tape. Anywhere else (forward mode, operation counting) the
  function simply runs on the active values; on JAX values it is
  ``jax.checkpoint`` of it, so ``jax.grad`` of the same source gives the oracle.
  The SCT engine transforms a checkpointed function that has Python source
  and emits its recomputation in the adjoint code.
* :func:`checkpointed_range` is ``range`` everywhere; the SCT engine's reverse
  mode cuts such a loop into :func:`segments` and keeps only the loop-carried
  state at the start of each.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import jax
from jax.tree_util import tree_leaves

from adcompare.concrete import user_location
from adcompare.custom import CustomFunction
from adcompare.custom_outputs import pack, unpacked
from adcompare.engine import partial_args
from adcompare.primitives import Box
from adcompare.tape_engine import default_tape_engine, tape_engine


class Checkpointed(CustomFunction):
    """A function whose internals a reverse sweep recomputes instead of keeping."""

    kind = "checkpoint"
    refuses_containers = False  # a differentiated value inside a container operand: it just runs, not recomputed

    def __call__(self, *args, **kwargs):
        params = self._signature.parameters if self._signature is not None else {}
        if any(k not in params or params[k].kind is params[k].KEYWORD_ONLY for k in kwargs):
            return self.fun(*args, **kwargs)  # keyword-only or **kwargs: it runs as it is, not recomputed (JAX's
        return super().__call__(*args, **kwargs)  # checkpoint takes them; a custom rule's cannot)

    def bind(self, top: Box, operands: tuple, static: tuple) -> Any:
        engine = tape_engine(top._trace)
        if engine is None:  # only a reverse-mode tape has anything to save: the function just runs
            return self.fun(*self.full_args(operands, static))
        for value in closure_values(self.fun):  # its recomputation would read a finished value
            if any(isinstance(v, Box) and v._trace is top._trace for v in tree_leaves(value)):
                raise NotImplementedError(f"checkpoint of {self.__name__!r}, which closes over a differentiated "
                                          f"value (at {user_location()}): not supported by the tape engines; pass "
                                          "the value as an argument")
        return unpacked(self.prim(*operands, static=static, engine=engine))

    def value_and_vjp(self, active, *operands, static=(), engine=None):
        # the value as the engine that took the call computes it (a custom function inside taken there, its rule's
        # operations differentiated exactly by the levels below, as without the checkpoint); its tape is dropped
        ans = self._swept(active, operands, static, engine)[0]
        return ans, self.vjp(active, ans, *operands, static=static, engine=engine)

    def vjp(self, active, ans, *operands, static=(), engine=None):
        def recompute(g):  # keeps the inputs only
            on, pullback = self._swept(active, operands, static, engine)[1:]
            bars = dict(zip(on, pullback(g)))
            return tuple(bars.get(k) for k in range(len(operands)))

        return recompute

    def _swept(self, active, operands: tuple, static: tuple, engine) -> tuple:
        """(value, active positions, pull-back) of the function run under a fresh engine of the kind that
        recorded the call (its tape goes with the pull-back)."""
        on = tuple(k for k, a in enumerate(active) if a)
        f = partial_args(lambda *xs: pack(self.fun(*self.full_args(xs, static))), operands, on)
        value, pullback = (engine or default_tape_engine())().vjp(f, *(operands[k] for k in on))
        return value, on, pullback

    def jvp(self, tangents, ans, *operands, static=(), engine=None):
        on = tuple(k for k, t in enumerate(tangents) if t is not None)
        f = partial_args(lambda *xs: pack(self.fun(*self.full_args(xs, static))), operands, on)
        return default_tape_engine()().jvp(f, tuple(operands[k] for k in on), tuple(tangents[k] for k in on))[1]

    def jax_function(self) -> Callable:
        return jax.checkpoint(self.fun, static_argnums=self.static_argnums)


def closure_values(fn: Any) -> list:
    """The values ``fn``'s closure holds (an empty cell as None)."""
    out = []
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            out.append(cell.cell_contents)
        except ValueError:  # an empty cell
            out.append(None)
    return out


def checkpoint(fun: Callable, static_argnums: Sequence[int] = ()) -> Checkpointed:
    """``fun``, checkpointed: a reverse sweep recomputes its internals instead of keeping them.

    Args:
        fun: the function; it may return a flat tuple of arrays.
        static_argnums: positions of arguments that are never differentiated
            (loop bounds, step sizes): JAX needs them to be hashable constants.
    """
    return Checkpointed(fun, static_argnums)


def checkpointed_range(*args: int, every: int | None = None) -> range:
    """``range(*args)``, marked for loop checkpointing by the SCT engine's reverse mode.

    ``for i in ad.checkpointed_range(n):`` is an ordinary loop everywhere (plain
    Python, ``jax.grad``, the tape engines). The SCT engine recognizes the call
    (by identity, so any alias works) on a loop that is not inside another loop
    and has no ``break``: its forward sweep keeps only the loop-carried state at
    the start of every segment of ``every`` iterations, and its reverse sweep
    recomputes each segment from that state (saving as usual, for that segment
    only) before sweeping it back.

    Args:
        args: as for ``range``.
        every: iterations per segment; default √n rounded (n the trip count).
    """
    _check_every(every)
    return range(*args)


def segments(r: range, every: int | None) -> list[range]:
    """A checkpointed loop's range cut into segments of ``every`` iterations (default √n)."""
    if every is None:
        every = max(1, round(math.sqrt(len(r))))
    _check_every(every)
    return [r[k:k + every] for k in range(0, len(r), every)]


def _check_every(every: int | None) -> None:
    if every is not None and every < 1:
        raise ValueError(f"checkpointed_range: every must be a positive number of iterations, not {every}")
