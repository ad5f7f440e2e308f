"""A nonzero tangent for an integer or bool input is refused by ``jvp`` (and ``hvp``), naming the input.

Integer inputs are not differentiated, so such a tangent used to be dropped without a word: ``jvp(lambda
x, n: x * n, (1.5, 3), (1.0, 2.0))`` gave 3.0, leaving out the 2.0 * 1.5 the caller asked for (JAX refuses
any tangent but float0 there). Zeros of any dtype and float0 zeros stay accepted, as the engines' own
calls pass them.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
from adcompare import elemental as el


def scale(x, n):
    return el.multiply(x, n)


@pytest.mark.parametrize("engine", ad.ENGINES)
@pytest.mark.parametrize("tangent", [2, 2.0, np.array([0, 1]), np.array([True, False])])
def test_nonzero_tangent_of_an_integer_is_refused(engine, tangent):
    n = np.array([1, 2]) if np.ndim(tangent) else 3
    if np.ndim(tangent) and tangent.dtype == bool:
        n = np.array([True, False])
    with pytest.raises(ValueError, match=r"tangent 1 is nonzero but primal 1 has dtype (int|bool).*float0"):
        ad.engine(engine).jvp(scale, (1.5, n), (1.0, tangent))


@pytest.mark.parametrize("engine", ad.ENGINES)
@pytest.mark.parametrize("zero", [0, 0.0, np.zeros((), jax.dtypes.float0)])
@pytest.mark.parametrize("x", [1.5, -0.25])
def test_zero_tangent_of_an_integer_is_taken(engine, zero, x):
    y, y_dot = ad.engine(engine).jvp(scale, (x, 3), (1.0, zero))
    want = jax.jvp(lambda a: a * 3, (x,), (1.0,))
    np.testing.assert_allclose(y, want[0], rtol=1e-12)
    np.testing.assert_allclose(y_dot, want[1], rtol=1e-12)


@pytest.mark.parametrize("engine", ad.ENGINES)
def test_nested_tangent_leaf_is_named(engine):
    with pytest.raises(ValueError, match=r"tangent 0\['n'\] is nonzero"):
        ad.engine(engine).jvp(lambda d: scale(d["x"], d["n"]), ({"x": 1.5, "n": 3},), ({"x": 1.0, "n": 1.0},))
