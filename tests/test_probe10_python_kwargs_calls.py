"""Keywords for a ``**kw`` parameter on SCT: at the top level (``grad(f)(x, s=2.0)``, as JAX passes
them, never differentiated) and into a callee known only when the code runs (``g(x, s=2.0)``).
SCT's generated code takes ``**kw`` as one parameter holding the dict; both calls passed the
keywords one by one and met Python's TypeError ("f_fwd() got an unexpected keyword argument 's'")."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = [ad.engine("sct"), ad.engine("sct", higher="boxes")]


def only_kw(x, **kw):
    return anp.sum(anp.sin(x) * kw["s"] * x)


def star_and_kw(x, *ys, **kw):
    return anp.sum(anp.sin(x) * kw.get("s", 1.0) * x) + sum(y * y for y in ys)


def keyword_only_and_kw(x, *, s=1.0, **kw):
    return anp.sum(anp.sin(x) * s * kw["t"] * x)


def inner(x, **kw):
    return anp.sin(x) * kw["s"]


TABLE = {"inner": inner}


def dynamic_callee(x, which):
    g = TABLE[which]  # known only when the code runs
    return anp.sum(g(x, s=2.0) * x)


def jax_loss(x, s, t=1.0):
    return jnp.sum(jnp.sin(x) * s * t * x)


def inputs(seed):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, 3)


@pytest.mark.parametrize("engine", ENGINES, ids=["sct", "sct-boxes"])
@pytest.mark.parametrize("seed", [0, 1])
def test_top_level_keywords_into_kw(engine, seed):
    x = inputs(seed)
    np.testing.assert_allclose(engine.grad(only_kw)(x, s=2.0), jax.grad(jax_loss)(x, 2.0), rtol=1e-12)
    np.testing.assert_allclose(engine.hessian(only_kw)(x, s=2.0), jax.hessian(jax_loss)(x, 2.0), rtol=1e-12)
    np.testing.assert_allclose(engine.jacrev(keyword_only_and_kw)(x, s=2.0, t=3.0),
                               jax.grad(jax_loss)(x, 2.0, 3.0), rtol=1e-12)
    value = engine.grad(star_and_kw, argnums=(0, 1))(x, 0.5, s=2.0)
    np.testing.assert_allclose(value[0], jax.grad(jax_loss)(x, 2.0), rtol=1e-12)
    assert value[1] == pytest.approx(1.0, rel=1e-15)  # d/dy y*y at 0.5


@pytest.mark.parametrize("engine", ENGINES, ids=["sct", "sct-boxes"])
def test_keyword_values_are_constants_as_in_jax(engine):
    x = inputs(2)  # the keyword holds the differentiated array itself: JAX does not differentiate it
    v, g = engine.value_and_grad(only_kw)(x, s=x)
    jv, jg = jax.value_and_grad(lambda x, s: jnp.sum(jnp.sin(x) * s * x))(x, x)
    np.testing.assert_allclose(v, jv, rtol=1e-12)
    np.testing.assert_allclose(g, jg, rtol=1e-12)


@pytest.mark.parametrize("engine", ENGINES, ids=["sct", "sct-boxes"])
@pytest.mark.parametrize("seed", [0, 1])
def test_keywords_into_kw_of_a_callee_known_when_it_runs(engine, seed):
    x = inputs(seed)
    np.testing.assert_allclose(engine.grad(dynamic_callee)(x, "inner"), jax.grad(jax_loss)(x, 2.0), rtol=1e-12)
    _, tangent = engine.jvp(lambda x: dynamic_callee(x, "inner"), (x,), (np.ones(3),))
    _, want = jax.jvp(lambda x: jax_loss(x, 2.0), (x,), (np.ones(3),))
    np.testing.assert_allclose(tangent, want, rtol=1e-12)
