"""The direct gradient path seeds a NumPy float64 output's reverse sweep with a NumPy scalar.

A 0-d array as the seed made the first operations of every reverse sweep run on 0-d arrays (~1 us
per call on helmholtz); ``np.float64(1.0)`` is immutable, so one is shared by every call (a gradient
that is the seed itself cannot be written through). The gradients are the tape's and JAX's,
in value and type, where the gradient is the seed, a multiple of it, or spread from it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct import direct

jax.config.update("jax_enable_x64", True)


def ident(x):
    return x


def scaled(x):
    return 3.0 * x


def summed(x):
    return anp.sum(x * x)


def two(x, y):
    return anp.sum(x) * y


CASES = [(ident, (np.float64(1.5),)), (ident, (np.array(1.5),)), (scaled, (np.float64(-2.0),)),
         (summed, (np.array([1.0, 2.0, 3.0]),)), (summed, (np.array(2.0),)),
         (two, (np.array([0.5, -1.0]), np.float64(3.0)))]


@pytest.mark.parametrize("f, args", CASES, ids=[f"{f.__name__}-{k}" for k, (f, _) in enumerate(CASES)])
def test_direct_gradients_match_the_tapes_and_jax(f, args):
    nums = tuple(range(len(args)))
    got = ad.engine("sct").grad(f, argnums=nums)(*args)
    general = ad.engine("overloading").grad(f, argnums=nums)(*args)  # the base class's general path
    want = jax.grad(f, argnums=nums)(*map(jnp.asarray, args))
    for g, h, w, x in zip(got, general, want, args):
        assert type(g) is type(h) and np.shape(g) == np.shape(x)
        np.testing.assert_allclose(g, w, rtol=1e-13)
    again = ad.engine("sct").grad(f, argnums=nums)(*args)  # the shared seed was not written through
    for g, a in zip(got, again):
        np.testing.assert_array_equal(g, a)


def test_the_seed_of_a_float64_output_is_a_numpy_scalar(monkeypatch):
    seen = []
    real = direct.DirectGrad._sweep

    def spy(self, fwd, bwd, *rest, **kw):
        def bwd_spy(residuals, seed):
            seen.append(seed)
            return bwd(residuals, seed)
        return real(self, fwd, bwd_spy, *rest, **kw)

    monkeypatch.setattr(direct.DirectGrad, "_sweep", spy)
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(ad.engine("sct").grad(summed)(x), 2 * x, rtol=1e-15)
    assert len(seen) == 1 and type(seen[0]) is np.float64 and seen[0] == 1.0
