"""A lambda that a derivative takes and runs at once, reading a value the loop around it assigns again (probe 17).

``for _ in range(2): h = h + E.grad(lambda y: anp.sum(anp.sin(y * h)))(h)`` (or ``E.value_and_grad``, ``E.jvp``,
``E.vjp`` of such a lambda inside a loop) was refused by SCT: "a lambda, which reads 'h', assigned again after it
is defined", since the closure conversion reads the captured values when the closure is made, and Python when it
runs. Made and run in one expression, the two are the same values, so such a lambda is now taken (as JAX takes
it), in every engine composition; one kept and run after the value changes stays refused. JAX (float64) is the
oracle on several seeds.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine, SCTError

jax.config.update("jax_enable_x64", True)

E = SCTEngine()
TOL = dict(rtol=1e-10, atol=1e-12)


def grad_in_a_loop(D):  # D: an engine, or jax (adcompare.numpy runs on JAX's values too)
    def f(x):
        h = x
        for _ in range(2):
            h = h + 0.3 * D.grad(lambda y: anp.sum(anp.sin(y * h)))(h)
        return anp.sum(h * h)

    return f


def value_and_grad_over_a_counter(D):
    def f(x):
        s = 0.0
        for i in range(3):
            v, g = D.value_and_grad(lambda y: anp.sin(y * x[i]) * y)(x[i - 1])
            s = s + v * g
        return s

    return f


def jvp_and_vjp_in_a_loop(D):
    def f(x):
        h = x * 0.5
        for _ in range(2):
            _, t = D.jvp(lambda y: anp.tanh(y * h), (x,), (h,))
            y, pull = D.vjp(lambda z: anp.sin(z) * h, t)
            h = h + pull(y)[0]
        return anp.sum(h ** 2)

    return f


@pytest.mark.parametrize("program", [grad_in_a_loop, value_and_grad_over_a_counter, jvp_and_vjp_in_a_loop],
                         ids=lambda p: p.__name__)
def test_a_lambda_run_at_once_in_a_loop_against_jax(program):
    ours, theirs = program(E), program(jax)
    for seed in range(2):
        rng = np.random.default_rng(seed)
        x, v = rng.normal(size=3), rng.normal(size=3)
        xj, vj = jnp.asarray(x), jnp.asarray(v)
        np.testing.assert_allclose(E.grad(ours)(x), jax.grad(theirs)(xj), **TOL)
        np.testing.assert_allclose(E.hessian(ours)(x), jax.hessian(theirs)(xj), **TOL)
        np.testing.assert_allclose(E.hvp(ours, (x,), (v,)), jax.jvp(jax.grad(theirs), (xj,), (vj,))[1], **TOL)


def kept_and_run_later(x):
    h = x
    g = E.grad(lambda y: anp.sum(anp.sin(y * h)))
    h = h * 2.0  # Python's g reads this h
    return anp.sum(g(x) * h)


def test_a_lambda_kept_and_run_after_its_value_changes_is_still_refused():
    with pytest.raises(SCTError, match="a lambda, which reads 'h', assigned again after it is defined"):
        E.grad(kept_and_run_later)(np.array([0.3, -0.5, 0.7]))
