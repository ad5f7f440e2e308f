"""Probe 16 (scientists' NumPy programs ported to anp): a float64 value written into a float32 buffer, on SCT.

``y = np.zeros(3, dtype=np.float32); y[0] = 1.1 * p[0]`` casts the value to float32 (NumPy's write, JAX's
``.at[].set``); JAX's cotangent of the value is cast back to the value's float64. index_update_p's rule
(rules/shapes) kept it in float32, so the float64 chain rule after it ran in float32: a gradient off by about
3e-8 relative (0.66289461 for JAX's 0.66289459), silently. It is cast to the value's dtype now (a Python number
takes the array's, as before). Checked against JAX in float64: values and dtypes of grad and jvp, on both
of SCT's second orders, and ``control="lax"`` on JAX inputs.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from probe16_check import TOL

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
ENGINES = {"sct": ad.engine("sct"), "boxes": ad.engine("sct", higher="boxes")}


def f(p):
    y = anp.zeros(3, dtype=np.float32)
    y[0] = p[0] * 1.1
    y[1:] = anp.sin(p[1:])
    return anp.sum(y * y) * 0.5


def f_jax(p):
    y = jnp.zeros(3, dtype=np.float32)
    y = y.at[0].set((p[0] * 1.1).astype(np.float32)).at[1:].set(jnp.sin(p[1:]).astype(np.float32))
    return jnp.sum(y * y) * 0.5


def _p(seed):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, 3)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_written_values_cotangent_is_in_its_dtype(engine):
    for seed in (0, 1):
        p = _p(seed)
        got, want = ENGINES[engine].grad(f)(p), jax.grad(f_jax)(p)
        assert got.dtype == want.dtype == np.float64
        np.testing.assert_allclose(got, want, **TOL)
    t = np.cos(p)
    for a, b in zip(ENGINES[engine].jvp(f, (p,), (t,)), jax.jvp(f_jax, (p,), (t,))):
        assert np.result_type(a) == np.result_type(b)
        np.testing.assert_allclose(a, b, **TOL)


def test_on_jax_inputs():
    p = jnp.asarray(_p(2))
    np.testing.assert_allclose(ad.engine("sct", control="lax").grad(f)(p), jax.grad(f_jax)(p), **TOL)
