"""Probe 13 (SCT dtypes): SCT's results have JAX's dtypes where its generated code met NumPy's promotion.

Two leaks remained after probe 12 made the primitives promote as JAX (silently different dtypes, values fine):

* SCT's generated primal ran inline operators (``x * n``, ``x + n``, ``x - n``, ``x / n``) as NumPy's on raw
  arrays: a float32 array with an int64 array was float64 (JAX's, the overloading engine's: float32), so the
  values and tangents of ``jvp``/``vjp`` were float64;
* a Python float primal beside a float32 array: SCT runs it as a NumPy float64 (its ``0.0`` is the zero
  placeholder), strong where JAX's Python float is weak: ``jvp``/``vjp`` outputs were float64 (JAX: float32).

Checked against ``jnp``'s dtypes (``jax.eval_shape``) and JAX's float64 values (to float32's precision), on
SCT with both second orders and on the overloading engine, NumPy inputs, a few seeds.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = {"sct": ad.engine("sct"), "sct_boxes": ad.engine("sct", higher="boxes"),
           "overloading": ad.engine("overloading")}
RTOL = 2e-5  # float32 results against JAX's float64 values


def mixed(x, n):
    """Every inline operator with an integer array beside the float32 one, on both sides."""
    return anp.sin(x * n + n) / (n + 1) - (n - x) * anp.cos(x / n) + n / x


def scaled(c, x):
    """A Python float beside a float32 array."""
    return anp.sin(c * x) + c * x * x - c


def inputs(seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 2.0, 4).astype(np.float32), rng.integers(1, 5, 4), rng.uniform(0.5, 2.0, 4).astype(
        np.float32)


def jax_dtype(f, *args):
    out = jax.eval_shape(lambda: f(*(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)))
    return jax.tree_util.tree_map(lambda v: v.dtype, out)


def wide(a):
    return jnp.asarray(a, jnp.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else (
        jnp.asarray(a) if isinstance(a, np.ndarray) else a)


def same(ours, dtype, want):
    assert np.asarray(ours).dtype == dtype
    np.testing.assert_allclose(np.asarray(ours, np.float64), np.asarray(want), rtol=RTOL, atol=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_inline_operators_with_integer_arrays(engine, seed):
    eng = ENGINES[engine]
    x, n, t = inputs(seed)
    dtype = jax_dtype(mixed, x, n)
    assert dtype == np.float32
    y, y_dot = eng.jvp(lambda x: mixed(x, n), (x,), (t,))
    want, want_dot = jax.jvp(lambda x: mixed(x, jnp.asarray(n)), (wide(x),), (wide(t),))
    same(y, dtype, want)
    same(y_dot, dtype, want_dot)
    y, pull = eng.vjp(lambda x: mixed(x, n), x)
    want, jax_pull = jax.vjp(lambda x: mixed(x, jnp.asarray(n)), wide(x))
    same(y, dtype, want)
    same(pull(t)[0], np.float32, jax_pull(wide(t))[0])
    total = lambda x, n: anp.sum(mixed(x, n))  # noqa: E731
    same(eng.grad(total)(x, n), np.float32, jax.grad(total)(wide(x), jnp.asarray(n)))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", [0, 1])
def test_second_order_with_integer_arrays(engine, seed):
    eng = ENGINES[engine]
    x, n, t = inputs(seed)
    total = lambda x: anp.sum(mixed(x, n))  # noqa: E731
    same(eng.hessian(total)(x), np.float32, jax.hessian(lambda x: jnp.sum(mixed(x, jnp.asarray(n))))(wide(x)))
    hv = eng.hvp(total, (x,), (t,))
    _, want = jax.jvp(jax.grad(lambda x: jnp.sum(mixed(x, jnp.asarray(n)))), (wide(x),), (wide(t),))
    same(hv, np.float32, want)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("c", [2.5, 0.0, -1.25])
def test_python_float_primal_is_weak(engine, c):
    eng = ENGINES[engine]
    x, _, t = inputs(int(c * 4) % 7)
    dtype = jax_dtype(scaled, c, x)
    assert dtype == np.float32
    y, y_dot = eng.jvp(scaled, (c, x), (1.0, t))
    want, want_dot = jax.jvp(scaled, (c, wide(x)), (1.0, wide(t)))
    same(y, dtype, want)
    same(y_dot, dtype, want_dot)
    y, pull = eng.vjp(scaled, c, x)
    want, jax_pull = jax.vjp(scaled, c, wide(x))
    same(y, dtype, want)
    c_bar, x_bar = pull(t)
    want_c, want_x = jax_pull(wide(t))
    np.testing.assert_allclose(float(c_bar), float(want_c), rtol=RTOL)
    same(x_bar, np.float32, want_x)
    same(eng.grad(lambda x: anp.sum(scaled(c, x)))(x), np.float32, jax.grad(lambda x: jnp.sum(scaled(c, x)))(wide(x)))
    total = lambda c, x: anp.sum(scaled(c, x))  # noqa: E731
    value, (_, x_bar) = eng.value_and_grad(total, argnums=(0, 1))(c, x)
    want, (_, want_x) = jax.value_and_grad(total, argnums=(0, 1))(c, wide(x))
    same(value, jax_dtype(total, c, x), want)
    same(x_bar, np.float32, want_x)


@pytest.mark.parametrize("engine", ENGINES)
def test_float64_unchanged(engine):
    """float64 (and a Python float with float64) stays float64, JAX's values to float64's precision."""
    eng = ENGINES[engine]
    x, n, t = (a.astype(np.float64) if a.dtype.kind == "f" else a for a in inputs(3))
    y, y_dot = eng.jvp(lambda x: mixed(x, n), (x,), (t,))
    want, want_dot = jax.jvp(lambda x: mixed(x, jnp.asarray(n)), (jnp.asarray(x),), (jnp.asarray(t),))
    assert y.dtype == y_dot.dtype == np.float64
    np.testing.assert_allclose(y, want, rtol=1e-12)
    np.testing.assert_allclose(y_dot, want_dot, rtol=1e-12)
    y, y_dot = eng.jvp(scaled, (0.5, x), (1.0, t))
    want, want_dot = jax.jvp(scaled, (0.5, jnp.asarray(x)), (1.0, jnp.asarray(t)))
    assert y.dtype == y_dot.dtype == np.float64
    np.testing.assert_allclose(y_dot, want_dot, rtol=1e-12)
