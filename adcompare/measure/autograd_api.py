"""HIPS autograd behind JAX's signatures, so that every measured mode reaches it the same way.

Contract: :class:`AutogradAPI` has the part of JAX's interface that
:func:`adcompare.measure.modes.derivative_of` calls (``grad`` with an int or
tuple ``argnums``, ``jvp``, ``jacrev``, ``hessian``), each made from autograd's
own operators: ``grad`` and ``jacobian`` (reverse mode) and ``make_jvp``
(autograd's forward mode). ``hessian`` is forward over reverse, one ``make_jvp``
of the gradient per input element, as ``jax.hessian`` is; ``jacrev(jacrev(f))``
is autograd's reverse over reverse. Several differentiated arguments are packed
into one tuple, which autograd differentiates as a container. The vocabulary
reaches autograd's boxes through :func:`adcompare.primitives.register_namespace`
(done once by :func:`load`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def load() -> Any:
    """Imports autograd and lets the vocabulary dispatch on its boxes; returns the module."""
    import autograd
    import autograd.numpy as agnp
    from autograd.numpy.numpy_boxes import ArrayBox

    from adcompare.primitives import register_namespace

    register_namespace(ArrayBox, agnp)
    return autograd


def _packed(f: Callable, args: tuple, nums: tuple) -> Callable:
    """``f`` of the arguments at ``nums`` as one tuple, the others fixed at ``args``."""
    def of_tuple(xs):
        full = list(args)
        for k, x in zip(nums, xs):
            full[k] = x
        return f(*full)

    return of_tuple


class AutogradAPI:
    """autograd's operators under JAX's names and signatures (see the module's contract)."""

    def __init__(self):
        self.autograd = load()

    def grad(self, f: Callable, argnums: int | tuple = 0) -> Callable:
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

        def gradient(*args):
            bars = self.autograd.grad(_packed(f, args, nums))(tuple(args[k] for k in nums))
            return bars[0] if isinstance(argnums, int) else tuple(bars)

        return gradient

    def jvp(self, f: Callable, primals: tuple, tangents: tuple) -> tuple[Any, Any]:
        nums = tuple(range(len(primals)))
        return self.autograd.make_jvp(_packed(f, tuple(primals), nums))(tuple(primals))(tuple(tangents))

    def jacrev(self, f: Callable, argnums: int = 0) -> Callable:
        return self.autograd.jacobian(f, argnums)

    def hessian(self, f: Callable, argnums: int = 0) -> Callable:
        g = self.grad(f, argnums)

        def hessian_f(*args):
            x = np.asarray(args[argnums], dtype=float)

            def g_of_x(y):
                return g(*args[:argnums], y, *args[argnums + 1:])

            push = self.autograd.make_jvp(g_of_x)(x)
            columns = [push(e.reshape(x.shape))[1] for e in np.eye(x.size)]
            return np.moveaxis(np.stack(columns), 0, -1).reshape(np.shape(columns[0]) + x.shape)

        return hessian_f
