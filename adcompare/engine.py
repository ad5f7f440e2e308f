"""The Engine interface: ``jvp`` and ``vjp`` are the mechanism; the rest is plumbing.

An engine implements exactly two methods, with JAX's signatures:

* ``jvp(f, primals, tangents) -> (y, y_dot)``
* ``vjp(f, *primals) -> (y, f_vjp)`` where ``f_vjp(y_bar)`` returns a tuple
  with one cotangent per primal.

Everything else (``grad``, ``value_and_grad``, ``jacfwd``, ``jacrev``,
``hessian``, ``hvp``) is written once here on top of those two, as in HIPS
autograd's ``differential_operators.py``; so is the checking of arguments.
"""

from __future__ import annotations

import gc
import math
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import jax
import jax.dtypes
import numpy as np

from adcompare import numpy as anp
from adcompare.primitives import (
    Box,
    Primitive,
    Trace,
    constant_like,
    is_float,
    namespace,
    new_level,
    primal,
    result_dtype,
    shape,
)


def missing_rule(prim: Primitive, mode: str) -> NotImplementedError:
    return NotImplementedError(f"primitive '{prim.name}' has no {mode} rule: it cannot be differentiated")


def check_tangents(primals: Sequence, tangents: Sequence) -> None:
    """Tangents must match the primals one for one, in shape and dtype (as JAX)."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp takes primals and tangents as tuples, e.g. jvp(f, (x,), (t,))")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp got {len(primals)} primals but {len(tangents)} tangents")
    for i, (x, t) in enumerate(zip(primals, tangents)):
        if shape(x) != shape(t):
            raise ValueError(
                f"tangent {i} has shape {shape(t)} but primal {i} has shape {shape(x)}")
        if is_float(x) and result_dtype(x) != result_dtype(t):
            raise ValueError(
                f"tangent {i} has dtype {result_dtype(t)} but primal {i} has dtype {result_dtype(x)}")


def float0_zeros(x: Any):
    """JAX's cotangent for an integer input: zeros of dtype float0."""
    return np.zeros(shape(x), dtype=jax.dtypes.float0)


def _argnums_tuple(argnums, nargs: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(
                f"argnums={argnums!r} is out of range for a function called with {nargs} "
                f"positional argument(s)")
    return tuple(i % nargs for i in nums)


def partial_args(f: Callable, args: tuple, nums: tuple[int, ...]) -> Callable:
    """``f`` as a function of the arguments at ``nums`` only."""

    def f_nums(*diff_args):
        full = list(args)
        for i, a in zip(nums, diff_args):
            full[i] = a
        return f(*full)

    return f_nums


class _CollectorPause:
    """The process's one cycle collector, paused by any number of threads at once."""

    lock = threading.Lock()
    pausers = 0  # pauses open now, on every thread (nested ones included)
    was_enabled = False  # whether the collector ran before the first of them opened


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector (if it runs) while a tape grows or is swept.

    A tape engine's values point to their tape and never the other way, so its
    tape forms no cycles; yet the collector would rescan the growing tape again
    and again (more than half of a gradient's time on a chain of 10^4 scalar
    operations). Cycles the user's own code makes are collected when it resumes.

    The collector is one per process, so pauses on several threads (or nested
    ones) are counted under a lock: the first to come in records whether it was
    enabled and disables it; the last to leave re-enables it, only if it was.
    """
    pause = _CollectorPause
    with pause.lock:
        if pause.pausers == 0:
            pause.was_enabled = gc.isenabled()
            gc.disable()
        pause.pausers += 1
    try:
        yield
    finally:
        with pause.lock:
            pause.pausers -= 1
            if pause.pausers == 0 and pause.was_enabled:
                gc.enable()


def count_bytes(v: Any, seen: dict[int, int]) -> None:
    """Record in ``seen`` (by id, so each counts once) the bytes of the arrays in ``v``.

    Boxes count as their primal; tuples and lists are walked; a custom function's
    application (:mod:`adcompare.custom`) counts as its residuals; anything else
    (shapes, indices, functions) holds no array data.
    """
    if isinstance(v, Box):
        v = primal(v)
    if isinstance(v, (float, np.ndarray, np.generic, jax.Array)):
        seen[id(v)] = np.asarray(v).nbytes if not isinstance(v, jax.Array) else v.nbytes
    elif isinstance(v, (tuple, list)):
        for item in v:
            count_bytes(item, seen)
    elif hasattr(v, "residuals"):
        count_bytes(v.residuals, seen)


class Engine:
    """Base class: subclasses implement :meth:`jvp` and :meth:`vjp`."""

    name: str = "engine"

    # --- the mechanism ----------------------------------------------------

    def jvp(self, f: Callable, primals: Sequence, tangents: Sequence) -> tuple[Any, Any]:
        """Forward mode: ``f(*primals)`` and its directional derivative.

        Args:
            f: a natural-form (or, for the elemental engine, elemental-form) function.
            primals: the point, one value per positional argument of ``f``.
            tangents: the direction, matching ``primals`` in shape and dtype.

        Returns:
            ``(y, y_dot)``.
        """
        raise NotImplementedError

    def vjp(self, f: Callable, *primals) -> tuple[Any, Callable]:
        """Reverse mode: ``f(*primals)`` and the function ``y_bar -> (x_bar, ...)``."""
        raise NotImplementedError

    def kept_bytes(self) -> int | None:
        """Bytes of the arrays the most recent ``vjp`` keeps alive for its reverse sweep.

        Each engine counts its own structures (tape entries, stacks, residuals);
        ``None`` where an engine cannot say.
        """
        return None

    # --- written once on top of it ------------------------------------------

    def value_and_grad(self, f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
        """Like ``jax.value_and_grad``: ``f``'s value and its gradient at ``argnums``."""

        def value_and_grad_f(*args):
            nums = _argnums_tuple(argnums, len(args))
            for i in nums:
                if not is_float(args[i]):
                    raise TypeError(
                        f"grad requires real-valued inputs (float dtype), but argument {i} "
                        f"has dtype {result_dtype(args[i])}")
            y, f_vjp = self.vjp(partial_args(f, args, nums), *(args[i] for i in nums))
            if shape(y) != ():
                raise TypeError(
                    f"grad requires a scalar output; {getattr(f, '__name__', 'f')} returned "
                    f"an output of shape {shape(y)}. Use jacrev or vjp for non-scalar outputs.")
            grads = f_vjp(constant_like(y, 1.0))
            return y, (grads[0] if isinstance(argnums, int) else grads)

        return value_and_grad_f

    def grad(self, f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
        """Like ``jax.grad``: the gradient of scalar ``f`` at ``argnums`` (int or tuple)."""
        value_and_grad_f = self.value_and_grad(f, argnums)
        return lambda *args: value_and_grad_f(*args)[1]

    def jacfwd(self, f: Callable, argnums: int = 0) -> Callable:
        """The Jacobian by forward mode, one ``jvp`` per input element.

        Returns an array of shape ``shape(f(x)) + shape(x)``, as ``jax.jacfwd``.
        """

        def jac(*args):
            nums = _argnums_tuple(argnums, len(args))
            x = args[nums[0]]
            f_x = partial_args(f, args, nums)
            columns = [self.jvp(f_x, (x,), (e,))[1] for e in _basis(x)]
            return anp.reshape(anp.stack(columns, axis=-1), shape(columns[0]) + shape(x))

        return jac

    def jacrev(self, f: Callable, argnums: int = 0) -> Callable:
        """The Jacobian by reverse mode, one ``vjp`` pull-back per output element."""

        def jac(*args):
            nums = _argnums_tuple(argnums, len(args))
            x = args[nums[0]]
            y, f_vjp = self.vjp(partial_args(f, args, nums), x)
            rows = [f_vjp(e)[0] for e in _basis(y)]
            return anp.reshape(anp.stack(rows), shape(y) + shape(x))

        return jac

    def hessian(self, f: Callable, argnums: int = 0, mode: str = "fwd-rev") -> Callable:
        """The Hessian of scalar ``f``.

        Args:
            mode: ``"fwd-rev"`` (forward over reverse, as ``jax.hessian``) or
                ``"rev-rev"`` (reverse over reverse).
        """
        outer = {"fwd-rev": self.jacfwd, "rev-rev": self.jacrev}.get(mode)
        if outer is None:
            raise ValueError(f"hessian mode must be 'fwd-rev' or 'rev-rev', not {mode!r}")
        return outer(self.jacrev(f, argnums), argnums)

    def hvp(self, f: Callable, primals: Sequence, tangents: Sequence):
        """Hessian-vector product by forward over reverse: ``jvp(grad(f), ...)[1]``."""
        return self.jvp(self.grad(f), primals, tangents)[1]

    def __repr__(self) -> str:
        return f"<adcompare engine {self.name!r}>"


_TAPE_ENGINES: dict[type, type] = {}  # tape type -> the TapeEngine subclass that records it


def tape_engine(trace: Trace) -> type[TapeEngine] | None:
    """The engine class whose reverse-mode tape ``trace`` is; None for any other trace.

    A checkpointed call re-runs its function under the mechanism that recorded it.
    """
    return _TAPE_ENGINES.get(type(trace))


class TapeEngine(Engine):
    """The driver shared by the engines that trace at run time (overloading, elemental).

    A subclass names three types; this class opens the level, boxes the inputs,
    runs ``f``, and unboxes the result, exactly as JAX's ``jvp``/``vjp`` return it:

    * ``dual``: ``dual(trace, x, x_dot)``, a box with ``.value`` and ``.tangent``;
    * ``forward_trace``: ``forward_trace(level)``, the trace its boxes belong to;
    * ``tape``: ``tape(level)``, a trace with ``leaf(x)`` (a box with ``.index``),
      ``backward(index, y_bar)`` (cotangents by position) and ``nbytes()``.
    """

    dual: type
    forward_trace: type
    tape: type

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _TAPE_ENGINES[cls.tape] = cls

    def __init__(self):
        self.last_tape = None  # the most recent vjp's tape, for measurement

    def kept_bytes(self) -> int | None:
        return None if self.last_tape is None else self.last_tape.nbytes()

    def jvp(self, f: Callable, primals: Sequence, tangents: Sequence) -> tuple[Any, Any]:
        check_tangents(primals, tangents)
        with new_level() as level:
            trace = self.forward_trace(level)
            y = f(*(self.dual(trace, x, x_dot) if is_float(x) else x for x, x_dot in zip(primals, tangents)))
        if isinstance(y, Box) and y.trace is trace:
            return y.value, y.tangent
        return y, anp.zeros_like(y)  # y does not depend on the inputs

    def vjp(self, f: Callable, *primals) -> tuple[Any, Callable]:
        with new_level() as level, cycle_collector_paused():
            tape = self.tape(level)
            inputs = [tape.leaf(x) if is_float(x) else x for x in primals]
            y = f(*inputs)
        self.last_tape = tape
        reached = isinstance(y, Box) and y.trace is tape
        y_value = y.value if reached else y

        def f_vjp(y_bar):
            if shape(y_bar) != shape(y_value):
                raise ValueError(f"cotangent has shape {shape(y_bar)} but the output has shape {shape(y_value)}")
            with cycle_collector_paused():
                bars = tape.backward(y.index, y_bar) if reached else []
            return tuple(_input_bar(x, v, tape, bars) for x, v in zip(primals, inputs))

        return y_value, f_vjp


def _input_bar(x: Any, v: Any, tape: Trace, bars: list) -> Any:
    """Input ``x``'s cotangent: float0 zeros if it was not differentiated, zeros if unreached."""
    if not (isinstance(v, Box) and v.trace is tape):
        return float0_zeros(x)
    x_bar = bars[v.index] if v.index < len(bars) else None
    return anp.zeros_like(x) if x_bar is None else x_bar


def _basis(x: Any) -> list:
    """The standard basis of ``x``'s space, each vector a constant shaped like ``x``."""
    n = math.prod(shape(x))
    value = primal(x)
    dtype = result_dtype(value) if is_float(value) else np.float64
    eye = namespace((value,)).eye(n, dtype=dtype)
    return [eye[k].reshape(shape(x)) for k in range(n)]
