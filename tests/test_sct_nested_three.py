"""Three nested derivatives through closures on SCT: computed, as JAX computes them.

``grad(f)`` where f takes ``grad(g)`` of a nested g that takes ``grad(h)`` of a nested h closing over
both differentiated values: SCT's reverse mode would hand the boxes a closure's sweep (whose results
are closures, not arrays) and failed with "vjp: output[0] is a Closure"; then it was refused ("three
nested levels"). A call of a closure's derivative program whose transformation would differentiate
such a sweep is now taken on the boxes for that one call (as a derivative of a derivative that moves
closures already was, :func:`..transform._entry_of`), exact: the same generated code, operation by
operation. Two nested levels are SCT's own and stay so (tests/test_sct_nested.py).
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp


def three_levels(eng):
    def f(x):
        def g(y):
            def h(z):
                return anp.sin(x * y * z)
            return eng.grad(h)(y)
        return eng.grad(g)(x)
    return f


def three_levels_jax(x):
    def g(y):
        def h(z):
            return jax.numpy.sin(x * y * z)
        return jax.grad(h)(y)
    return jax.grad(g)(x)


@pytest.mark.parametrize("x", [0.7, -1.3, 2.1])
def test_three_levels_computed(x):
    """Computed (the closure program's sweep is taken on the boxes for that one call), as JAX and overloading."""
    want = float(jax.jit(jax.grad(three_levels_jax))(x))  # jitted: JAX's eager nesting is slow
    for eng in (ad.engine("sct"), ad.engine("overloading")):
        np.testing.assert_allclose(eng.grad(three_levels(eng))(x), want, rtol=1e-12)
