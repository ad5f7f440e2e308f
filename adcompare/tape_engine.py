"""The driver shared by the engines that trace at run time (overloading, elemental).

:class:`TapeEngine` implements :class:`~adcompare.engine.Engine`'s two methods
once for every engine that boxes values and records a tape as the function
runs; a subclass names its box, forward trace and tape types. The registry of
tape types lets a rule (a checkpoint's recompute, a custom function's) re-run
code under the mechanism that recorded it. The cycle collector is paused
while a tape grows or is swept.
"""

from __future__ import annotations

import gc
import linecache
import os
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

import jax

from adcompare import numpy as anp
from adcompare.concrete import ConcretizationTypeError, _is_machinery, locate, user_location
from adcompare.engine import Engine
from adcompare.primitives import Box, Primitive, Trace, is_float, new_level
from adcompare.trees import tree_flatten, tree_leaves, tree_unflatten


def split_operands(trace: Trace, args: tuple, field: str) -> tuple[list, list]:
    """The operands one level down, and each one's ``field`` (its tangent, its tape position) on
    ``trace``: ``None`` for a constant or a box of another level."""
    values, fields = [], []
    for a in args:
        if isinstance(a, Box) and a._trace is trace:
            values.append(a.value)
            fields.append(getattr(a, field))
        else:
            values.append(a)
            fields.append(None)
    return values, fields


def _escaped(prim: Primitive, args: tuple, params: dict) -> Any:
    raise TypeError(
        f"{prim.name}: an active value of a derivative that has finished was used at {user_location(2)}. It "
        f"escaped the function being differentiated (kept in a global, a list, an attribute or a closure), so "
        f"its derivative is gone; as JAX's UnexpectedTracerError: return the value instead (has_aux=True to "
        f"return it beside the output), or keep its value only, computed outside the derivative")


def close(trace: Trace) -> None:
    """The end of ``trace``'s level: an escaped box of it, computed with later, raises instead of
    recording onto a finished tape (its level number is reused, and such a value was silently taken
    for a constant or for one of the new level's). Set on the instance: a live trace pays nothing."""
    trace.process = _escaped


def missing_rule(prim: Primitive, mode: str) -> NotImplementedError:
    return NotImplementedError(f"primitive '{prim.name}' has no {mode} rule: it cannot be differentiated")


class _CollectorPause:
    """The process's one cycle collector, paused by any number of threads at once: entering
    counts a pause (the first one records whether the collector ran and disables it), leaving
    uncounts it (the last one re-enables it, only if it ran). One object serves every pause, as
    the count is the process's; a class rather than a generator, as the direct gradient path
    opens one per call."""

    __slots__ = ()
    lock = threading.Lock()
    pausers = 0  # pauses open now, on every thread (nested ones included)
    was_enabled = False  # whether the collector ran before the first of them opened

    def __enter__(self) -> None:
        cls = _CollectorPause
        with cls.lock:
            if cls.pausers == 0:
                cls.was_enabled = gc.isenabled()
                gc.disable()
            cls.pausers += 1

    def __exit__(self, *exc: Any) -> None:
        cls = _CollectorPause
        with cls.lock:
            cls.pausers -= 1
            if cls.pausers == 0 and cls.was_enabled:
                gc.enable()


class _Unpaused:
    """The pause where there is nothing to pause: the collector is off and no pause is open."""

    __slots__ = ()

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        pass


_PAUSE, _NOTHING = _CollectorPause(), _Unpaused()


def cycle_collector_paused() -> _CollectorPause | _Unpaused:
    """Pause Python's cycle collector (if it runs) while a tape grows or is swept (a context manager).

    A tape engine's values point to their tape and never the other way, so its
    tape forms no cycles; yet the collector would rescan the growing tape again
    and again (more than half of a gradient's time on a chain of 10^4 scalar
    operations). Cycles the user's own code makes are collected when it resumes.

    The collector is one per process, so pauses on several threads (or nested
    ones) are counted under a lock: the first to come in records whether it was
    enabled and disables it; the last to leave re-enables it, only if it was.
    Where the collector is off and no pause is open (the user turned it off),
    there is nothing to count or restore, and the pause is a no-op.
    """
    if _CollectorPause.pausers == 0 and not gc.isenabled():
        return _NOTHING
    return _PAUSE


def box_met_jax(exc: TypeError) -> ConcretizationTypeError | None:
    """The error for a JAX function (``jnp.sin``, ``jax.lax``, ``jax.jit``) that refused an active value,
    naming the user's line (None if ``exc`` is not that): JAX cannot see inside a box, nor an engine
    inside JAX. Told by where it was raised (JAX's frames, or JAX's note that it removed them) and by
    the message, which names the box's type (as every such JAX error does)."""
    frames = [f for f, _ in traceback.walk_tb(exc.__traceback__)]
    jax_dir = os.path.dirname(jax.__file__) + os.sep
    if not (any(f.f_code.co_filename.startswith(jax_dir) for f in frames)
            or any("JAX" in note for note in getattr(exc, "__notes__", ()))
            or type(exc.__cause__).__name__ == "UnfilteredStackTrace"):
        return None
    text, kinds, found = str(exc), list(Box.__subclasses__()), None
    while kinds and found is None:
        kind = kinds.pop()
        kinds.extend(kind.__subclasses__())
        found = kind if f"<class '{kind.__module__}.{kind.__qualname__}'>" in text else None
    if found is None:
        return None
    user = [f for f in frames if not _is_machinery(f.f_code.co_filename)]
    where = user[-1] if user else sys._getframe(1)
    while where is not None and not user and (_is_machinery(where.f_code.co_filename) or
                                              where.f_code.co_filename.startswith("<")):
        where = where.f_back  # a JAX function passed in: where the user called the engine (not generated code)
    where = "an unknown location" if where is None else (
        f"{where.f_code.co_filename}:{where.f_lineno} (in {where.f_code.co_name}): "
        f"`{linecache.getline(where.f_code.co_filename, where.f_lineno).strip()}`")
    return ConcretizationTypeError(
        f"a JAX function (jax.numpy, jax.lax, jax.jit, ...) got an active value (one being differentiated) "
        f"at {where}: adcompare's engines cannot see inside JAX's functions, nor JAX inside their values. "
        f"Use the vocabulary ({found.vocabulary}.sin(x), not jnp.sin(x)), which runs on jax.numpy for JAX inputs")


def run_user(f: Callable, args: list) -> Any:
    """``f(*args)`` on boxes, a JAX function that met one refused as :func:`box_met_jax` says; any other
    exception without the user's line gets it (:func:`adcompare.concrete.locate`), its type and text kept."""
    try:
        return f(*args)
    except TypeError as exc:
        refusal = box_met_jax(exc)
        if refusal is None:
            locate(exc)  # a refusal by the vocabulary, or a call that does not match a signature: the user's line
            raise
        raise refusal from exc
    except ValueError as exc:
        # ``y[0] = x`` into a NumPy array: NumPy's float() of the box raised the refusal (with the user's line),
        # which NumPy replaced by "setting an array element with a sequence" (a box has __getitem__)
        if not isinstance(exc.__cause__, ConcretizationTypeError):
            locate(exc)
            raise
        raise ConcretizationTypeError(str(exc.__cause__)) from exc
    except Exception as exc:  # NumPy's, Python's, the user's own: a note names the user's line (once)
        locate(exc)
        raise


_TAPE_ENGINES: dict[type, type] = {}  # tape type -> the TapeEngine subclass that records it


def tape_engine(trace: Trace) -> type[TapeEngine] | None:
    """The engine class whose reverse-mode tape ``trace`` is; None for any other trace.

    A checkpointed call re-runs its function under the mechanism that recorded it.
    """
    return _TAPE_ENGINES.get(type(trace))


def default_tape_engine() -> type[TapeEngine]:
    """The tape engine for a rule called with no trace to take one from: the first that takes natural form."""
    for cls in _TAPE_ENGINES.values():
        if cls.source_form == "natural":
            return cls
    raise LookupError("no tape engine taking natural-form functions is defined (import adcompare.engines)")


class TapeEngine(Engine):
    """The driver shared by the engines that trace at run time (overloading, elemental).

    A subclass names three types; this class opens the level, boxes the input
    leaves, runs ``f``, and unboxes the output leaves:

    * ``dual``: ``dual(trace, x, x_dot)``, a box with ``.value`` and ``.tangent``;
    * ``forward_trace``: ``forward_trace(level)``, the trace its boxes belong to;
    * ``tape``: ``tape(level)``, a trace with ``leaf(x)`` (a box with ``.index``) and
      ``backward(bars)`` (sweeps the cotangents by position, in place).

    The pull-back ``vjp`` returns holds the tape, and nothing else does: the tape
    lives exactly as long as the user keeps the pull-back.
    """

    dual: type
    forward_trace: type
    tape: type

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _TAPE_ENGINES[cls.tape] = cls

    def _jvp(self, f: Callable, primals: tuple, tangents: tuple) -> tuple[Any, Any]:
        leaves, tree = tree_flatten(primals)
        with new_level() as level:
            trace = self.forward_trace(level)
            boxed = [self.dual(trace, x, t) if is_float(x) else x for x, t in zip(leaves, tree_leaves(tangents))]
            try:
                y = run_user(f, tree_unflatten(tree, boxed))
            finally:
                close(trace)
        y_leaves, y_tree = tree_flatten(y)
        mine = [isinstance(v, Box) and v._trace is trace for v in y_leaves]
        return (tree_unflatten(y_tree, [v.value if m else v for v, m in zip(y_leaves, mine)]),
                tree_unflatten(y_tree, [v.tangent if m else None for v, m in zip(y_leaves, mine)]))

    def _vjp(self, f: Callable, primals: tuple) -> tuple[Any, Callable[[list], list]]:
        leaves, tree = tree_flatten(primals)
        with new_level() as level, cycle_collector_paused():
            tape = self.tape(level)
            inputs = [tape.leaf(x) if is_float(x) else x for x in leaves]
            positions = [v.index if isinstance(v, Box) else None for v in inputs]  # before f writes into any
            try:
                y = run_user(f, tree_unflatten(tree, inputs))
            finally:
                close(tape)
        y_leaves, y_tree = tree_flatten(y)
        mine = [isinstance(v, Box) and v._trace is tape for v in y_leaves]

        def pullback(y_bars: list) -> list:
            seeds = [(v.index, g) for v, m, g in zip(y_leaves, mine, y_bars) if m and g is not None]
            bars: list = [None] * (max((i for i, _ in seeds), default=-1) + 1)
            for i, g in seeds:  # an output returned twice gets both cotangents
                bars[i] = g if bars[i] is None else anp.add(bars[i], g)
            try:
                with cycle_collector_paused():
                    tape.backward(bars)
            except Exception as exc:  # a user's rule (a custom_vjp's bwd, a checkpoint's recompute) raised
                locate(exc)
                raise
            return [None if k is None or k >= len(bars) else bars[k] for k in positions]

        return tree_unflatten(y_tree, [v.value if m else v for v, m in zip(y_leaves, mine)]), pullback
