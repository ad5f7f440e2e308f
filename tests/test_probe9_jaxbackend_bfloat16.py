"""``bfloat16`` JAX arrays, and casts to ``bfloat16`` inside the function, as JAX differentiates them.

NumPy's ``np.issubdtype(bfloat16, np.inexact)`` is False (``bfloat16`` is an ml_dtypes type), and the engines
asked NumPy whether a dtype is a float: a ``bfloat16`` input was refused as "grad requires real-valued inputs
(float dtype) ... Pass floats (1.0, not 1)", and ``anp.astype(x, jnp.bfloat16)`` / ``x.astype(jnp.bfloat16)`` /
``anp.asarray(x, dtype=jnp.bfloat16)`` of an active ``x`` was taken as a cast to a non-float dtype, a constant: a
``bfloat16`` output was refused by ``grad``, and a cast to ``bfloat16`` and back to float32 silently lost its
share of the gradient. The
test is JAX's now (``primitives.float_dtype``). Checked against JAX run on the same ``bfloat16`` inputs (the
oracle in ``bfloat16``: its rounding is the dtype's), on every engine.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
BF = jnp.bfloat16


def _close(got, want):
    gl, gt = jax.tree_util.tree_flatten(got)
    wl, wt = jax.tree_util.tree_flatten(want)
    assert gt == wt
    for g, w in zip(gl, wl):
        assert isinstance(g, jax.Array) and g.dtype == w.dtype and g.shape == w.shape, (type(g), g.dtype, w.dtype)
        np.testing.assert_allclose(np.asarray(g, np.float32), np.asarray(w, np.float32), rtol=2e-2, atol=2e-2)


def natural(x, y):
    return anp.sum(anp.sin(x) * y + anp.exp(-x) * 2.0) + anp.max(x * y)


def elemental(x, y):
    return el.add(el.sum(el.add(el.multiply(el.sin(x), y), el.multiply(el.exp(el.negative(x)), 2.0))),
                  el.max(el.multiply(x, y)))


def oracle(x, y):
    return jnp.sum(jnp.sin(x) * y + jnp.exp(-x) * 2.0) + jnp.max(x * y)


def inputs(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    x[0] = 0.0
    return jnp.asarray(x, BF), jnp.asarray(y, BF)


@pytest.mark.parametrize("name,f", [("overloading", natural), ("sct", natural), ("elemental", elemental)])
def test_bfloat16_inputs(name, f):
    eng = ad.engine(name)
    for seed in (0, 1):
        x, y = inputs(seed)
        _close(eng.grad(f, (0, 1))(x, y), jax.grad(oracle, (0, 1))(x, y))
    _close(eng.jvp(f, (x, y), (y, x)), jax.jvp(oracle, (x, y), (y, x)))


CASTS = [
    (lambda x: anp.sum(anp.astype(x, BF) * x.astype(BF)), lambda x: jnp.sum(x.astype(BF) * x.astype(BF))),
    (lambda x: anp.sum(anp.asarray(x, dtype=BF) * 3.0), lambda x: jnp.sum(jnp.asarray(x, dtype=BF) * 3.0)),
    # a float32 output: grad accepted it, and half the gradient was silently lost
    (lambda x: anp.sum(anp.astype(x, BF).astype(jnp.float32) * x),
     lambda x: jnp.sum(x.astype(BF).astype(jnp.float32) * x)),
]


@pytest.mark.parametrize("name", ["overloading", "sct"])
@pytest.mark.parametrize("case", [0, 1, 2])
def test_cast_to_bfloat16_keeps_the_derivative(name, case):
    f, want = CASTS[case]
    eng = ad.engine(name)
    for seed in (0, 1):
        x = jnp.asarray(np.random.default_rng(seed).standard_normal(3) * [1.0, -1.0, 0.0], jnp.float32)
        _close(eng.grad(f)(x), jax.grad(want)(x))
    _close(eng.jvp(f, (x,), (x + 1.0,)), jax.jvp(want, (x,), (x + 1.0,)))
