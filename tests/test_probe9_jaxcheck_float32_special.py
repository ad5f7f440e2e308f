"""``gammaln`` and ``polygamma`` of float32 inputs stay float32, as JAX's (``check_jvp`` compares dtypes).

On NumPy, ``anp.gammaln`` of a float32 array gave float64 (its values come from ``math.lgamma``, vectorized
to float64), and so did ``anp.polygamma(n, x)`` for ``n > 0`` (SciPy's is float64): the value, the tangent
and the cotangent of ``gammaln`` (whose Hessian is ``polygamma(1, x)``) came back float64 for a float32 input,
where ``jax.jvp`` gives float32. Checked against JAX in float64 on several seeds, on every natural engine.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

NATURAL = [e for e in ad.ENGINES if e != "elemental"]


@pytest.mark.parametrize("engine", NATURAL)
@pytest.mark.parametrize("seed", [0, 1])
def test_gammaln_keeps_float32(engine, seed):
    eng = ad.engine(engine)
    rng = np.random.RandomState(seed)
    x = (0.5 + np.abs(rng.randn(2, 3))).astype(np.float32)
    t = rng.randn(2, 3).astype(np.float32)
    y, y_dot = eng.jvp(anp.gammaln, (x,), (t,))
    want_y, want_dot = jax.jvp(jsp.gammaln, (x,), (t,))
    assert y.dtype == y_dot.dtype == want_y.dtype == np.float32
    np.testing.assert_allclose(y, want_y, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y_dot, want_dot, rtol=1e-5, atol=1e-5)
    out, f_vjp = eng.vjp(lambda x: anp.gammaln(x) * 2.0, x)
    (x_bar,) = f_vjp(t)
    assert out.dtype == x_bar.dtype == np.float32
    np.testing.assert_allclose(x_bar, jax.vjp(lambda x: jsp.gammaln(x) * 2.0, x)[1](t)[0], rtol=1e-5, atol=1e-5)
    h = eng.hessian(lambda x: anp.sum(anp.gammaln(x)))(x)
    assert h.dtype == np.float32
    np.testing.assert_allclose(h, jax.hessian(lambda x: jnp.sum(jsp.gammaln(x)))(x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("n", [1, 2])
def test_polygamma_keeps_float32(n):
    x = np.array([0.7, 1.5, 3.2], dtype=np.float32)
    got = anp.polygamma(n, x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, jsp.polygamma(n, x), rtol=1e-5, atol=1e-5)
    assert anp.polygamma(n, x.astype(np.float64)).dtype == np.float64
    assert anp.gammaln(x.astype(np.float64)).dtype == np.float64
