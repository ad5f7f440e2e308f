"""hypot and float_power on JAX arrays take JAX's float of their dtypes without NumPy's deprecated conversion
of a JAX array to a dtype (np.result_type(jax_array): a DeprecationWarning now, an error in JAX to come);
values and dtypes as jnp's, Python numbers weak."""

import warnings

import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp

CASES = [(jnp.array([3, 4], dtype=jnp.int32), jnp.array([4, 3], dtype=jnp.int32)),
         (jnp.array([3.0, -4.0]), jnp.array([4.0, 0.5])),
         (jnp.array([3, 4], dtype=jnp.int32), 2),
         (np.array([3, 4], dtype=np.int32), 2),
         (np.array([3.0, 4.0], dtype=np.float32), 2.0)]


@pytest.mark.parametrize("name", ["hypot", "float_power"])
@pytest.mark.parametrize("k", range(len(CASES)))
def test_dtype_and_value_as_jnp_without_deprecations(name, k):
    x, y = CASES[k]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        got = getattr(anp, name)(x, y)
    want = getattr(jnp, name)(jnp.asarray(x), y)
    assert np.asarray(got).dtype == want.dtype
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
