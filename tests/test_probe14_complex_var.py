"""var/std of complex values are the mean squared modulus of the deviations (real), as NumPy and jnp give.

Found by this stop's gap-fixing helper: anp.var squared the complex deviations (d², a complex number) where
NumPy and JAX take |d|², so var([1+2j, 3-1j, -2+0.5j]) was 2.72-2j for 5.72. The primal only: the engines
differentiate real arrays.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kw", [{}, {"axis": 0}, {"axis": 1, "ddof": 1}, {"axis": 0, "keepdims": True},
                                {"where": np.array([[True, False, True, True]] * 3)}])
@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
def test_complex_var_is_mean_squared_modulus(seed, kw, name):
    if name.startswith("nan") and "where" in kw:
        kw = {k: v for k, v in kw.items() if k != "where"}
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3, 4)) + 1j * rng.normal(size=(3, 4))
    got = getattr(anp, name)(x, **kw)
    want = getattr(jnp, name)(jnp.asarray(x), **kw)
    assert np.asarray(got).dtype == want.dtype
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12, atol=0)
