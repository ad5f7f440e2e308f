"""Probe 10 (clarity): an object of a user class with ``__call__``, called inside a function SCT transforms.

``m(a)`` inside ``f``, ``m`` a module-level instance of such a class, was refused as "a call to m, which is
neither a vocabulary primitive nor a function with source", though the top level takes such an object as
its bound ``__call__`` (sct/direct.unwrap). front/calls now takes it so inside too (``self`` the object,
read when the code runs, so a changed attribute is followed). Values, gradients and Hessians against JAX
in float64 on several seeds, on both SCT options and the overloading engine.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine

jax.config.update("jax_enable_x64", True)


class Scale:
    def __init__(self, w):
        self.w = w

    def __call__(self, a):
        return anp.sin(a) * self.w + a * a


class Shifted(Scale):  # __call__ inherited
    pass


model = Scale(2.0)
shifted = Shifted(-0.5)


def f(a):
    return anp.sum(model(a) * shifted(a))


def f_jax(a, w1, w2):
    return jnp.sum((jnp.sin(a) * w1 + a * a) * (jnp.sin(a) * w2 + a * a))


@pytest.fixture(params=["sct", "boxes", "overloading"])
def eng(request):
    return ad.engine("overloading") if request.param == "overloading" else SCTEngine(higher=request.param)


ORACLE = jax.jit(lambda a, w: (jax.value_and_grad(f_jax)(a, w, -0.5), jax.hessian(f_jax)(a, w, -0.5),
                               jax.jvp(lambda b: f_jax(b, w, -0.5), (a,), (jnp.ones(3),))[1]))


@pytest.mark.parametrize("seed", [0, 1])
def test_callable_object_inside(eng, seed):
    x = np.random.default_rng(seed).normal(size=3)
    try:
        for w in (2.0, 0.75):  # the attribute read when the code runs
            model.w = w
            (value, grad), hess, tangent = ORACLE(x, w)
            got = eng.value_and_grad(f)(x)
            np.testing.assert_allclose(got[0], value, rtol=1e-12)
            np.testing.assert_allclose(got[1], grad, rtol=1e-12)
            np.testing.assert_allclose(eng.hessian(f)(x), hess, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(eng.jvp(f, (x,), (np.ones(3),))[1], tangent, rtol=1e-12)
    finally:
        model.w = 2.0
