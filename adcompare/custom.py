"""User-defined derivative rules and checkpointing: user functions that become primitives.

    @ad.custom_vjp
    def lse(x): ...
    lse.defvjp(lse_fwd, lse_bwd)   # lse_fwd(x) -> (out, residuals); lse_bwd(residuals, g) -> (x_bar,)

    @ad.custom_jvp
    def erf(x): ...
    @erf.defjvp
    def erf_jvp(primals, tangents): ...   # -> (out, out_dot)

    step = ad.checkpoint(step)      # its internals are recomputed in the reverse sweep
    for i in ad.checkpointed_range(n):   # SCT: the loop's state kept every √n iterations

The API is JAX's, ``nondiff_argnums`` (``static_argnums`` for ``checkpoint``)
and flat tuple outputs included. Contract:

* **A primitive.** Each decorated function is a :class:`Primitive` with a JVP
  and a VJP rule, so every engine honours it through the one mechanism:
  calling it binds it, the trace of its highest-level operand processes it and
  reads the rules. With no active operand it is just the function; on JAX
  arrays and tracers it is ``jax.custom_vjp``, ``jax.custom_jvp`` or
  ``jax.checkpoint`` of it, so ``jax.grad`` of the same source honours it too.
  The SCT engine reads the same rules from generated code (one application
  per call there too, see :mod:`adcompare.engines.sct.custom`).
* **One application, many operands.** The rule table is per operand
  (``prim.vjps[i]``), but ``fwd`` and ``bwd`` treat all operands at once. Each
  call therefore makes one :class:`Application` and binds it as the parameter
  ``application``. The trace that takes the call asks the primitive for its
  value (``prim(*values, application=app)``): ``fwd`` runs there, once, and
  leaves its residuals on the application. Each operand's VJP rule returns a
  pull-back that keeps those residuals and asks the application for its share
  of the cotangent of ``g``: ``bwd`` runs once per cotangent (an engine pulls
  every operand of one call back with the same ``g``), and the shares are
  released when every active operand has taken its own.
* **Higher order.** Only the trace that takes the call uses the custom rule.
  Its value comes from ``fwd`` run on the values one level down, which may be
  active values of outer levels: those see ``fwd``'s (and, in the sweep,
  ``bwd``'s) own vocabulary operations and differentiate them, as in JAX. So
  rules written with the vocabulary differentiate again.
* **Modes.** ``custom_vjp`` has no forward-mode rule, as in JAX. A
  ``custom_jvp`` function in reverse mode is transposed by the reverse mode of
  the engine that took the call (``f_jvp`` is linear in the tangents, so the
  pull-back of ``t -> f_jvp(primals, t)[1]`` is Jᵀg); in forward mode
  ``f_jvp`` runs once per active operand, with that operand's tangent and zeros
  for the others, and the engine sums the contributions (exact, by linearity).
* **Checkpointing.** Under a reverse-mode tape a checkpointed call's value is
  ``f`` on the values one level down (so this level records none of its
  internals), its residuals are its inputs, and its pull-back re-runs ``f``
  under a fresh engine of the kind that recorded the call, then sweeps that
  short tape. Anywhere else (forward mode, operation counting) ``f`` simply runs.
* A tuple output is packed into one flat vector inside the primitive (a
  primitive has one result) and unpacked with ``getitem`` and ``reshape``.
* A rule called straight from the table, with no ``application`` (as generated
  code may call it), makes its own: correct, but ``fwd`` then runs per operand.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from adcompare import numpy as anp
from adcompare.engine import Engine, partial_args, tape_engine
from adcompare.primitives import Box, Primitive, Trace, is_float, namespace, shape
from adcompare.rules import PerOperand


def _top_box(args: Sequence) -> Box | None:
    top = None
    for a in args:
        if isinstance(a, Box) and (top is None or a.trace.level > top.trace.level):
            top = a
    return top


def _outer_value(fun: CustomFunction, plain: Callable, args: list) -> Any:
    """The value of a custom function's call, right for every level above the one that took it.

    The operands may still be active values of outer levels (the outer jvp of a
    Hessian). Those levels must apply the function's own rule too, so the call
    is bound again for them; ``plain`` (the user's function, which may not know
    boxes at all: a wrapped builtin would silently drop their derivatives) only
    ever sees raw values.
    """
    return fun(*args) if _top_box(args) is not None else plain(*args)


def pack(out: Any) -> tuple[Any, tuple | None]:
    """A tuple output as one flat vector, and the shapes that unpack it (``None``: not a tuple)."""
    if not isinstance(out, tuple):
        return out, None
    return anp.concatenate([anp.reshape(o, (-1,)) for o in out]), tuple(shape(o) for o in out)


def unpack(flat: Any, shapes: tuple | None) -> Any:
    """The tuple that :func:`pack` made ``flat`` from (``flat`` itself if it was not a tuple)."""
    if shapes is None:
        return flat
    parts, start = [], 0
    for s in shapes:
        size = 1
        for n in s:
            size *= n
        parts.append(anp.reshape(anp.getitem(flat, slice(start, start + size)), s))
        start += size
    return tuple(parts)


class Application:
    """One call of a custom function: what its per-operand rules share.

    Attributes:
        static: the non-differentiated arguments, by position in the full call.
        active: operand positions holding an active value of the trace that took the call.
        engine: the engine class whose reverse-mode tape that trace is, else None (a
            class, not an instance: an instance would keep its last tape alive).
        residuals: what ``fwd`` left for ``bwd``.
        out_shapes: the shapes of a tuple output (see :func:`pack`).
    """

    def __init__(self, static: dict[int, Any], active: tuple[int, ...], engine: type[Engine] | None):
        self.static, self.active, self.engine = static, active, engine
        self.residuals: Any = None
        self.out_shapes: tuple | None = None
        self.shapes: tuple = ()  # the operands' shapes, for zero cotangents and checks
        self.transpose: Callable | None = None  # custom_jvp: the pull-back of its linear map
        self._g: Any = None
        self._bars: dict[int, Any] | None = None
        self._pending: set[int] = set()

    def full_args(self, operands: Sequence) -> list:
        """The call's whole argument list: the static arguments put back between the operands."""
        it = iter(operands)
        return [self.static[k] if k in self.static else next(it)
                for k in range(len(operands) + len(self.static))]

    def cotangent(self, fun: CustomFunction, i: int, g: Any, kept: Any) -> Any:
        """Operand i's cotangent for ``g``; all of them are worked out once per ``g``."""
        if g is not self._g or i not in self._pending:
            self._g, self._pending = g, set(self.active) | {i}
            self._bars = fun.backward(self, g, kept)
        self._pending.discard(i)
        bar = self._bars[i]
        if not self._pending:  # every active operand has its share: keep nothing more
            self._g = self._bars = None
        return bar


class CustomFunction(Primitive):
    """A user function bound as a primitive. Subclasses give its value and its rules.

    Args:
        fun: the function; positional arguments are its operands, keywords are
            matched to positions by its signature.
        static_argnums: positions never differentiated (JAX's ``nondiff_argnums``
            or ``static_argnums``); they may not be active values.
    """

    kind = "custom"

    def __init__(self, fun: Callable, static_argnums: Sequence[int] = ()):
        name = getattr(fun, "__name__", type(fun).__name__)
        super().__init__(f"{self.kind}_{name}", self._impl, register=False)
        self.fun = fun
        self.static_argnums = tuple(static_argnums)
        self.__name__ = self.__qualname__ = name
        self.__doc__ = getattr(fun, "__doc__", None)
        self._jax_fun: Callable | None = None
        self.jvps = PerOperand(self.jvp_rule)
        self.vjps = PerOperand(self.vjp_rule)

    # --- binding --------------------------------------------------------------------

    def __call__(self, *args, application: Application | None = None, **kwargs):
        if application is not None:  # the trace that took this call asks for its value
            out, application.out_shapes = pack(self.value(application, args))
            application.shapes = tuple(shape(a) for a in args)
            return out
        self.check_defined()
        args = self._positional(args, kwargs)
        static = {k: args[k] for k in self.static_argnums}
        for k, a in static.items():
            if isinstance(a, Box):
                raise TypeError(f"argument {k} of {self.kind} function {self.__name__!r} is in its "
                                f"static (non-differentiated) arguments but got an active value")
        operands = tuple(a for k, a in enumerate(args) if k not in static)
        top = _top_box(operands)
        if top is None:
            return self._impl(namespace(operands), *args)
        active = tuple(k for k, a in enumerate(operands) if isinstance(a, Box) and a.trace is top.trace)
        app = Application(static, active, tape_engine(top.trace))
        if not self.takes(app, top.trace):
            return self.fun(*args)
        out = top.trace.process(self, operands, {"application": app})
        return unpack(out, app.out_shapes)

    def _positional(self, args: tuple, kwargs: dict) -> tuple:
        if not kwargs:
            return args
        try:
            bound = inspect.signature(self.fun).bind(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{self.kind} function {self.__name__!r}: {exc}") from None
        return bound.args

    def _impl(self, xp, *args):
        """The function on values that no trace differentiates; JAX's own version on JAX values."""
        if xp is jnp:
            if self._jax_fun is None:
                self._jax_fun = self.jax_function()
            return self._jax_fun(*args)
        return self.fun(*args)

    def detached(self, operands: Sequence) -> Application:
        """An application for a rule called straight from the table (not through binding)."""
        app = Application({}, tuple(k for k, a in enumerate(operands) if is_float(a)), None)
        self(*operands, application=app)
        return app

    # --- what a subclass says ---------------------------------------------------------

    def check_defined(self) -> None:
        """Raise if the rules are not defined yet."""

    def takes(self, app: Application, trace: Trace) -> bool:
        """Whether ``trace`` differentiates this call by its rules (else the function just runs)."""
        return True

    def value(self, app: Application, operands: tuple) -> Any:
        raise NotImplementedError

    def jvp_rule(self, i: int, t, ans, *operands, application: Application | None = None):
        raise NotImplementedError

    def vjp_rule(self, i: int, ans, *operands, application: Application | None = None):
        app = application if application is not None else self.detached(operands)
        kept = self.keeps(app, operands)  # what this pull-back keeps alive
        return lambda g: app.cotangent(self, i, g, kept)

    def keeps(self, app: Application, operands: tuple) -> Any:
        raise NotImplementedError

    def backward(self, app: Application, g: Any, kept: Any) -> dict[int, Any]:
        """Every active operand's cotangent for the output cotangent ``g``, by operand position."""
        raise NotImplementedError

    def jax_function(self) -> Callable:
        raise NotImplementedError

    # --- shared by the subclasses -----------------------------------------------------

    def _checked_bars(self, app: Application, bars: Any, g: Any, what: str) -> dict[int, Any]:
        n = len(app.shapes)
        if not isinstance(bars, (tuple, list)) or len(bars) != n:
            got = len(bars) if isinstance(bars, (tuple, list)) else type(bars).__name__
            raise ValueError(f"{self.kind} function {self.__name__!r}: {what} must return a tuple of "
                             f"{n} cotangent(s), one per differentiable argument, but returned {got}")
        out = {}
        for k in app.active:
            bar = bars[k]
            if bar is None:  # as in JAX, None stands for a zero cotangent
                bar = anp.zeros(app.shapes[k], like=g)
            elif shape(bar) != app.shapes[k]:
                raise ValueError(f"{self.kind} function {self.__name__!r}: {what} returned a cotangent "
                                 f"of shape {shape(bar)} for argument {k}, of shape {app.shapes[k]}")
            out[k] = bar
        return out

    def _static_values(self, app: Application) -> list:
        return [app.static[k] for k in sorted(app.static)]


# --------------------------------------------------------------------------
# custom_vjp


class CustomVJP(CustomFunction):
    """A function with a user-given VJP: ``f.defvjp(fwd, bwd)``, as ``jax.custom_vjp``."""

    kind = "custom_vjp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """``fwd(*args) -> (out, residuals)``; ``bwd(*nondiff_args, residuals, g) -> (x_bar, ...)``."""
        self.fwd, self.bwd, self._jax_fun = fwd, bwd, None

    def check_defined(self) -> None:
        if self.fwd is None:
            raise NotImplementedError(
                f"custom_vjp function {self.__name__!r} has no rules yet: define them with "
                f"{self.__name__}.defvjp({self.__name__}_fwd, {self.__name__}_bwd) before calling it")

    def value(self, app: Application, operands: tuple) -> Any:
        out, app.residuals = self.fwd(*app.full_args(operands))
        return out

    def jvp_rule(self, i, t, ans, *operands, application=None):
        raise TypeError(f"custom_vjp function {self.__name__!r} has no forward-mode rule (as in JAX): "
                        "differentiate it in reverse mode (vjp, grad, jacrev), or define it with "
                        "ad.custom_jvp")

    def keeps(self, app: Application, operands: tuple) -> Any:
        return app.residuals

    def backward(self, app: Application, g: Any, kept: Any) -> dict[int, Any]:
        bars = self.bwd(*self._static_values(app), kept, unpack(g, app.out_shapes))
        return self._checked_bars(app, bars, g, f"{getattr(self.bwd, '__name__', 'bwd')}")

    def jax_function(self) -> Callable:
        f = jax.custom_vjp(self.fun, nondiff_argnums=self.static_argnums)
        f.defvjp(self.fwd, self.bwd)
        return f


def custom_vjp(fun: Callable, nondiff_argnums: Sequence[int] = ()) -> CustomVJP:
    """Give ``fun`` its own VJP, as ``jax.custom_vjp``; define it with ``fun.defvjp(fwd, bwd)``.

    Args:
        fun: the function; it may have no Python source (a NumPy or builtin function).
        nondiff_argnums: positions of arguments that are never differentiated;
            ``bwd`` receives them first, and returns cotangents for the others only.

    Returns:
        A primitive: calling it before ``defvjp`` raises ``NotImplementedError``.
    """
    return CustomVJP(fun, nondiff_argnums)


# --------------------------------------------------------------------------
# custom_jvp


class CustomJVP(CustomFunction):
    """A function with a user-given JVP: ``@f.defjvp``, as ``jax.custom_jvp``."""

    kind = "custom_jvp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.f_jvp: Callable | None = None

    def defjvp(self, f_jvp: Callable) -> Callable:
        """``f_jvp(*nondiff_args, primals, tangents) -> (out, out_dot)``; usable as a decorator."""
        self.f_jvp, self._jax_fun = f_jvp, None
        return f_jvp

    def check_defined(self) -> None:
        if self.f_jvp is None:
            raise NotImplementedError(
                f"custom_jvp function {self.__name__!r} has no rule yet: define it with "
                f"@{self.__name__}.defjvp before calling it")

    def value(self, app: Application, operands: tuple) -> Any:
        return _outer_value(self, self.fun, app.full_args(operands))

    def _out_dot(self, app_static: list, primals: tuple, tangents: tuple) -> Any:
        return pack(self.f_jvp(*app_static, primals, tangents)[1])[0]

    def jvp_rule(self, i, t, ans, *operands, application=None):
        static = [] if application is None else self._static_values(application)
        tangents = tuple(t if k == i else anp.zeros_like(a) for k, a in enumerate(operands))
        return self._out_dot(static, operands, tangents)

    def keeps(self, app: Application, operands: tuple) -> Any:
        return operands  # f_jvp's linear map needs the primals

    def backward(self, app: Application, g: Any, kept: Any) -> dict[int, Any]:
        if app.transpose is None:  # recorded once per application, swept once per cotangent
            static, active = self._static_values(app), app.active

            def linear(*active_tangents):
                tangents = [anp.zeros_like(a) for a in kept]
                for k, t in zip(active, active_tangents):
                    tangents[k] = t
                return self._out_dot(static, kept, tuple(tangents))

            engine = (app.engine or _default_engine())()
            app.transpose = engine.vjp(linear, *(anp.zeros_like(kept[k]) for k in active))[1]
        return dict(zip(app.active, app.transpose(g)))

    def jax_function(self) -> Callable:
        f = jax.custom_jvp(self.fun, nondiff_argnums=self.static_argnums)
        f.defjvp(self.f_jvp)
        return f


def custom_jvp(fun: Callable, nondiff_argnums: Sequence[int] = ()) -> CustomJVP:
    """Give ``fun`` its own JVP, as ``jax.custom_jvp``; define it with ``@fun.defjvp``.

    Reverse mode transposes the JVP rule (it must then be written with the
    vocabulary, or the engine's elemental library, in its tangents).
    """
    return CustomJVP(fun, nondiff_argnums)


# --------------------------------------------------------------------------
# checkpoint


class Checkpointed(CustomFunction):
    """A function whose internals a reverse sweep recomputes instead of keeping."""

    kind = "checkpoint"

    def takes(self, app: Application, trace: Trace) -> bool:
        return app.engine is not None  # only a reverse-mode tape has anything to save

    def value(self, app: Application, operands: tuple) -> Any:
        return self.fun(*app.full_args(operands))

    def jvp_rule(self, i, t, ans, *operands, application=None):
        app = application if application is not None else Application({}, (), None)
        f = partial_args(lambda *xs: pack(self.value(app, xs))[0], operands, (i,))
        return _default_engine()().jvp(f, (operands[i],), (t,))[1]

    def keeps(self, app: Application, operands: tuple) -> Any:
        return operands  # the inputs only: the internals are recomputed from them

    def backward(self, app: Application, g: Any, kept: Any) -> dict[int, Any]:
        def f_active(*xs):
            return pack(self.value(app, xs))[0]

        engine = (app.engine or _default_engine())()  # a fresh one: its tape goes with this sweep
        f = partial_args(f_active, kept, app.active)
        _, f_vjp = engine.vjp(f, *(kept[k] for k in app.active))
        return dict(zip(app.active, f_vjp(g)))

    def jax_function(self) -> Callable:
        return jax.checkpoint(self.fun, static_argnums=self.static_argnums)


def checkpoint(fun: Callable, static_argnums: Sequence[int] = ()) -> Checkpointed:
    """``fun``, checkpointed: a reverse sweep recomputes its internals instead of keeping them.

    Under the overloading or elemental engine's reverse mode, a call keeps only
    its inputs; its pull-back re-runs ``fun`` under the same kind of engine and
    sweeps that short tape. The SCT engine transforms ``fun`` and emits its
    recomputation (``fun``'s forward sweep, then its reverse) in the adjoint
    code. Elsewhere ``fun`` just runs; on JAX values it is
    ``jax.checkpoint(fun)``, so ``jax.grad`` of the same source gives the oracle.

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
    if every is not None and every < 1:
        raise ValueError(f"checkpointed_range: every must be a positive number of iterations, not {every}")
    return range(*args)


def _default_engine() -> type[Engine]:
    """The engine class for a rule called straight from the table (no trace to take it from)."""
    from adcompare.engines.overloading import OverloadingEngine

    return OverloadingEngine
