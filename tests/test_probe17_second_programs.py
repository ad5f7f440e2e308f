"""Probe 17: SCT's second order (``higher="sct"``, the default) on small programs in the styles of public AD suites.

About 115 programs (the kinds of autograd's test_numpy/test_systematic, Tangent's functions, GradBench's nested
evaluations, JAX's hessian/jacfwd/jacrev tests: loop-carried arrays, data-dependent while loops, early returns,
recursion, writes into fresh buffers, dict/list/tuple parameters, closures, reductions, matmul and einsum, slices
and integer indices, kinks away from the samples, derivatives taken inside) were run by ``hessian`` (both
compositions), ``hvp`` (forward over reverse, and reverse over reverse as the gradient of ``<grad f, v>``) and
``grad(grad(t -> f(x + t v)))`` on SCT (``higher="sct"``, the default, ``higher="boxes"``) and the overloading
engine, against JAX in float64 on three seeds. None gave a wrong number; the refusals are clear (see
tests/test_probe17_second_sharing.py and tests/test_probe17_second_nested_options.py for what was fixed). A
representative few are kept here, for every composition. Also: SCT over SCT fell back to the boxes (exact, but
not "no box") whenever a rule's code called ``constant_like`` (``zeros_like`` in the VJP of an index write, of
``solve``...): that helper rebound its parameter to its primal value, and SCT, which takes a name's activity for
the whole function, refused ``np.shape`` of it. It keeps the primal under a new name now; the Hessian of a loop
of index writes makes no box.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare.engine import partial_args
from adcompare.engines.sct import SCTEngine
from tests.test_sct_higher import _no_traces

jax.config.update("jax_enable_x64", True)

A = np.array([[0.9, -0.3, 0.2], [0.1, 0.7, -0.4], [-0.2, 0.5, 0.8]])
TOL = dict(rtol=1e-9, atol=1e-12)
E = SCTEngine()  # also the engine the programs differentiate inside


def write_loop(x):
    out = anp.zeros(3)
    for i in range(3):
        out[i] = anp.sin(x[i]) * x[i - 1]
    return anp.sum(out * out) + anp.sum(anp.matmul(A, out) * x)


def write_loop_jax(x):
    out = jnp.zeros(3)
    for i in range(3):
        out = out.at[i].set(jnp.sin(x[i]) * x[i - 1])
    return jnp.sum(out * out) + jnp.sum(jnp.matmul(A, out) * x)


def while_data_count(x):
    v = x
    while anp.sum(v * v) < 30.0:
        v = v * 1.5 + 0.1 * anp.sin(v)
    return anp.sum(v) * anp.prod(x)


def recursion_on_value(x):
    if anp.sum(x * x) < 0.5:
        return anp.sum(x)
    return recursion_on_value(x * 0.7) * 1.1 + anp.sum(anp.sin(x))


def kinks(x):
    return anp.sum(anp.abs(x) ** 3) + anp.sum(anp.maximum(x, 0.2 * x) ** 2) + anp.sum(anp.where(x > 0.0, x ** 3, x))


def nested_grad_of_a_loop(D):  # D: an engine, or jax (adcompare.numpy runs on JAX's values too)
    def f(x):
        def inner(y):
            h = y
            for _ in range(3):
                h = anp.sin(h) * x[0] + y
            return anp.sum(h * h)

        return anp.sum(D.grad(inner)(x) ** 2)

    return f


def confusion(D):  # d/dx [x . d/dy (x + y)]: no perturbation confusion
    def f(x):
        s = anp.sum(x)
        return s * D.grad(lambda y: s + y)(1.0) + anp.sum(x * x) * D.grad(lambda y: x[1] * y)(2.0)

    return f


PROGRAMS = [(write_loop, write_loop_jax), (while_data_count, while_data_count), (recursion_on_value,
            recursion_on_value), (kinks, kinks), (nested_grad_of_a_loop(E), nested_grad_of_a_loop(jax)),
            (confusion(E), confusion(jax))]


@pytest.mark.parametrize("seed, f, f_jax", [(k, *p) for k, p in enumerate(PROGRAMS)],
                         ids=["write_loop", "while_data_count", "recursion_on_value", "kinks", "nested_grad_of_a_loop",
                              "confusion"])
def test_second_order_by_sct_against_jax(seed, f, f_jax):
    rng = np.random.default_rng(seed)  # (the probe ran three seeds per program; one here, each its own)
    x, v = rng.normal(size=3) * 0.9, rng.normal(size=3)
    xj, vj = jnp.asarray(x), jnp.asarray(v)
    expected = jax.hessian(f_jax)(xj)
    np.testing.assert_allclose(E.hessian(f)(x), expected, **TOL)
    np.testing.assert_allclose(E.hessian(f, mode="rev-rev")(x), expected, **TOL)
    hvp = jax.jvp(jax.grad(f_jax), (xj,), (vj,))[1]
    np.testing.assert_allclose(E.hvp(f, (x,), (v,)), hvp, **TOL)
    np.testing.assert_allclose(E.grad(lambda y: anp.sum(E.grad(f)(y) * v))(x), hvp, **TOL)
    along = jax.grad(jax.grad(lambda t: f_jax(xj + t * vj)))(0.25)
    np.testing.assert_allclose(E.grad(E.grad(lambda t: f(x + t * v)))(0.25), along, **TOL)


def solve(x):
    M = anp.asarray(A) + anp.diag(x * x) + 2.0 * anp.eye(3)
    return anp.sum(anp.linalg.solve(M, x))


def test_second_order_through_rules_that_make_constants_makes_no_box(monkeypatch):
    x, v = np.array([0.3, -0.8, 0.5]), np.array([1.0, 0.5, -2.0])
    xj, vj = jnp.asarray(x), jnp.asarray(v)
    expected = {f: (jax.hessian(g)(xj), jax.jvp(jax.grad(g), (xj,), (vj,))[1])
                for f, g in ((write_loop, write_loop_jax), (solve, solve))}
    _no_traces(monkeypatch)
    for f, (hessian, hvp) in expected.items():
        np.testing.assert_allclose(SCTEngine().hessian(f)(x), hessian, **TOL)
        np.testing.assert_allclose(SCTEngine().hvp(partial_args(f, (x,), (0,)), (x,), (v,)), hvp, **TOL)
