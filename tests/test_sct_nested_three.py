"""Three nested derivatives through closures on SCT: a clear refusal, not a type error from inside.

``grad(f)`` where f takes ``grad(g)`` of a nested g that takes ``grad(h)`` of a nested h closing over
both differentiated values: SCT's reverse mode would hand the boxes a closure's sweep (whose results
are closures, not arrays) and failed with "vjp: output[0] is a Closure". It now refuses, naming the
problem and the user's line, and the overloading engine (the hint) gives JAX's value. Two nested
levels are SCT's own and stay so (tests/test_sct_nested.py).
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct.errors import SCTError


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
def test_three_levels_refused_clearly_and_taken_on_boxes(x):
    eng = ad.engine("sct")
    with pytest.raises(SCTError, match="three nested levels") as info:
        eng.grad(three_levels(eng))(x)
    notes = "\n".join(getattr(info.value, "__notes__", ()))
    assert "test_sct_nested_three.py" in notes and "ad.engine('overloading')" in str(info.value)
    other = ad.engine("overloading")
    np.testing.assert_allclose(other.grad(three_levels(other))(x), float(jax.grad(three_levels_jax)(x)),
                               rtol=1e-12)
