"""How a call reaches SCT's generated code, and the direct gradient path.

Contract: :func:`unwrap` sees through the base class's ``partial_args``, ``functools.partial``,
bound methods and objects of user classes with ``__call__``; :func:`bind` gives the arguments as
the generated functions take them.
:class:`DirectGrad` is ``value_and_grad`` of one function and ``argnums`` where every
differentiated argument is a real NumPy array or float of a float dtype and the output a real
scalar: it calls the generated sweeps without the base class's checks, flattening and
conversions (what they check holds then), and answers None for any other call, which the
general path takes, with its checks and messages; the answers, their types and errors are the
general path's. What depends only on the function and the number of arguments (``argnums``
normalized, and for a plain function or a ``partial_args`` of one its cache key) is worked out
once and kept; what may change between calls is checked on every call: the arguments' types, the
function's code and defaults, a partial's fixed arguments and their positions, and that the
generated code is still current (:func:`.transform.current`, which checks again what the
transformation assumed of the function's non-local names). The cycle
collector is paused while sweeps run that loop or call other generated code (their stacks grow),
as the transformation found them (:func:`.emit.codegen.repeats`); straight-line sweeps make a
bounded number of objects and run without the pause's cost.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adcompare import trees
from adcompare.engine import ArgnumsPartial
from adcompare.engines.sct import programs, transform
from adcompare.engines.sct.emit import boxed_callee, runtime
from adcompare.engines.sct.front.calls import user_call_method
from adcompare.engines.sct.front.normalize import var_keywords
from adcompare.tape_engine import cycle_collector_paused


def unwrap(f: Callable, primals: Sequence) -> tuple[Callable, list, tuple[int, ...], dict]:
    """See through the base class's ``partial_args``, ``functools.partial`` and bound methods:
    (function, all positional arguments, positions of ``primals`` among them, keywords)."""
    args, nums, kwargs = list(primals), tuple(range(len(primals))), {}
    while True:
        if isinstance(f, ArgnumsPartial):
            outer = list(f.args)
            for i, x in zip(f.nums, args):
                outer[i] = x
            nums = tuple(f.nums[k] for k in nums)
            f, args, kwargs = f.fun, outer, {**f.kwargs, **kwargs}
        elif isinstance(f, functools.partial):
            nums = tuple(k + len(f.args) for k in nums)
            f, args, kwargs = f.func, [*f.args, *args], {**f.keywords, **kwargs}
        elif isinstance(f, types.MethodType):  # a bound method: its function, with self first
            nums = tuple(k + 1 for k in nums)
            f, args = f.__func__, [f.__self__, *args]
        elif user_call_method(f):  # an object of a user class with __call__: that method, bound
            f = f.__call__
        else:
            return f, args, nums, kwargs


def _apart(a: Any, y: np.ndarray) -> bool:
    """Can an argument ``a`` not share memory with ``y``, an array that owns its data? (No when
    unsure: a container, or ``y`` itself or its view; then :func:`trees.unaliased` looks.)"""
    return type(a) is np.ndarray and a is not y and a.base is not y or type(a) in (float, int, np.float64)


def _positional(fn: Callable, nargs: int) -> bool:
    """Does ``fn`` take ``nargs`` positional arguments as they are (no defaults, no keywords)?"""
    code = getattr(fn, "__code__", None)
    return not getattr(fn, "__defaults__", None) and not getattr(fn, "__kwdefaults__", None) and (
        code is None or (nargs == code.co_argcount and not code.co_kwonlyargcount))


def bind(fn: Callable, args: list, kwargs: dict) -> tuple[list, dict]:
    """The arguments as ``fn``'s generated functions take them: by position wherever
    ``fn``'s signature allows (defaults filled in), keyword-only ones by keyword."""
    if not kwargs and _positional(fn, len(args)):  # else bind: its error
        return args, kwargs
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as e:  # as Python's own call would raise it, naming the function
        raise TypeError(f"{getattr(fn, '__qualname__', fn)}(): {e}") from None
    bound.apply_defaults()
    return list(bound.args), var_keywords(fn, dict(bound.kwargs))


def plain_float(x: Any) -> bool:
    """A real NumPy array or number of a float dtype: a leaf with no boxes, as grad takes it directly."""
    return type(x) in (float, np.float64) or type(x) is np.ndarray and x.dtype.kind == "f"


def complete(bar: Any, x: Any) -> Any:
    """The gradient of a plain float input ``x`` from its cotangent, as ``leaf_bars``/``complete`` make it."""
    tb, tx = type(bar), type(x)
    if tb is np.ndarray and tx is np.ndarray and bar.dtype is x.dtype and bar.shape == x.shape \
            or tb is np.float64 and (tx is float or tx is np.float64):
        return bar  # the common cases: what the general lines below return, without their calls
    return trees.complete(runtime.leaf_bars(bar, x)[0], x)


def _positions(argnums: Any, nargs: int) -> tuple[int, ...] | None:
    """``argnums`` as distinct positions among ``nargs`` arguments, or None (the general path says why)."""
    nums = (argnums,) if type(argnums) is int else argnums
    if type(nums) is not tuple or not nums or any(type(i) is not int or not -nargs <= i < nargs for i in nums):
        return None
    nums = tuple(i % nargs for i in nums)
    return nums if len(set(nums)) == len(nums) else None


_UNPAUSED = contextlib.nullcontext()  # what a straight-line sweep runs under (see _Plan.pause)
_F64 = np.dtype(np.float64)
_ONE = np.ones((), _F64)  # the seed's template: each call gets a copy of its own (the gradient may be it)
_ONE_SCALAR = np.float64(1.0)  # immutable: shared by every call


class _Plan:
    """What a direct path worked out for one number of arguments, and what it was worked out for:
    the function's code and defaults, and for a ``partial_args`` of a plain function, its fixed
    arguments and their positions (all checked on every call)."""

    __slots__ = ("fn", "code", "defaults", "kwdefaults", "fixed", "where", "nums", "active", "entry", "cleared",
                 "fwd", "bwd", "opaque", "generated", "pause")

    def __init__(self, fn: types.FunctionType, nums: tuple[int, ...], active: tuple[int, ...], nargs: int,
                 partial: ArgnumsPartial | None = None):
        self.fn, self.code, self.defaults, self.kwdefaults = fn, fn.__code__, fn.__defaults__, fn.__kwdefaults__
        self.fixed, self.where = (None, None) if partial is None else (partial.args, partial.nums)
        self.nums, self.active = nums, active
        self.cleared, self.entry = transform.kept(fn, "reverse", active, nargs)  # made, or from the cache
        self.fwd, self.bwd = self.entry.functions["fwd"], self.entry.functions["bwd"]
        self.opaque = boxed_callee.reaches_opaque(self.entry)
        self.generated = boxed_callee.reaches_generated(self.entry)  # see floats_as_given
        # straight-line sweeps that call no other generated code make a bounded number of objects, so
        # the cycle collector has nothing to rescan again and again: its pause (~1.5 us) would not pay
        self.pause = self.entry.repeats

    def holds(self, f: Any) -> bool:
        """Is ``f`` (a plain function, or a ``partial_args`` of one) still what this plan was made for?"""
        if self.fixed is not None:
            if f.args is not self.fixed or f.nums is not self.where or f.kwargs:
                return False
            f = f.fun
        return f is self.fn and f.__code__ is self.code and f.__defaults__ is self.defaults \
            and f.__kwdefaults__ is self.kwdefaults

    def call_args(self, args: tuple) -> Sequence:
        """The arguments the generated code takes: ``args``, placed among a partial's fixed ones."""
        if self.fixed is None:
            return args
        full = list(self.fixed)
        for i, x in zip(self.where, args):
            full[i] = x
        return full


class DirectGrad:
    """``value_and_grad(f, argnums)``'s direct path on one engine: ``(args) -> (y, grads)`` or None."""

    def __init__(self, engine: Any, f: Callable, argnums: Any):
        self.engine, self.f, self.argnums = engine, f, argnums
        # a plain function or a partial_args of one, "python" control: a plan per number of arguments
        # (see _Plan)
        self.plain = engine.control == "python" and (type(f) is types.FunctionType or type(f) is ArgnumsPartial
                                                      and type(f.fun) is types.FunctionType)
        self.plans: dict[int, _Plan] = {}

    def __call__(self, args: tuple) -> tuple | None:
        plan = self.plans.get(len(args)) if self.plain else None
        if plan is None or not plan.holds(self.f):
            return self._general(args)
        for i in plan.nums:
            x = args[i]
            if not (type(x) is np.ndarray and x.dtype.kind == "f" or type(x) is float or type(x) is np.float64):
                return None
        if not transform.still(plan.entry, plan.cleared):  # a global rebound, the cache cleared...
            plan = self.plans[len(args)] = _Plan(plan.fn, plan.nums, plan.active, len(plan.call_args(args)),
                                                 None if plan.fixed is None else self.f)  # transformed again
        if plan.opaque:
            return None  # the general path runs it on boxes (see SCTEngine._entry)
        return self._sweep(plan.fwd, plan.bwd, plan.call_args(args), {}, [args[i] for i in plan.nums], plan.pause)

    def floats_as_given(self, args: tuple) -> bool:
        """May Python-float arguments run as they are (not as NumPy scalars, see ``api._scalars``)? Yes
        where this call's plan reaches no code SCT made (no nested derivative: no test for ``0.0``)."""
        plan = self.plans.get(len(args)) if self.plain else None
        return plan is not None and not plan.generated and plan.holds(self.f)

    def _general(self, args: tuple) -> tuple | None:
        """The direct path worked out from scratch (and kept, for a plain function)."""
        nums = _positions(self.argnums, len(args))
        if nums is None or not all(plain_float(args[i]) for i in nums):
            return None
        engine = self.engine
        fn, call_args, where, kwargs = unwrap(self.f, list(args))
        if not isinstance(fn, types.FunctionType) or fn in programs.MADE or engine._by_boxes(fn):
            return None
        active = tuple(where[i] for i in nums)
        call_args, kwargs = bind(fn, call_args, kwargs)
        control, call_args = engine._controlled(call_args)
        entry = transform.transform(fn, "reverse", active, len(call_args), control=control)
        f = self.f
        partial = f if type(f) is ArgnumsPartial else None
        if self.plain and (fn is f or partial is not None and fn is partial.fun) and not kwargs \
                and _positional(fn, len(call_args)):  # control is "python"
            self.plans[len(args)] = _Plan(fn, nums, active, len(call_args), partial)
        if boxed_callee.reaches_opaque(entry):
            return None  # the general path runs it on boxes (see SCTEngine._entry)
        functions = entry.functions
        return self._sweep(functions["fwd"], functions["bwd"], call_args, kwargs, [args[i] for i in nums])

    def _sweep(self, fwd: Callable, bwd: Callable, call_args: Sequence, kwargs: dict,
               primals: list, pause: bool = True) -> tuple | None:
        """Both sweeps on the call's arguments: (value, gradients), or None. ``pause``: the cycle
        collector's, while they run (the sweeps' stacks and pull-backs form no cycles, as a tape's)."""
        with cycle_collector_paused() if pause else _UNPAUSED:
            y, residuals = fwd(*call_args, **kwargs)
            ty = type(y)
            if ty is np.ndarray:
                if y.shape != () or y.dtype.kind != "f":
                    return None  # the general path runs f again and says what is wrong with its output
                seed = _ONE.copy() if y.dtype is _F64 else np.ones((), y.dtype)
                if y.base is not None or kwargs or not all(_apart(a, y) for a in call_args):
                    y = trees.unaliased(y, (call_args, kwargs))  # the identity's is its input: JAX's never
            elif ty is float or ty is np.float64:  # a NumPy scalar seed: ~1 us less than a 0-d array's ops
                seed = 1.0 if ty is float else _ONE_SCALAR
            else:
                return None
            bars = bwd(residuals, seed)
            if seed is _ONE_SCALAR and any(bar is seed for bar in bars):  # the seed itself: the 0-d array it was
                bars = [_ONE.copy() if bar is seed else bar for bar in bars]
            del residuals  # freed while paused, or the collector's first pass on resuming scans them all
        if type(self.argnums) is int:  # one gradient: no tuple to build and unpack
            return y, complete(bars[0], primals[0])
        grads = tuple([complete(bar, x) for bar, x in zip(bars, primals)])
        return y, grads if len(grads) == 1 else trees.unaliased(grads)  # a + b's two are one array
