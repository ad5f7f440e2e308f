"""NumPy's constants and dtype names in the vocabulary, and derivatives through them, against JAX."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = ["overloading", "sct"]


@pytest.mark.parametrize("name", ["pi", "e", "euler_gamma", "inf", "nan", "float16", "float32", "float64",
                                  "int8", "int16", "int32", "int64", "bool_"])
def test_same_as_numpy(name):
    ours, theirs = getattr(anp, name), getattr(np, name)
    assert ours is theirs or (np.isnan(ours) and np.isnan(theirs))


def program(xp):
    def f(x):
        y = xp.where(x > 0.5, x, -xp.inf)  # -inf where x <= 0.5: exp takes it to 0
        z = (x * xp.e).astype(xp.float32).astype(xp.float64)
        return xp.sum(xp.exp(y - xp.euler_gamma)) + xp.sum(z * x) + xp.pi * xp.sum(x * x)
    return f


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_derivatives_through_constants(engine, seed):
    x = np.random.default_rng(seed).uniform(0.0, 1.0, 5)
    want = jax.grad(program(jnp))(jnp.asarray(x))
    got = ad.engine(engine).grad(program(anp))(x)
    np.testing.assert_allclose(got, want, rtol=1e-12)  # the float32 round trip rounds as JAX
    np.testing.assert_allclose(program(anp)(x), program(jnp)(x), rtol=1e-12)
