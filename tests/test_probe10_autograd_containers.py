"""Probe 10 (autograd's test_tuple.py, test_list.py, test_dict.py adapted): the gradient of a function that takes
the gradient of another with respect to a tuple, list or dict, on SCT's default ``higher="sct"``.

autograd's ``test_grads`` checks ``d_fun(t) = f(grad(fun)(t))`` with ``t`` a container of arrays, one of them
unused. SCT transforms the inner gradient's code again in reverse, and with it the helper that gives an input's
cotangent as JAX returns it (``final_bar``: the placeholder becomes zeros); its transpose was written for arrays
only, so the program was refused ("reverse mode over SCT's runtime helper final_bar (on a container of
cotangents ...)", at "<sct runtime>, line 0"). It is now transposed element by element. Checked against JAX in
float64 on several seeds, for a tuple, a list, a dict and a nested container.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

SCT = ad.engine("sct")


def inner(t):
    return anp.sum(anp.sin(t[0])) + anp.sum(anp.cos(t[1]) * t[1])


def inner_jax(t):
    return jnp.sum(jnp.sin(t[0])) + jnp.sum(jnp.cos(t[1]) * t[1])


def outer(t):
    g = SCT.grad(inner)(t)
    return anp.sum(g[0]) + anp.sum(anp.sin(g[0])) + anp.sum(anp.sin(g[1]))


def outer_jax(t):
    g = jax.grad(inner_jax)(t)
    return jnp.sum(g[0]) + jnp.sum(jnp.sin(g[0])) + jnp.sum(jnp.sin(g[1]))


def inner_dict(d):
    return anp.sum(anp.sin(d["a"])) * 2.0 + anp.sum(anp.cos(d["b"]["c"]))


def inner_dict_jax(d):
    return jnp.sum(jnp.sin(d["a"])) * 2.0 + jnp.sum(jnp.cos(d["b"]["c"]))


def outer_dict(d):
    g = SCT.grad(inner_dict)(d)
    return anp.sum(anp.sin(g["a"])) + anp.sum(g["b"]["c"] ** 2) + anp.sum(g["x"])


def outer_dict_jax(d):
    g = jax.grad(inner_dict_jax)(d)
    return jnp.sum(jnp.sin(g["a"])) + jnp.sum(g["b"]["c"] ** 2) + jnp.sum(g["x"])


def assert_trees_close(got, want):
    assert jax.tree_util.tree_structure(got) == jax.tree_util.tree_structure(want)
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", [tuple, list])
def test_gradient_of_a_gradient_by_a_sequence(kind):
    for seed in (0, 1):
        rng = np.random.RandomState(seed)
        t = kind([rng.randn(2, 3), rng.randn(3), rng.randn(2)])  # the last one unused
        assert_trees_close(SCT.grad(outer)(t), jax.jit(jax.grad(outer_jax))(t))


def test_gradient_of_a_gradient_by_a_nested_dict():
    for seed in (0, 1):
        rng = np.random.RandomState(seed)
        d = {"a": rng.randn(3), "b": {"c": rng.randn(2, 2)}, "x": rng.randn(2)}  # x unused
        assert_trees_close(SCT.grad(outer_dict)(d), jax.jit(jax.grad(outer_dict_jax))(d))
