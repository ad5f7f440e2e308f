"""NumPy's positional order where adcompare's differs: ``anp.var(x, 0, None)`` (NumPy's third positional is
dtype, adcompare's ddof) is refused by name at the user's line (it was Python's ``int - NoneType`` error from
inside var), and the arrays' ``.trace(dtype=...)`` differentiates as JAX's on every engine that takes methods (the
overloading engine raised Python's unexpected-keyword error)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_var_numpy_dtype_position_refused(name):
    def f(x):
        return anp.sum(anp.var(x, 0, None))

    x = np.random.default_rng(0).normal(size=(2, 3))
    with pytest.raises(TypeError, match=r"ddof=None .*pass dtype= by keyword"):
        ad.engine(name).grad(f)(x)


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_trace_method_dtype(name):
    def f(x):
        return x.trace(1, dtype=np.float64) * anp.sum(x)

    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=(3, 4))
        want = jax.grad(lambda v: jnp.trace(v, 1) * jnp.sum(v))(x)
        np.testing.assert_allclose(ad.engine(name).grad(f)(x), want, rtol=1e-12)
