"""Review 3 of stop 16: a call of an object with ``__call__`` (known only when it runs) that writes into its
argument in place was not checked as a function's or a bound method's is (front/aliases.check_dynamic_call took
functions and bound methods only): ``_ = scaler(y)`` or ``z = scaler(y)`` then ``y`` read gave a gradient 3/4 of
NumPy's, no error. Its ``__call__`` is now checked, bound to the object; one writing into its own arrays or a
local of its own still runs. Against JAX float64 (functional references) on the overloading engine, SCT's refusal
checked by its message."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-10, atol=1e-12)


class Doubler:
    def __call__(self, v):
        v *= 2.0  # writes into the caller's array
        return anp.sum(v)


class Clean:
    def __init__(self):
        self.buf = np.zeros(3)

    def __call__(self, v):
        self.buf[0] = 1.0  # its own array
        w = v * 3.0
        w[0] = 0.0  # a local of its own
        return anp.sum(w * v)


def result_unused(x):
    y = x * 1.0
    _ = Doubler()(y)
    return anp.sum(y * x)


def result_used(x):
    y = x * 1.0
    d = Doubler()
    z = d(y)
    return anp.sum(y * x) + z


def item_of_a_list(x):
    ys = [x * 1.0]
    d = Doubler()
    _ = d(ys[0])
    return anp.sum(ys[0] * x)


def clean(x):
    c = Clean()
    _ = c(x)
    return c(x) + anp.sum(x)


REFS = {result_unused: lambda x: jnp.sum(2.0 * x * x), result_used: lambda x: jnp.sum(2.0 * x * x + 2.0 * x),
        item_of_a_list: lambda x: jnp.sum(2.0 * x * x), clean: lambda x: jnp.sum(x.at[0].set(0.0) * 3.0 * x + x)}


@pytest.mark.parametrize("f", [result_unused, result_used, item_of_a_list], ids=lambda f: f.__name__)
def test_an_object_called_that_writes_into_its_argument_is_refused(f):
    x = np.array([0.3, -1.2, 0.7])
    np.testing.assert_allclose(ad.engine("overloading").grad(f)(x), jax.grad(REFS[f])(jnp.asarray(x)), **TOL)
    for eng in (ad.engine("sct"), ad.engine("sct", higher="sct")):
        with pytest.raises(ad.SCTError, match=r"(?s)__call__.*writes into its parameter.*v"):
            eng.grad(f)(x)


@pytest.mark.parametrize("seed", [0, 1])
def test_an_object_called_that_writes_into_its_own_arrays_runs(seed):
    x = np.random.default_rng(seed).normal(size=3)
    eng = ad.engine("sct", higher="sct")
    np.testing.assert_allclose(eng.grad(clean)(x), jax.grad(REFS[clean])(jnp.asarray(x)), **TOL)
    np.testing.assert_allclose(eng.hessian(clean)(x), jax.hessian(REFS[clean])(jnp.asarray(x)), **TOL)
