"""anp.logsumexp with b= or return_sign= on JAX tracers (jax.jit, and JAX's own derivatives of code written
with anp): the zero-weight mask, the finite shift and the sign are read with the value's own namespace,
so a tracer stays one (NumPy's asarray of it raised TracerArrayConversionError). Against
jax.scipy.special.logsumexp in float64."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.special import logsumexp as jax_logsumexp

import adcompare as ad
import adcompare.numpy as anp


def _inputs(seed):
    rng = np.random.default_rng(seed)
    b = rng.normal(size=(3, 4))
    b[1, 2] = 0.0  # a zero weight: its term is left out
    return rng.normal(size=(3, 4)), b


@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"axis": 0, "keepdims": True}])
def test_weights_and_sign_under_jit_and_jax_derivatives(kwargs):
    def ours(x, b):
        return anp.logsumexp(x, b=b, **kwargs)

    def theirs(x, b):
        return jax_logsumexp(x, b=b, **kwargs)

    loss = lambda f: lambda x, b: jnp.sum(jnp.nan_to_num(f(x, jnp.abs(b))) ** 2)  # noqa: E731
    value = jax.jit(ours)
    signed = jax.jit(lambda x, b: anp.logsumexp(x, b=b, return_sign=True, **kwargs))
    grad = jax.jit(jax.grad(loss(ours), (0, 1)))
    for seed in (0, 1, 2):  # one compilation each, three points
        x, b = _inputs(seed)
        b = np.abs(b) if "axis" in kwargs else b  # else some negative sums (nan without return_sign, as JAX's)
        np.testing.assert_allclose(value(x, b), theirs(x, b), rtol=1e-12, equal_nan=True)
        for a, e in zip(signed(x, b), jax_logsumexp(x, b=b, return_sign=True, **kwargs)):
            np.testing.assert_allclose(a, e, rtol=1e-12)
        for a, e in zip(grad(x, b), jax.grad(loss(theirs), (0, 1))(x, b)):
            np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_engines_on_jax_arrays_under_jit(name):
    eng = ad.engine(name)
    x, b = (jnp.asarray(a) for a in _inputs(3))

    def f(x, b):
        out, sign = anp.logsumexp(x, axis=1, b=b, return_sign=True)
        return anp.sum(out * sign)

    want = jax.grad(lambda x, b: jnp.sum(jnp.prod(jnp.stack(jax_logsumexp(x, axis=1, b=b, return_sign=True)), 0)),
                    (0, 1))(x, b)
    for a, e in zip(jax.jit(eng.grad(f, (0, 1)))(x, b), want):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)
