"""The binding mechanism: active values, traces, levels, backends and the Primitive class.

A :class:`Primitive` is a named operation with an implementation and (in
:mod:`adcompare.rules`) a JVP rule and a VJP rule. Calling a primitive *binds* it:

* if no argument is an active value (a :class:`Box`), the implementation runs
  directly on the backend chosen from the arguments: ``jax.Array`` (tracers
  included) selects ``jax.numpy``; Python numbers and NumPy arrays select NumPy;
* otherwise the box of the highest *level* wins, and its trace processes the
  call. Levels are what keep nested derivatives apart (no perturbation
  confusion): each ``jvp``/``vjp`` opens a new level above the current ones,
  and a trace treats every box of a lower level as a constant. Each thread
  counts its own levels, so threads differentiating at once cannot confuse
  each other's levels.

All engines share this one mechanism and differ only in their box and trace types.
Nothing here measures: the measurement layer counts operations with a trace of its own.
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from adcompare.concrete import check_real, describe_function, refuse
from adcompare.primitives import masked
from adcompare.primitives.ufunc_methods import UfuncMethods
from adcompare.primitives.weak import WeakArray, on_jax, strengthen, weak_call

# --------------------------------------------------------------------------
# Active values and traces


class Box:
    """An active value of one differentiation level. Engines subclass it.

    It refuses to become a constant (``float(x)``, ``math.sin(x)``,
    ``np.asarray(x)``, ``np.sum(x)``, ...) with a :class:`ConcretizationTypeError`
    that points at the user's line, as a JAX tracer does.
    """

    __slots__ = ("_trace",)
    __array_ufunc__ = None  # numpy operands defer to the box's reflected operators
    vocabulary = "anp"  # the library the user writes with, for error messages
    write_hint = "`y = anp.index_update(y, i, v)` (or `y[i] = v` on `y = anp.zeros(shape, like=x)`, x active)"
    compare_hint = "Comparisons (x > 0) work on active values as they are"

    # --- never a constant -----------------------------------------------------

    def _number_hint(self) -> str:
        v = self.vocabulary
        return (f"the vocabulary ({v}.sin(x), not math.sin(x)), and {v}.stack([...]) or "
                f"{self.write_hint} to build an array (not a NumPy array). {self.compare_hint}")

    def __float__(self):
        raise refuse("float() (also called by math.*, np.float64, and writing into a NumPy array)",
                     self._number_hint())

    def __int__(self):
        raise refuse("int()", self._number_hint())

    def __complex__(self):
        raise refuse("complex()", self._number_hint())

    def __index__(self):
        raise refuse("use as an integer (an index, a size or a range bound)",
                     "a plain int: an index is never differentiated")

    def __array__(self, dtype=None, copy=None):
        masked.refuse_a_request()  # M * x of a masked M: NumPy's masked arithmetic asks x for its data
        v = self.vocabulary
        raise refuse("conversion to a NumPy array (np.asarray, np.array, np.float64, np.r_, np.c_, a NumPy "
                     "array's method such as X.dot(w) of a constant X, or writing into a NumPy array)",
                     f"{v}.asarray / {v}.array / {v}.stack to build an array, {v}.dot(X, w) for X.dot(w) (NumPy's "
                     f"methods take no active argument), and {self.write_hint} to write into one")

    def __deepcopy__(self, memo):  # values are never changed in place: share them, and the trace
        return copy.copy(self)

    def item(self, *args):
        raise refuse("x.item()", self._number_hint())

    def tolist(self):
        raise refuse("x.tolist()", f"{self.vocabulary}.getitem(x, i) for an element")

    def __array_function__(self, func, types, args, kwargs):
        if func in _SHAPE_FUNCTIONS:  # primal-valued, as on a JAX tracer
            return func(*(primal(a) for a in args), **kwargs)
        name = getattr(func, "__name__", "")
        raise refuse(f"{describe_function(func)}()",
                     f"the vocabulary's {self.vocabulary}.{name} (adcompare.numpy names)")

    @property
    def value(self) -> Any:  # the primal, one level down
        raise NotImplementedError

    @property
    def shape(self) -> tuple:
        return shape(self.value)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def dtype(self):
        return result_dtype(self.value)


_SHAPE_FUNCTIONS = frozenset({np.shape, np.ndim, np.size, np.result_type})


class Trace:
    """One level of differentiation. ``process`` applies a primitive to boxes."""

    def __init__(self, level: int):
        self.level = level

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        raise NotImplementedError

    def constant(self, value: Any) -> Box:
        """A box of this level holding the constant ``value`` (``anp.zeros_like(x)`` of a box).

        Writing an active value into it by index (``y[i] = v``) then updates it
        functionally, at this level.
        """
        raise NotImplementedError(f"{type(self).__name__} makes no constant boxes")

    def rebind(self, box: Box, new: Box) -> None:
        """Make ``box`` stand for ``new`` from now on, in place (``box[i] = v`` on an active value).

        The recorded past keeps what ``box`` stood for before; only later uses see ``new``. What
        ties ``box`` to other arrays (its ``alias``, see :mod:`adcompare.views`) stays its own.
        """
        for cls in type(box).__mro__:
            for name in getattr(cls, "__slots__", ()):
                if name != "alias" and name != "__weakref__":
                    setattr(box, name, getattr(new, name))


class _ThreadState(threading.local):
    """What each thread keeps for itself: its level count. Two threads differentiating at once must not share it: a
    process-wide count lets one thread's inner level reuse another's outer level number (perturbation confusion)."""

    depth: int = 0


_state = _ThreadState()


class new_level:
    """Context manager that opens the next differentiation level (of this thread)."""

    def __enter__(self) -> int:
        _state.depth += 1
        return _state.depth

    def __exit__(self, *exc) -> None:
        _state.depth -= 1


def primal(x: Any) -> Any:
    """Strip every level of boxing: the raw backend value."""
    while isinstance(x, Box):
        x = x.value
    return x


# --------------------------------------------------------------------------
# Backends

_SCALARS = (float, int)
_NUMPY_TYPES = {float, int, bool, np.ndarray, np.float64, np.float32, np.int64, np.bool_}


_OTHER_NAMESPACES: dict[type, Any] = {}  # peers' array types: autograd boxes, torch tensors


def register_namespace(array_type: type, xp: Any) -> None:
    """Run the vocabulary on ``array_type`` with the array namespace ``xp``.

    This is how a peer (HIPS autograd, PyTorch) runs the same natural-form
    source as our engines.
    """
    _OTHER_NAMESPACES[array_type] = xp


def namespace(args: tuple):
    """``jax.numpy`` if any argument is a JAX array or tracer, else NumPy (or a peer's)."""
    for a in args:
        t = type(a)
        if t in _NUMPY_TYPES:
            continue
        if isinstance(a, jax.Array):
            return jnp
        if t in _OTHER_NAMESPACES:
            return _OTHER_NAMESPACES[t]
    return np


def shape(x: Any) -> tuple:
    if type(x) is np.ndarray:  # the common case, first
        return x.shape
    if type(x) in _SCALARS:
        return ()
    if type(x) in (list, tuple):  # a nested list of values (active ones too), as it packs
        return (len(x),) + (shape(x[0]) if x else ())
    s = getattr(x, "shape", None)  # arrays, tracers, boxes and tensors carry it
    if type(s) is tuple:
        return s
    return tuple(s) if isinstance(s, tuple) else np.shape(x)


def result_dtype(x: Any):
    """The dtype ``x`` computes in (Python floats are float64)."""
    if type(x) is np.ndarray:  # the common case, first
        return x.dtype
    x = primal(x)
    if not hasattr(x, "dtype"):
        return np.result_type(x)
    if isinstance(x.dtype, np.dtype):
        return x.dtype
    return np.dtype(str(x.dtype).removeprefix("torch."))  # a peer's dtype, by name


# --------------------------------------------------------------------------
# Primitives

PRIMITIVES: dict[str, Primitive] = {}  # every primitive by name, in the order they are made


class Primitive(UfuncMethods):
    """A named operation with one implementation per backend.

    Args:
        name: the vocabulary name (``"sin"``, ``"matmul"``, ...).
        impl: ``impl(xp, *args, **params)``, written once against the array API
            ``xp`` (NumPy or jax.numpy).
        scalar: optional fast path on Python floats (``math.sin``). Where it
            raises (``math.log(0.0)``, ``math.pow(-4.0, 0.5)``), NumPy's ``impl``
            answers instead, so Python floats get NumPy's inf and nan, as floats.
        register: enter it in ``PRIMITIVES`` (names are unique there).
    """

    __slots__ = ("name", "impl", "scalar", "jvp", "vjp", "value_and_vjp", "value_and_jvp", "nondiff", "jvps",
                 "vjps", "derivatives", "operand_names", "__weakref__")

    def __init__(self, name: str, impl: Callable, scalar: Callable | None = None, register: bool = True):
        self.name = name
        self.impl = impl
        self.scalar = scalar
        # Filled in by adcompare.rules (see adcompare.rules.base for their form):
        self.jvp: Callable | None = None  # the joint rules, all operands at once: what engines call
        self.vjp: Callable | None = None
        # ``value_and_vjp(active, *operands, **params) -> (ans, pullback)``, for a rule that computes
        # the value itself (a custom_vjp's fwd, a checkpoint); None: the value is ``impl``'s
        self.value_and_vjp: Callable | None = None
        self.value_and_jvp: Callable | None = None  # ``(tangents, *operands) -> (ans, ans_dot)``, the same
        self.nondiff: frozenset[int] = frozenset()  # operand positions with no derivative
        self.jvps: Any = None  # the per-operand views, one rule per operand
        self.vjps: Any = None
        self.derivatives: tuple | None = None  # an elementwise primitive's one entry (rules.defderiv)
        self.operand_names: tuple[str, ...] = ()  # the names that entry calls its operands
        if register:  # the vocabulary's primitives; a user's custom function is not one
            if name in PRIMITIVES:
                raise ValueError(f"a primitive named {name!r} exists already")
            PRIMITIVES[name] = self

    def __repr__(self) -> str:
        return f"{self.name}_p"

    def differentiable(self, i: int) -> bool:
        """Whether operand i has a derivative (a ``where`` condition or an index has none)."""
        return i not in self.nondiff

    def __call__(self, *args, **params):
        for a in args:  # the fast path: NumPy arrays and numbers only (no boxes, no lists)
            if type(a) not in _NUMPY_TYPES:
                break
        else:
            # ``apply`` takes the scalar path only where every operand is a Python number
            return self.impl(np, *args, **params) if args and (self.scalar is None or type(args[0]) not in _SCALARS) \
                else self.apply(*args, **params)
        top = None
        for a in args:
            if isinstance(a, Box):
                if top is None or a._trace.level > top._trace.level:
                    top = a
            elif type(a) in _SEQUENCES:  # a list of values is an array, as jnp.asarray makes it
                return self(*map(pack, args), **params)
            elif isinstance(a, masked.MASKED):  # NumPy applies its mask (a matrix's products), JAX and the rules not
                raise masked.refusal(self.name, a)
        if WeakArray in map(type, args):  # anp.full's weak array: JAX's dtype for it (weak.weak_call)
            return weak_call(self, args, params, result_dtype)
        if top is not None:
            check_real(self.name, [a for a in args if not isinstance(a, Box)])
            return top._trace.process(self, args, params)
        return self.apply(*args, **params)

    def apply(self, *args, **params):
        """Run the implementation on raw values (no boxes)."""
        out = None
        if self.scalar is not None:
            for a in args:
                if type(a) not in _SCALARS:
                    break
            else:
                try:
                    out = self.scalar(*args)
                except (ValueError, OverflowError, ZeroDivisionError):
                    # NumPy's answer instead (inf or nan, with its warning), as a Python number
                    out = self.impl(np, *args, **params).item()
        if out is None:
            xp = namespace(args)  # (jnp reads a NumPy array as typed: a weak one, anp.full's, is made JAX's weak)
            out = self.impl(xp, *(on_jax(args) if xp is jnp else args), **params)
        return out


_SEQUENCES = (list, tuple)


def pack(x: Any) -> Any:
    """``x`` with its nested lists and tuples packed into one array, as ``jnp.asarray`` packs them.

    Active values anywhere inside are stacked by the ``stack`` primitive, so the array is differentiated
    like any other value; plain numbers and arrays make an ordinary array of their backend; Python numbers
    are weakly typed (:mod:`.weak`). Anything that is not a list or tuple is returned as it is.
    """
    if type(x) not in _SEQUENCES:
        return x
    parts = strengthen([pack(e) for e in x], x, result_dtype)
    if parts and (any(isinstance(e, Box) for e in parts) or namespace(parts) is not np):
        return stack_p(*parts, axis=0)
    return np.asarray(parts)


# ``pack`` makes arrays of lists with it, so it is part of the mechanism.
stack_p = Primitive("stack", lambda xp, *xs, axis=0: xp.stack(strengthen(list(xs), xs, result_dtype), axis=axis))
