"""SCT's second order of a function of a container: the jacrev program stacks its rows leaf by leaf.

``hessian(f)(params)`` with ``params`` a dict, list or tuple of arrays (and ``jacfwd(jacrev(f))``,
``jacrev(jacrev(f))``) on ``higher="sct"`` fell back to the boxes (exact, but not SCT's own second order): the
jacrev program (adcompare/engines/sct/programs.py) stacked one array per row and refused any container. A plain
container of real leaves now gets a program that collects each row's cotangent leaf by leaf and returns the
container of blocks (``programs.Layout``), shaped as JAX's: block ``shape(out) + shape(leaf)``. Checked against
JAX in float64 on several seeds, and that no box is made (tests/test_sct_higher._no_traces).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine
from tests.test_sct_higher import _no_traces

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-10, atol=1e-12)
B = np.array([[0.5, -1.0, 0.3], [0.2, 0.7, -0.4]])


def scalar_of_dict(p):
    h = anp.tanh(anp.matmul(B, p["w"]) + p["b"])
    return anp.sum(h * h) + anp.sum(p["w"] ** 4) * p["s"]


def scalar_of_dict_jax(p):
    h = jnp.tanh(jnp.matmul(B, p["w"]) + p["b"])
    return jnp.sum(h * h) + jnp.sum(p["w"] ** 4) * p["s"]


def vector_of_nested(p):
    (u, v), w = p["pair"], p["w"]
    return anp.sin(u * w[:2]) + v * anp.sum(w ** 2)


def vector_of_nested_jax(p):
    (u, v), w = p["pair"], p["w"]
    return jnp.sin(u * w[:2]) + v * jnp.sum(w ** 2)


def of_tuple_and_array(p, x):
    a, b = p
    return anp.sum(anp.exp(a * x)) * anp.sum(b * b) + anp.sum(a) * x[0]


def of_tuple_and_array_jax(p, x):
    a, b = p
    return jnp.sum(jnp.exp(a * x)) * jnp.sum(b * b) + jnp.sum(a) * x[0]


def _dict(rng):
    return {"w": rng.normal(size=3), "b": rng.normal(size=2), "s": float(rng.normal())}


def _nested(rng):
    return {"pair": [rng.normal(size=2), float(rng.normal())], "w": rng.normal(size=3)}


def _jax(tree):
    return jax.tree_util.tree_map(jnp.asarray, tree)


def _close(ours, theirs):
    assert jax.tree_util.tree_structure(ours) == jax.tree_util.tree_structure(theirs)
    for a, b in zip(jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)):
        np.testing.assert_allclose(a, b, **TOL)


@pytest.mark.parametrize("seed", range(3))
def test_hessian_of_a_dict_both_ways_makes_no_box(monkeypatch, seed):
    p = _dict(np.random.default_rng(seed))
    expected = jax.hessian(scalar_of_dict_jax)(_jax(p))
    _no_traces(monkeypatch)
    for mode in ("fwd-rev", "rev-rev"):
        _close(SCTEngine().hessian(scalar_of_dict, mode=mode)(p), expected)


@pytest.mark.parametrize("seed", range(3))
def test_jacobians_of_the_jacobian_of_a_vector_function_of_a_nested_container(monkeypatch, seed):
    p = _nested(np.random.default_rng(seed))
    fwd_rev = jax.jacfwd(jax.jacrev(vector_of_nested_jax))(_jax(p))
    rev_rev = jax.jacrev(jax.jacrev(vector_of_nested_jax))(_jax(p))
    _no_traces(monkeypatch)
    engine = SCTEngine()
    _close(engine.jacfwd(engine.jacrev(vector_of_nested))(p), fwd_rev)
    _close(engine.jacrev(engine.jacrev(vector_of_nested))(p), rev_rev)


@pytest.mark.parametrize("seed", range(3))
def test_hessian_over_a_tuple_and_an_array_together(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    p, x = (rng.normal(size=2), rng.normal(size=2)), rng.normal(size=2)
    expected = jax.hessian(of_tuple_and_array_jax, argnums=(0, 1))(_jax(p), jnp.asarray(x))
    _no_traces(monkeypatch)
    _close(SCTEngine().hessian(of_tuple_and_array, argnums=(0, 1))(p, x), expected)


def test_a_container_that_is_not_plain_still_takes_the_boxes():
    """A named tuple (or a dict with other keys than strings) is no plain container here: the derivative is taken
    on the boxes, exact."""
    from collections import namedtuple  # noqa: PLC0415

    Pair = namedtuple("Pair", "a b")

    def f(p):
        return anp.sum(p.a * p.a * p.b)

    p = Pair(np.array([0.3, -0.5]), np.array([1.5, 0.2]))
    expected = jax.hessian(lambda q: jnp.sum(q.a * q.a * q.b))(Pair(jnp.asarray(p.a), jnp.asarray(p.b)))
    _close(SCTEngine().hessian(f)(p), expected)
