"""A NumPy tangent or cotangent (or a Python float) for JAX-array primals: the results stay JAX arrays.

DESIGN.md: "The outputs stay on the backend of the inputs." With ``jax.Array`` primals, ``eng.jvp(f, (x,), (t,))``
with a NumPy tangent ``t`` gave a NumPy tangent out, and ``f_vjp(y_bar)`` with a NumPy or Python-float cotangent
gave NumPy cotangents for the inputs whose derivative was computed (an unused input's zero was a JAX array), on
every engine; JAX gives JAX arrays. The results are completed on the primals' backend. Checked against JAX in
float64 and float32 on several seeds.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def natural(x, y):
    return anp.sum(anp.sin(y) * y) + 0.0 * anp.sum(x[:1])


def elemental(x, y):
    return el.add(el.sum(el.multiply(el.sin(y), y)), el.multiply(0.0, el.sum(el.getitem(x, slice(None, 1)))))


def oracle(x, y):
    return jnp.sum(jnp.sin(y) * y) + 0.0 * jnp.sum(x[:1])


CASES = [("overloading", natural), ("sct", natural), ("elemental", elemental)]


def _same(got, want, dtype):
    assert isinstance(got, jax.Array), type(got)
    assert got.dtype == dtype and got.shape == want.shape
    tol = 1e-10 if dtype == jnp.float64 else 1e-5
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want), rtol=tol, atol=tol)


@pytest.mark.parametrize("name,f", CASES)
@pytest.mark.parametrize("dtype", [jnp.float64, jnp.float32])
def test_numpy_directions_for_jax_primals(name, f, dtype):
    eng = ad.engine(name)
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        x, y = rng.standard_normal(2), rng.standard_normal(3)
        y[0] = 0.0 if seed else -1.3
        tx, ty = rng.standard_normal(2).astype(dtype), rng.standard_normal(3).astype(dtype)
        X, Y = jnp.asarray(x, dtype), jnp.asarray(y, dtype)
        x64, y64 = jnp.asarray(x), jnp.asarray(y)
        _, t = eng.jvp(f, (X, Y), (tx, ty))  # NumPy tangents
        _same(t, jax.jvp(oracle, (x64, y64), (jnp.asarray(tx, jnp.float64), jnp.asarray(ty, jnp.float64)))[1],
              dtype)
        _, f_vjp = eng.vjp(f, X, Y)
        _, want_vjp = jax.vjp(oracle, x64, y64)
        for bar in (np.asarray(1.5, dtype), 1.5):  # a NumPy scalar, a Python float
            for g, w in zip(f_vjp(bar), want_vjp(jnp.asarray(1.5))):
                _same(g, w, dtype)
