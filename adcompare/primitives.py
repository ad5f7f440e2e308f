"""Primitive operations: what they compute, on which backend, and how they bind.

A :class:`Primitive` is a named operation with an implementation and (in
``rules.py``) a JVP rule and a VJP rule. Calling a primitive *binds* it:

* if no argument is an active value (a :class:`Box`), the implementation runs
  directly on the backend chosen from the arguments: ``jax.Array`` (tracers
  included) selects ``jax.numpy``; Python numbers and NumPy arrays select NumPy;
* otherwise the box of the highest *level* wins, and its trace processes the
  call. Levels are what keep nested derivatives apart (no perturbation
  confusion): each ``jvp``/``vjp`` opens a new level above the current ones,
  and a trace treats every box of a lower level as a constant.

All engines share this one mechanism; they differ only in the box and trace
types they define.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

# --------------------------------------------------------------------------
# Active values and traces


class Box:
    """An active value of one differentiation level. Engines subclass it."""

    __slots__ = ("trace",)
    __array_ufunc__ = None  # numpy operands defer to the box's reflected operators

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


class Trace:
    """One level of differentiation. ``process`` applies a primitive to boxes."""

    def __init__(self, level: int):
        self.level = level

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        raise NotImplementedError


_depth = [0]


class new_level:
    """Context manager that opens the next differentiation level."""

    def __enter__(self) -> int:
        _depth[0] += 1
        return _depth[0]

    def __exit__(self, *exc) -> None:
        _depth[0] -= 1


def primal(x: Any) -> Any:
    """Strip every level of boxing: the raw backend value."""
    while isinstance(x, Box):
        x = x.value
    return x


def unbox_at(x: Any, trace: Trace) -> Any:
    """The value one level below ``trace`` if ``x`` belongs to it, else ``x``."""
    return x.value if isinstance(x, Box) and x.trace is trace else x


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


def is_jax(x: Any) -> bool:
    return isinstance(primal(x), jax.Array)


def shape(x: Any) -> tuple:
    if type(x) in _SCALARS:
        return ()
    s = getattr(x, "shape", None)  # arrays, tracers, boxes and tensors carry it
    if type(s) is tuple:
        return s
    return tuple(s) if isinstance(s, tuple) else np.shape(x)


def result_dtype(x: Any):
    """The dtype ``x`` computes in (Python floats are float64)."""
    x = primal(x)
    if not hasattr(x, "dtype"):
        return np.result_type(x)
    if isinstance(x.dtype, np.dtype):
        return x.dtype
    return np.dtype(str(x.dtype).removeprefix("torch."))  # a peer's dtype, by name


def is_float(x: Any) -> bool:
    return np.issubdtype(result_dtype(x), np.inexact)


def constant_like(x: Any, fill: float, shape_: tuple | None = None) -> Any:
    """A constant array (never boxed) on ``x``'s backend and dtype."""
    x = primal(x)
    shape_ = np.shape(x) if shape_ is None else shape_
    if type(x) is float and shape_ == ():
        return float(fill)  # keeps Python-float programs on the scalar fast path
    xp = namespace((x,))
    dtype = result_dtype(x) if is_float(x) else np.float64
    return xp.full(shape_, fill, dtype=dtype)


# --------------------------------------------------------------------------
# Primitives

_op_log: list[OpLog | None] = [None]


class Primitive:
    """A named operation with one implementation per backend.

    Args:
        name: the vocabulary name (``"sin"``, ``"matmul"``, ...).
        impl: ``impl(xp, *args, **params)``, written once against the array API
            ``xp`` (NumPy or jax.numpy).
        scalar: optional fast path on Python floats (``math.sin``); it falls
            back to ``impl`` whenever it raises (``math.log(-1.0)``).
    """

    __slots__ = ("name", "impl", "scalar", "jvps", "vjps")

    def __init__(self, name: str, impl: Callable, scalar: Callable | None = None):
        self.name = name
        self.impl = impl
        self.scalar = scalar
        self.jvps: tuple | None = None  # filled in by rules.py, one per operand
        self.vjps: tuple | None = None

    def __repr__(self) -> str:
        return f"{self.name}_p"

    def __call__(self, *args, **params):
        top = None
        for a in args:
            if isinstance(a, Box) and (top is None or a.trace.level > top.trace.level):
                top = a
        if top is not None:
            return top.trace.process(self, args, params)
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
                    pass  # NumPy's answer instead: nan or inf with a warning
        if out is None:
            out = self.impl(namespace(args), *args, **params)
        if _op_log[0] is not None:
            _op_log[0].record(self.name, out)
        return out


class OpLog(Counter):
    """Primitive applications by name, and ``bytes_out``: the bytes of their results."""

    bytes_out: int = 0

    def record(self, name: str, out: Any) -> None:
        self[name] += 1
        self.bytes_out += nbytes(out)

    @property
    def total(self) -> int:
        return sum(self.values())


class count_ops:
    """Context manager logging every primitive application: ``with count_ops() as log``."""

    def __enter__(self) -> OpLog:
        self._saved = _op_log[0]
        _op_log[0] = OpLog()
        return _op_log[0]

    def __exit__(self, *exc) -> None:
        _op_log[0] = self._saved


def nbytes(x: Any) -> int:
    """Bytes of an array's data (8 for a Python float or int)."""
    if type(x) in _SCALARS:
        return 8
    n = getattr(x, "nbytes", None)
    return int(n) if n is not None else np.asarray(x).nbytes


def _unary(name: str, method: str, scalar: Callable | None = None) -> Primitive:
    return Primitive(name, lambda xp, x: getattr(xp, method)(x), scalar)


def _binary(name: str, method: str, scalar: Callable | None = None) -> Primitive:
    return Primitive(name, lambda xp, x, y: getattr(xp, method)(x, y), scalar)


def _sigmoid(xp, x):
    return 0.5 * (xp.tanh(0.5 * x) + 1.0)  # stable for large |x|


def _gammaln(xp, x):
    if xp is jnp:
        return jsp.gammaln(x)
    return np.vectorize(math.lgamma, otypes=[np.float64])(x)


def _logsumexp(xp, x, axis=None, keepdims=False):
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0.0)
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else xp.squeeze(out, axis=axis)


def _index_add(xp, g, idx, shape):
    """Zeros of ``shape`` with ``g`` added at ``idx``: the transpose of getitem."""
    dtype = result_dtype(g)
    if xp is jnp:
        return jnp.zeros(shape, dtype).at[idx].add(g)
    out = np.zeros(shape, dtype)
    np.add.at(out, idx, g)
    return out


def _dot(xp, x, y):
    if len(shape(x)) > 2 or len(shape(y)) > 2:
        raise NotImplementedError("dot supports operands of up to 2 dimensions; use matmul")
    return xp.dot(x, y)


add_p = _binary("add", "add", operator.add)
subtract_p = _binary("subtract", "subtract", operator.sub)
multiply_p = _binary("multiply", "multiply", operator.mul)
divide_p = _binary("divide", "divide", operator.truediv)
power_p = _binary("power", "power", math.pow)
maximum_p = _binary("maximum", "maximum", max)
minimum_p = _binary("minimum", "minimum", min)
negative_p = _unary("negative", "negative", operator.neg)
sin_p = _unary("sin", "sin", math.sin)
cos_p = _unary("cos", "cos", math.cos)
tan_p = _unary("tan", "tan", math.tan)
exp_p = _unary("exp", "exp", math.exp)
log_p = _unary("log", "log", math.log)
log1p_p = _unary("log1p", "log1p", math.log1p)
expm1_p = _unary("expm1", "expm1", math.expm1)
sqrt_p = _unary("sqrt", "sqrt", math.sqrt)
tanh_p = _unary("tanh", "tanh", math.tanh)
abs_p = _unary("abs", "abs", abs)
sigmoid_p = Primitive("sigmoid", _sigmoid)
gammaln_p = Primitive("gammaln", _gammaln)
where_p = Primitive("where", lambda xp, c, x, y: xp.where(c, x, y))
sum_p = Primitive("sum", lambda xp, x, axis=None, keepdims=False: xp.sum(x, axis=axis, keepdims=keepdims))
mean_p = Primitive("mean", lambda xp, x, axis=None, keepdims=False: xp.mean(x, axis=axis, keepdims=keepdims))
max_p = Primitive("max", lambda xp, x, axis=None, keepdims=False: xp.max(x, axis=axis, keepdims=keepdims))
logsumexp_p = Primitive("logsumexp", _logsumexp)
dot_p = Primitive("dot", _dot)
matmul_p = _binary("matmul", "matmul")
transpose_p = Primitive("transpose", lambda xp, x, axes=None: xp.transpose(x, axes))
reshape_p = Primitive("reshape", lambda xp, x, shape: xp.reshape(x, shape))
broadcast_to_p = Primitive("broadcast_to", lambda xp, x, shape: xp.broadcast_to(x, shape))
concatenate_p = Primitive("concatenate", lambda xp, *xs, axis=0: xp.concatenate(xs, axis=axis))
stack_p = Primitive("stack", lambda xp, *xs, axis=0: xp.stack(xs, axis=axis))
getitem_p = Primitive("getitem", lambda xp, x, idx: x[idx])
index_add_p = Primitive("index_add", _index_add)

# --- index_update_p (added with SCT's index writes, branch h-sct-long; the lead reconciles it with
# the vocabulary's own index update, which has this name and signature) ---------------------------


def _index_update(xp, x, v, idx):
    """``x`` with ``x[idx]`` replaced by ``v`` (broadcast), as a new array: JAX's ``x.at[idx].set(v)``."""
    if isinstance(x, (list, tuple)):
        raise TypeError(f"index_update: writing by index into a {type(x).__name__}; only arrays are "
                        "updated functionally (make it an array, e.g. with anp.zeros, or build the "
                        "list with append)")
    if xp is jnp:
        return jnp.asarray(x).at[idx].set(v)
    out = np.array(x, copy=True)
    out[idx] = v
    return out


index_update_p = Primitive("index_update", _index_update)

PRIMITIVES: dict[str, Primitive] = {
    p.name: p for p in list(globals().values()) if isinstance(p, Primitive)
}
