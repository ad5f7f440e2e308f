"""Direct calls: a primitive that an inline rule calls, without the primitive's dispatch, for code that is run.

Contract: :func:`direct` gives, for a primitive, a function equal to it on every input. On
operands that are all NumPy arrays or ``numpy.float64`` scalars (a reverse sweep's values and
cotangents on NumPy) it runs ``prim.impl(numpy, *args)``, which is what
:meth:`adcompare.primitives.Primitive.__call__` runs for them, without its loop over the
operand types; any other operand (a Python number, which may take the primitive's scalar
path; a box; a JAX array) goes through the primitive itself. Only a reverse sweep whose
residuals are rule pull-backs (code that is run, never transformed again) binds it: code that
is transformed again calls the primitive, which :mod:`.second` knows by name.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from adcompare.primitives import Primitive


@cache
def direct(prim: Primitive) -> Callable:
    """``prim`` with NumPy's arrays and float64 scalars sent straight to its implementation."""
    impl, array, f64 = prim.impl, np.ndarray, np.float64

    def call(*args):
        for a in args:
            if type(a) is not array and type(a) is not f64:
                return prim(*args)
        return impl(np, *args)

    call.__name__ = call.__qualname__ = f"{prim.name}_direct"
    return call
