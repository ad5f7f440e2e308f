"""Probe 11 (GradBench's evals as NumPy programs nobody here wrote): k-means written with array methods.

GradBench's kmeans eval asks for the cost ``sum_i min_j |c_j - p_i|^2``, its gradient in the centroids and
the Hessian's diagonal (a JVP of the gradient along ones, then ``d / h``). A NumPy port of a Lloyd step
writes the cluster labels as ``d.argmin(axis=1)``. SCT refused that ("the method .argmin() on a
differentiated value") where the overloading engine's boxes call it on the primal value, as NumPy and JAX
do: ``argmax``, ``argmin``, ``argsort``, ``round``, ``any``, ``all`` and ``nonzero`` are indices and truth
values, constants of the sweep. SCT now calls them on the primal value too (front/parse.CONSTANT_METHODS),
in first and second order, on NumPy and on JAX values. Checked against the same source on ``jax.numpy``
(float64) at two seeded instances: the value, the gradient and GradBench's ``dir``.
"""

from __future__ import annotations

import functools
import types

import jax
import jax.numpy as jnp
import numpy as onp
import pytest

import adcompare as ad
import adcompare.numpy as anp

np = anp  # the program below is NumPy code ported mechanically; ``on_jax`` runs it with np = jax.numpy

jax.config.update("jax_enable_x64", True)

ENGINES = {"sct": ad.engine("sct"), "sct-boxes": ad.engine("sct", higher="boxes")}
TOL = dict(rtol=1e-10, atol=1e-12)


def lloyd_cost(centers, points):
    d = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    labels = d.argmin(axis=1)
    members = labels[:, None] == np.arange(centers.shape[0])
    means = (members.T @ points) / members.sum(axis=0)[:, None]
    order = centers[:, 0].argsort()
    near = centers.round() * (d.max(axis=0).argmax() + 1)  # a constant factor of the primal values
    return np.sum((means - centers) ** 2) + d.min(axis=1).sum() + np.sum(centers[order] * near)


def nonzero_part(centers):
    """The methods JAX does not jit (a value-dependent shape, Python branches): run eagerly there."""
    return centers[centers.nonzero()].sum() ** 2 if (centers > -9.0).all() and centers.any() else 0.0


def instance(seed):
    r = onp.random.default_rng(seed)
    points = r.standard_normal((7, 2))
    return points[:3] + 0.1 * r.standard_normal((3, 2)), points  # each centroid keeps a point


@functools.cache
def on_jax(program):
    """The same code with ``np`` bound to ``jax.numpy``: value, gradient, and GradBench's (d, h)."""
    g = types.FunctionType(program.__code__, {**program.__globals__, "np": jnp}, program.__name__)

    def oracle(*args):
        grad = jax.grad(g)
        if program is nonzero_part:  # (run eagerly: value and gradient only, a CI cost)
            return g(*args), grad(*args), None
        return g(*args), grad(*args), jax.jvp(lambda c: grad(c, *args[1:]), args[:1], (jnp.ones_like(args[0]),))

    return oracle if program is nonzero_part else jax.jit(oracle)


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("seed", [0, 1])
def test_kmeans_with_constant_array_methods_matches_jax(engine, seed):
    eng, (centers, points) = ENGINES[engine], instance(seed)
    value, grad, (d, h) = on_jax(lloyd_cost)(centers, points)
    onp.testing.assert_allclose(lloyd_cost(centers, points), value, **TOL)
    onp.testing.assert_allclose(eng.grad(lloyd_cost)(centers, points), grad, **TOL)
    d_ours, h_ours = eng.jvp(lambda c: eng.grad(lloyd_cost)(c, points), (centers,), (onp.ones_like(centers),))
    onp.testing.assert_allclose(d_ours, d, **TOL)
    onp.testing.assert_allclose(h_ours, h, **TOL)
    onp.testing.assert_allclose(eng.hvp(lloyd_cost, (centers, points), (onp.ones_like(centers), 0 * points)), h,
                                **TOL)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("engine", list(ENGINES))
def test_nonzero_any_all_methods_match_jax(engine, backend):
    centers = instance(0)[0]
    centers[1, 0] = 0.0
    value, grad, _ = on_jax(nonzero_part)(centers)
    ours = ENGINES[engine].grad(nonzero_part)(jnp.asarray(centers) if backend == "jax" else centers)
    assert isinstance(ours, jax.Array if backend == "jax" else onp.ndarray)
    onp.testing.assert_allclose(nonzero_part(centers), value, **TOL)
    onp.testing.assert_allclose(ours, grad, **TOL)
