"""Vocabulary (h14): ``polydiv``, ``histogram2d``/``histogramdd`` (weights, density, ranges, per-dimension bins),
``place``, ``linalg.tensorinv``/``tensorsolve`` and ``vectorize`` (elementwise and with a gufunc signature) against
JAX in float64 on the overloading engine and SCT (values, gradients, JVPs, Hessian-vector products) and on JAX
tracers; ``roots``, ``sort_complex`` (complex constants: active values refused), ``einsum_path``, dtypes as jnp's.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from vocab14_check import program_tests
from vocab_more_check import check_on_tracers, close, seeded

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp


def names(np_):
    def f(x, y):
        q, r = np_.polydiv(x[:6] * y[:6], y[:3] + np_.array([2.0, 0.0, 0.0]))
        m = np_.reshape(np_.concatenate([x, y[:4]]), (4, 2, 2)) + np_.reshape(3.0 * np_.eye(4), (4, 2, 2))
        out = np_.sum(q ** 2) + np_.sum(r * x[:6]) + np_.sum(np_.linalg.tensorinv(m, 1) ** 2)
        return out + np_.sum(np_.linalg.tensorsolve(np_.reshape(m, (2, 2, 4)), np_.reshape(y[4:8], (2, 2))) ** 2)
    return f


def binned(np_):
    def f(x, y):
        counts, edges = np_.histogramdd(np_.reshape(x, (4, 3)), (2, 3, 2), weights=y[:4] ** 2, density=True)
        h, xe, ye = np_.histogram2d(x, y, bins=[3, np_.array([-3.0, -0.5, 0.5, 3.0])], range=[(-1.0, 1.0), None],
                                    weights=x * y)
        out = np_.sum(counts * x[:12].reshape(2, 3, 2)) + np_.sum(h ** 2) + np_.sum(edges[0] * edges[2][:3])
        return out + np_.sum(xe * ye)
    return f


def placed(np_):
    return lambda v, w: np_.sum(np_.place(v, v > 0, w[:5] * 2.0, inplace=False) ** 2)


@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_histograms_and_place_first_order_against_jax(engine):
    """(First order: their second derivatives are those of the same compositions, and SCT's take seconds. The
    mask of place is found on values, as jnp's, so JAX's reference is not jitted.)"""
    reference = jax.jit(jax.value_and_grad(binned(jnp), (0, 1)))
    for x, y in seeded([(12,), (12,)]):
        close(ad.engine(engine).value_and_grad(binned(anp), (0, 1))(x, y), reference(x, y))
        close(ad.engine(engine).grad(placed(anp), (0, 1))(x, y), jax.grad(placed(jnp), (0, 1))(x, y))
    if engine == "sct":
        check_on_tracers(lambda np_: lambda v: np_.sum(np_.histogramdd(np_.reshape(v, (6, 2)), 3)[1][0] ** 2)
                         + np_.sum(np_.histogram2d(v, v * v, 2, weights=v)[0]), (jnp.asarray(seeded([(12,)])[0][0]),))


test_programs_against_jax = program_tests([names], [(12,), (12,)])


def vectorized(np_):
    def f(x, y):
        scaled = np_.vectorize(lambda u, v: np_.where(u > 0, u * v, np_.sin(u) * v))
        inner = np_.vectorize(lambda r, s: (np_.sum(r * s) ** 2, np_.sum(r)), signature="(n),(n)->(),()")
        a, b = inner(x, y)
        return np_.sum(scaled(x, y) ** 2) + np_.sum(a * b)
    return f


def test_vectorize_against_jax_and_on_tracers():
    for x, y in seeded([(3, 4), (4,)]):
        close(ad.engine("overloading").value_and_grad(vectorized(anp), (0, 1))(x, y),
              jax.value_and_grad(vectorized(jnp), (0, 1))(x, y))
        mapped = el.vectorize(lambda a, b: el.multiply(a, el.sin(b)))
        close(ad.engine("elemental").grad(lambda v: el.sum(mapped(v, y)))(x),
              jax.grad(lambda v: jnp.sum(jnp.vectorize(lambda a, b: a * jnp.sin(b))(v, y)))(x))
    check_on_tracers(vectorized, tuple(jnp.asarray(a) for a in seeded([(3, 4), (4,)], (3,))[0]))
    with pytest.raises(Exception, match="(?s)vectorize.*test_vocab14_names.py"):  # SCT: its loop over lists
        ad.engine("sct").grad(vectorized(anp))(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="core dimensions"):
        anp.vectorize(anp.sum, signature="(n)->()")(1.0)


def test_histograms_polydiv_and_complex_constants_as_jnp():
    rng = np.random.default_rng(3)
    s, u, v = rng.normal(size=(30, 2)), rng.normal(size=7).astype(np.float32), rng.normal(size=3)
    for ours, theirs in ((anp.histogramdd(s, 4), jnp.histogramdd(s, 4)),
                         (anp.histogram2d(s[:, 0], s[:, 1], 3), jnp.histogram2d(s[:, 0], s[:, 1], 3)),
                         (anp.polydiv(u, v, trim_leading_zeros=True), jnp.polydiv(u, v, trim_leading_zeros=True)),
                         (anp.polydiv(v, u), jnp.polydiv(v, u))):
        for a, b in zip(jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-6)
    for p in (u, np.array([1, -3, 2], np.int32), np.array([0.0, 1.0, 0.5, 0.0])):
        ours, theirs = anp.roots(p), jnp.roots(p)
        assert ours.dtype == theirs.dtype
        np.testing.assert_allclose(np.sort_complex(ours), np.sort_complex(np.asarray(theirs)), rtol=1e-5, atol=1e-6)
    for a in (np.array([3, 1, 2], np.int32), np.array([2.0, -1.0])):
        assert np.array_equal(anp.sort_complex(a), jnp.sort_complex(a)) and anp.sort_complex(a).dtype == \
            jnp.sort_complex(a).dtype
    assert anp.einsum_path("ij,jk->ik", s.T, s)[0] == jnp.einsum_path("ij,jk->ik", s.T, s)[0]
    eng = ad.engine("overloading")
    for f in (anp.roots, anp.sort_complex):
        with pytest.raises(NotImplementedError, match="complex.*|.*complex"):
            eng.grad(lambda w: anp.sum(anp.abs(f(w))))(v)
    with pytest.raises(ValueError, match="inplace=True"):
        anp.place(v, v > 0, 1.0)
    np.testing.assert_allclose(ad.engine("elemental").grad(lambda w: el.sum(el.square(el.polydiv(w, v)[0])))(u * 1.0),
                               jax.grad(lambda w: jnp.sum(jnp.polydiv(w, v)[0] ** 2))(u * 1.0), rtol=1e-10)
