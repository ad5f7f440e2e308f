"""User-defined derivative rules: user functions backed by primitives with joint rules.

    @ad.custom_vjp
    def lse(x): ...
    lse.defvjp(lse_fwd, lse_bwd)   # lse_fwd(x) -> (out, residuals); lse_bwd(residuals, g) -> (x_bar,)

    @ad.custom_jvp
    def erf(x): ...
    @erf.defjvp
    def erf_jvp(primals, tangents): ...   # -> (out, out_dot)

The API is JAX's, ``nondiff_argnums`` and flat tuple outputs included. Contract:

* **A primitive.** Each decorated function holds a :class:`Primitive` (``.prim``) with joint
  rules, as ``fwd`` and ``bwd`` treat all operands at once. A call passes the static
  (``nondiff_argnums``) arguments as the parameter ``static`` and binds the primitive like
  any other. With no active operand it is the function (JAX's custom one on JAX values).
* A tape asks ``prim.value_and_vjp(active, *operands)``: the value and the pull-back at
  once, built once per call whatever the number of cotangents. For **custom_vjp** that runs
  ``fwd`` once; the pull-back closes over its residuals (exactly what the sweep keeps) and
  runs ``bwd`` once per cotangent for all active operands. No forward mode, as in JAX.
* **custom_jvp**: forward mode takes the value and tangent from one ``f_jvp`` call
  (zeros for inactive tangents); reverse mode takes the value from the one run of
  ``f_jvp`` by which the engine that recorded the call (``engine``) transposes
  ``t -> f_jvp(primals, t)[1]``: the rule's value, not the function's, as in JAX.
* **Higher order.** Only the trace that takes the call uses the custom rule; ``fwd``,
  ``bwd`` and ``f_jvp`` run one level down, where outer levels differentiate them operation
  by operation, as in JAX: the value they see is ``fwd``'s or ``f_jvp``'s as written.
* A tuple output is packed into one flat vector, unpacked with ``getitem`` and
  ``reshape``. Checkpointing (:mod:`adcompare.checkpoint`) is a custom function too.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax.tree_util import tree_leaves

from adcompare import numpy as anp
from adcompare.concrete import user_location
from adcompare.custom_outputs import pack, packed_shapes, unpack, unpacked
from adcompare.primitives import Box, Primitive, namespace, shape
from adcompare.rules import defjoint
from adcompare.tape_engine import default_tape_engine, tape_engine
from adcompare.trees import static_argnums_tuple


def top_box(args: Sequence) -> Box | None:
    boxes = [a for a in args if isinstance(a, Box)]
    return max(boxes, key=lambda a: a._trace.level) if boxes else None  # the first of the highest level


def _signature(fun: Callable) -> tuple[inspect.Signature | None, int | None]:
    """``fun``'s signature, and how many arguments a call passes that passes each by position (then taken as they
    are; None where every call is bound to it: *args, keyword-only; -1 where there is none: taken as they are)."""
    try:
        sig = inspect.signature(fun)
    except (TypeError, ValueError):
        return None, -1
    params = sig.parameters.values()
    return sig, None if any(p.kind in (p.VAR_POSITIONAL, p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params) else len(
        params)


def _no_inner_box(fn: Any, operands: Sequence) -> None:
    """Refuse a differentiated value inside a container operand (its rule would be passed over, silently)."""
    for a in operands:
        if isinstance(a, (tuple, list, dict)) and any(isinstance(v, Box) for v in tree_leaves(a)):
            raise NotImplementedError(
                f"{fn.kind} function {fn.__name__!r} got a differentiated value inside a {type(a).__name__} "
                f"operand (at {user_location()}): not supported here; pass its arrays as separate arguments")


class CustomFunction:
    """A user function bound as a primitive. Subclasses give its rules.

    Args:
        fun: the function; positional arguments are its operands, keywords are
            matched to positions by its signature.
        static_argnums: positions never differentiated (JAX's ``nondiff_argnums``
            or ``static_argnums``); they may not be active values.
    """

    kind = "custom"
    refuses_containers = True  # a differentiated value inside a container operand (its rule would be passed over)

    def __init__(self, fun: Callable, static_argnums: Sequence[int] = ()):
        name = getattr(fun, "__name__", type(fun).__name__)
        self.fun = fun
        self.static_argnums = static_argnums_tuple(static_argnums)
        self.__name__ = self.__qualname__ = name
        self.__doc__ = getattr(fun, "__doc__", None)
        self._jax_fun: Callable | None = None
        self._signature, self._positions = _signature(fun)
        self.prim = Primitive(f"{self.kind}_{name}", self._impl, register=False)
        # a tape takes the value and the pull-back at once: built once, whatever the number of cotangents
        defjoint(self.prim, self.jvp, self.vjp, value_and_vjp=self.value_and_vjp,
                 value_and_jvp=getattr(self, "value_and_jvp", None))

    def __repr__(self) -> str:
        return f"<{self.kind} function {self.__name__}>"

    jvps = property(lambda self: self.prim.jvps)  # the per-operand views of the joint rules
    vjps = property(lambda self: self.prim.vjps)

    # --- binding --------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        self.check_defined()
        operands, static = self.split(self.positional(args, kwargs))
        top = top_box(operands)
        if self.refuses_containers:
            _no_inner_box(self, operands)
        if top is None:
            return unpacked(self._impl(namespace(operands), *operands, static=static))
        return self.bind(top, operands, static)

    def bind(self, top: Box, operands: tuple, static: tuple) -> Any:
        """Bind the primitive (the trace of ``top`` takes the call); the output unpacked."""
        return unpacked(self.prim(*operands, static=static, engine=tape_engine(top._trace)))

    def positional(self, args: tuple, kwargs: dict) -> tuple:
        """The arguments by position, defaults filled in, as JAX's custom functions take them (a keyword of a
        keyword-only parameter is refused, as JAX's)."""
        if not kwargs and self._positions in (len(args), -1):
            return args
        try:
            bound = self._signature.bind(*args, **kwargs)
        except (TypeError, ValueError, AttributeError) as exc:  # (AttributeError: no signature)
            raise TypeError(f"{self.kind} function {self.__name__!r}: {exc}") from None
        params = self._signature.parameters  # keyword-only ones given (their defaults stay the function's own)
        given = [k for k in kwargs if k not in params or params[k].kind is params[k].KEYWORD_ONLY]
        bound.apply_defaults()
        if given:
            raise TypeError(f"{self.kind} function {self.__name__!r}: the keyword arguments {sorted(given)} could "
                            "not be resolved to positions (keyword-only parameters or **kwargs), as in JAX")
        return bound.args

    def split(self, args: tuple) -> tuple[tuple, tuple]:
        """(operands, static arguments as ``(position, value)`` pairs); a static one may not be active."""
        static = tuple((k, args[k]) for k in self.static_argnums if k < len(args))
        for k, a in static:
            if isinstance(a, Box):
                raise TypeError(f"argument {k} of {self.kind} function {self.__name__!r} is in its "
                                f"static (non-differentiated) arguments but got an active value")
        keys = {k for k, _ in static}
        return tuple(a for k, a in enumerate(args) if k not in keys), static

    @staticmethod
    def full_args(operands: Sequence, static: tuple) -> list:
        """The call's whole argument list: the static arguments put back between the operands."""
        args = list(operands)
        for k, v in sorted(static, key=lambda kv: kv[0]):
            args.insert(k, v)
        return args

    def _impl(self, xp, *operands, static=(), engine=None):
        """The function on values no trace differentiates; JAX's own version on JAX values."""
        args = self.full_args(operands, static)
        if xp is jnp:
            if self._jax_fun is None:
                self._jax_fun = self.jax_function()
            return pack(self._jax_fun(*args))
        return pack(self.fun(*args))

    def checked_bars(self, bars: Any, active: Sequence[bool], shapes: tuple, like: Any, what: str) -> tuple:
        """``bars`` (one per operand, ``None`` for a zero) checked and completed; inactive ones ``None``."""
        n = len(shapes)
        if not isinstance(bars, (tuple, list)) or len(bars) != n:
            got = len(bars) if isinstance(bars, (tuple, list)) else type(bars).__name__
            raise ValueError(f"{self.kind} function {self.__name__!r}: {what} must return a tuple of "
                             f"{n} cotangent(s), one per differentiable argument, but returned {got}")
        out = []
        for k, (bar, a) in enumerate(zip(bars, active)):
            if not a:
                out.append(None)
            elif bar is None:  # as in JAX, None stands for a zero cotangent
                out.append(anp.zeros(shapes[k], like=like))
            elif shape(bar) != shapes[k]:
                raise ValueError(f"{self.kind} function {self.__name__!r}: {what} returned a cotangent "
                                 f"of shape {shape(bar)} for argument {k}, of shape {shapes[k]}")
            else:
                out.append(bar)
        return tuple(out)

    # --- what a subclass says ---------------------------------------------------------

    def check_defined(self) -> None:
        """Raise if the rules are not defined yet."""

    def value_and_vjp(self, active, *operands, static=(), engine=None):
        ans = self.prim(*operands, static=static, engine=engine)
        return ans, self.vjp(active, ans, *operands, static=static, engine=engine)

    def jvp(self, tangents, ans, *operands, static=(), engine=None):
        raise NotImplementedError

    def vjp(self, active, ans, *operands, static=(), engine=None):
        raise NotImplementedError

    def jax_function(self) -> Callable:
        raise NotImplementedError


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

    def value_and_vjp(self, active, *operands, static=(), engine=None):
        """The value by ``fwd`` (run once) and the pull-back by ``bwd``, which keeps ``fwd``'s residuals."""
        self.check_defined()
        out, residuals = self.fwd(*self.full_args(operands, static))
        flat = pack(out)
        out_shapes, shapes = packed_shapes(), tuple(shape(x) for x in operands)
        nondiff, active = [v for _, v in sorted(static, key=lambda kv: kv[0])], tuple(active)
        what = getattr(self.bwd, "__name__", "bwd")

        def pullback(g):
            bars = self.bwd(*nondiff, residuals, unpack(g, out_shapes))
            return self.checked_bars(bars, active, shapes, g, what)

        return flat, pullback

    def jvp(self, tangents, ans, *operands, static=(), engine=None):
        raise TypeError(f"custom_vjp function {self.__name__!r} has no forward-mode rule (as in JAX): "
                        "differentiate it in reverse mode (vjp, grad, jacrev), or define it with "
                        "ad.custom_jvp")

    def vjp(self, active, ans, *operands, static=(), engine=None):
        return self.value_and_vjp(active, *operands, static=static, engine=engine)[1]

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

    Calling the custom function it returns before ``defvjp`` raises ``NotImplementedError``.
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

    def value_and_jvp(self, tangents, *operands, static=(), engine=None):
        """The value and tangent from one call of ``f_jvp``, packed: an outer derivative differentiates
        the value as written there, as in JAX (``tanh(x)`` in the rule, not the custom rule again)."""
        tangents = tuple(anp.zeros_like(a) if t is None else t for t, a in zip(tangents, operands))
        out, out_dot = self.f_jvp(*[v for _, v in sorted(static, key=lambda kv: kv[0])], operands, tangents)
        return pack(out), pack(out_dot)

    def jvp(self, tangents, ans, *operands, static=(), engine=None):
        return self.value_and_jvp(tangents, *operands, static=static)[1]

    def value_and_vjp(self, active, *operands, static=(), engine=None):
        """``f_jvp``'s value (JAX linearizes the rule: not the function's) and the transpose of ``t ->
        f_jvp(primals, t)[1]`` by ``engine``'s reverse mode, from one run of the rule (see the module doc)."""
        on, value = [k for k, a in enumerate(active) if a], []

        def linear(*active_tangents):
            given = dict(zip(on, active_tangents))
            out, out_dot = self.value_and_jvp([given.get(k) for k in range(len(operands))], *operands, static=static)
            value.append(out)
            return out_dot

        if not on:  # nothing to pull back to
            nothing = (None,) * len(operands)
            return self.value_and_jvp(nothing, *operands, static=static)[0], lambda g: nothing
        transpose = (engine or default_tape_engine())().vjp(linear, *(anp.zeros_like(operands[k]) for k in on))[1]

        def pullback(g):
            return tuple(dict(zip(on, transpose(g))).get(k) for k in range(len(operands)))

        return value[0], pullback  # out_dot was packed last, by the value's shapes

    def vjp(self, active, ans, *operands, static=(), engine=None):
        return self.value_and_vjp(active, *operands, static=static, engine=engine)[1]

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
