"""A NumPy-style namespace over PyTorch, so the vocabulary runs on torch tensors.

Only what the primitives' implementations call is here. With it registered
(:func:`adcompare.primitives.register_namespace`), PyTorch differentiates the
very same natural-form source that our engines and JAX do.

Three more things make that source run on tensors as it does on JAX arrays:

* NumPy constants beside a tensor in a vocabulary call (``anp.multiply(mask, t)``):
  torch's functions take tensors only, so every function here takes a NumPy array
  anywhere (and a number first) as a tensor on the tensor's device, its dtype kept.

* ``linalg``: what the linear algebra primitives call (``xp.linalg.solve``, ...),
  with NumPy's signatures. ``eigh`` and ``svd`` refuse, by name, a derivative at
  repeated eigen- or singular values, as our rules do (torch's would be nan);
  under ``torch.func`` transforms the values are not looked at (nan there, as
  under ``jax.jit``).
* :func:`interoperate_with_numpy`: natural-form code mixes tensors with NumPy
  constants by operators (``sn2 * np.eye(n)``). Torch gives those to NumPy, which
  converts the tensor (an error on one that requires grad). It gives
  ``torch.Tensor`` an ``__array_ufunc__`` that computes the NumPy ufunc in torch
  instead, on the tensor's device; a ufunc with no torch counterpart here, or
  any ufunc method other than a plain call, raises a ``TypeError`` naming it.
"""

from __future__ import annotations

import builtins

import numpy as np
import torch


def _t(x, device=None):
    """``x`` as a tensor: an array keeps its dtype, a Python float is float64 (as NumPy's)."""
    if isinstance(x, torch.Tensor):
        return x
    return torch.as_tensor(x, dtype=torch.float64 if type(x) is float else None, device=device)


# where the peer's inputs live (measure.tools puts them on CUDA when there is one): constants made from
# a shape alone (full, eye) go there too, or torch.cat refuses a CPU constant beside a CUDA input
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def _device(xs):
    """The device of the first tensor in ``xs`` that is not on the CPU (lists searched too), else the
    first tensor's, or None."""
    first = None
    for x in xs:
        d = x.device if isinstance(x, torch.Tensor) else _device(x) if type(x) in (list, tuple) else None
        if d is not None and d.type != "cpu":
            return d
        first = first or d
    return first


def _mixed(op):
    """``op`` taking NumPy arrays (anywhere) and a number first as tensors, as a primitive may pass
    them beside a tensor (``anp.multiply(np.eye(n), t)``); torch's functions take tensors only. Torch
    refuses them with a TypeError; only then are they converted (tensors alone cost one frame)."""

    def call(*xs, **params):
        try:
            return op(*xs, **params)
        except TypeError:
            if not xs or not builtins.any(type(x) is np.ndarray or type(x) in _NUMBERS for x in xs):
                raise
        device = _device(xs)
        first = _t(xs[0], device) if type(xs[0]) in _NUMBERS or type(xs[0]) is np.ndarray else xs[0]
        return op(first, *(_t(x, device) if type(x) is np.ndarray else x for x in xs[1:]), **params)

    call.__name__ = call.__qualname__ = getattr(op, "__name__", "op")
    return call


def _dims(axis):
    return None if axis is None else (axis if isinstance(axis, int) else tuple(axis))


add, subtract, multiply, divide = torch.add, torch.sub, torch.mul, torch.div
negative, sin, cos, tan, exp, log = torch.neg, torch.sin, torch.cos, torch.tan, torch.exp, torch.log
log1p, expm1, sqrt, tanh, abs, sign = torch.log1p, torch.expm1, torch.sqrt, torch.tanh, torch.abs, torch.sign
isfinite, matmul = torch.isfinite, torch.matmul


def power(x, y):
    return torch.pow(x, y)


def maximum(x, y):
    return torch.maximum(_t(x), _t(y))


def minimum(x, y):
    return torch.minimum(_t(x), _t(y))


def where(c, x, y):
    return torch.where(_t(c), _t(x), _t(y))


def _reduction(op, x, axis, keepdims):
    dims = tuple(range(x.ndim)) if axis is None else _dims(axis)
    return op(x, dim=dims, keepdim=keepdims)


def sum(x, axis=None, keepdims=False):
    return _reduction(torch.sum, x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    return _reduction(torch.mean, x, axis, keepdims)


def max(x, axis=None, keepdims=False):
    return _reduction(torch.amax, x, axis, keepdims)


def dot(x, y):
    return torch.mul(x, y) if 0 in (x.ndim, _t(y).ndim) else torch.matmul(x, y)


def transpose(x, axes=None):
    return x.permute(*(reversed(range(x.ndim)) if axes is None else axes))


def reshape(x, shape):
    return torch.reshape(x, tuple(shape))


def broadcast_to(x, shape):
    return torch.broadcast_to(_t(x), tuple(shape))


def concatenate(xs, axis=0):
    device = _device(xs)
    return torch.cat([_t(x, device) for x in xs], dim=axis)


def stack(xs, axis=0):
    device = _device(xs)
    return torch.stack([_t(x, device) for x in xs], dim=axis)


def squeeze(x, axis=None):
    return torch.squeeze(x) if axis is None else torch.squeeze(x, dim=_dims(axis))


def full(shape, fill, dtype=None):
    return torch.full(tuple(shape), fill, dtype=torch.float64, device=DEVICE)


def eye(n, dtype=None):
    return torch.eye(n, dtype=torch.float64, device=DEVICE)


# --------------------------------------------------------------------------
# The wider vocabulary (issue 15): what its primitives and constants call on ``xp``.
# Names torch lacks (cbrt) are left out: a call of one fails with its name.

square, reciprocal, exp2, log2, log10 = torch.square, torch.reciprocal, torch.exp2, torch.log2, torch.log10
sinh, cosh, arcsin, arccos, arctan = torch.sinh, torch.cosh, torch.asin, torch.acos, torch.atan
arcsinh, arccosh, arctanh, deg2rad, rad2deg = torch.asinh, torch.acosh, torch.atanh, torch.deg2rad, torch.rad2deg
real, conj, sinc, erf, polygamma = torch.real, torch.conj, torch.sinc, torch.erf, torch.polygamma
floor, ceil, isnan, isinf = torch.floor, torch.ceil, torch.isnan, torch.isinf
isposinf, isneginf, logical_not = torch.isposinf, torch.isneginf, torch.logical_not


def _binary(op):
    return lambda x, y: op(_t(x), _t(y))


arctan2, logaddexp, logaddexp2 = _binary(torch.atan2), _binary(torch.logaddexp), _binary(torch.logaddexp2)
fmax, fmin, remainder, fmod = _binary(torch.fmax), _binary(torch.fmin), _binary(torch.remainder), _binary(torch.fmod)
equal, logical_or, logical_and = _binary(torch.eq), _binary(torch.logical_or), _binary(torch.logical_and)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return torch.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def round(x, decimals=0):
    return torch.round(x, decimals=decimals)


def imag(x):
    return torch.imag(x) if torch.is_complex(x) else torch.zeros_like(x)


def min(x, axis=None, keepdims=False):
    return _reduction(torch.amin, x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    dims = tuple(range(x.ndim)) if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
    for d in sorted((d % x.ndim for d in dims), reverse=True):  # torch.prod takes one dim at a time
        x = torch.prod(x, dim=d, keepdim=keepdims)
    return x


def cumsum(x, axis):
    return torch.cumsum(x, dim=axis)


def cumprod(x, axis):
    return torch.cumprod(x, dim=axis)


def argmax(x, axis=None, keepdims=False):
    return torch.argmax(x, dim=axis, keepdim=keepdims)


def argmin(x, axis=None, keepdims=False):
    return torch.argmin(x, dim=axis, keepdim=keepdims)


def any(x, axis=None):
    return torch.any(x) if axis is None else torch.any(x, dim=axis)


# --- shapes and products (the vocabulary's einsum, N-d dot, asarray, and sort's argsort) ---
einsum = torch.einsum  # einsum(subscripts, *operands), as NumPy's


def dot(x, y):  # noqa: F811  (NumPy's N-d dot: the last axis of x against the second-to-last of y)
    x, y = _t(x), _t(y)
    if 0 in (x.ndim, y.ndim):
        return torch.mul(x, y)
    if x.ndim <= 2 and y.ndim <= 2:
        return torch.matmul(x, y)
    return torch.tensordot(x, y, dims=([x.ndim - 1], [max(y.ndim - 2, 0)]))


def stop_gradient(x):  # anp.stop_gradient on a tensor
    return x.detach()


def asarray(x, dtype=None):  # the dtype comes as NumPy names it (float64, int64)
    return _t(x) if dtype is None else _t(x).to(getattr(torch, np.dtype(dtype).name))


def argsort(x, axis=-1):
    return torch.argsort(x, dim=axis, stable=True)


def swapaxes(x, a, b):
    return torch.swapaxes(x, a, b)


_NUMBERS = (float, int, bool, np.float64, np.float32, np.int64, np.bool_)
_CONSTRUCTORS = ("full", "eye", "asarray")  # their first argument is a shape or a value, not an operand
for _name, _op in list(globals().items()):
    if callable(_op) and not _name.startswith("_") and not isinstance(_op, type) and _name not in _CONSTRUCTORS:
        globals()[_name] = _mixed(_op)


# --------------------------------------------------------------------------
# linalg: what adcompare.primitives.linalg calls on ``xp.linalg``


def _differentiated(a) -> bool:
    """Whether torch's autograd records ``a`` (a plain tensor, not one inside a ``torch.func`` transform)."""
    return a.requires_grad and not torch._C._functorch.is_functorch_wrapped_tensor(a)


def _distinct(values, name: str, what: str, nonzero: bool = False) -> None:
    if _differentiated(values):
        from adcompare.rules.linalg import _gaps  # the rules' own refusal, on the primal values

        _gaps(values.detach().cpu().numpy(), name, what, nonzero)


def _eigh(a, UPLO="L"):  # noqa: N803  (NumPy's and torch's name: the triangle LAPACK reads)
    w, v = torch.linalg.eigh(a, UPLO=UPLO)
    _distinct(w, "eigh", "eigenvalues")
    return w, v


def _svd(a, full_matrices=True):
    u, s, vh = torch.linalg.svd(a, full_matrices=full_matrices)
    _distinct(s, "svd", "singular values", nonzero=a.shape[-1] != a.shape[-2])
    return u, s, vh


def _norm(x, ord=None, axis=None, keepdims=False):  # vector norms: the primitive computes the Frobenius one
    return torch.linalg.vector_norm(x, 2 if ord is None else ord, dim=axis, keepdim=keepdims)


class linalg:  # noqa: N801 (NumPy's name)
    solve, inv, det, slogdet = (staticmethod(_mixed(torch.linalg.solve)), staticmethod(torch.linalg.inv),
                                staticmethod(torch.linalg.det), staticmethod(torch.linalg.slogdet))
    cholesky, qr, pinv = (staticmethod(torch.linalg.cholesky), staticmethod(torch.linalg.qr),
                          staticmethod(torch.linalg.pinv))
    eigh, svd, norm = staticmethod(_eigh), staticmethod(_svd), staticmethod(_norm)


# --------------------------------------------------------------------------
# NumPy operands: ``tensor * ndarray`` computed by torch

# ufuncs by NumPy's name that this namespace lacks or names differently (``equal`` is here: torch's is whole-array)
_UFUNCS = {"true_divide": torch.div, "floor_divide": torch.floor_divide, "greater": torch.gt,
           "greater_equal": torch.ge, "less": torch.lt, "less_equal": torch.le, "not_equal": torch.ne,
           "absolute": torch.abs, "positive": torch.positive, "logical_xor": torch.logical_xor}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    op = _UFUNCS.get(ufunc.__name__, globals().get(ufunc.__name__))
    if method != "__call__" or kwargs or not callable(op):
        raise TypeError(f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method}"
                        f"{' with ' + ', '.join(kwargs) if kwargs else ''} on a torch tensor is not supported "
                        "by the torch peer (adcompare.measure.torch_numpy); use the vocabulary (adcompare.numpy)")
    return op(*(_t(x, self.device) for x in inputs))


def interoperate_with_numpy() -> None:
    """Let NumPy arrays meet tensors in operators: torch computes, and differentiates, the result."""
    torch.Tensor.__array_ufunc__ = _array_ufunc
