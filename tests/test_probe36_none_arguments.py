"""Probe 36: ``None`` among the differentiated arguments of a second derivative on SCT.

JAX takes ``None`` as an empty pytree: ``jax.hessian(f, argnums=(0, 1))(x, None)`` is ``((H, None), None)``.
SCT's jacrev program stacked rows for ``None`` as if it were an array, so its Hessian (forward over reverse)
held an object array of zeros where JAX has ``None`` (silently, on NumPy inputs), and crashed on JAX inputs and
in reverse over reverse. Its programs now take ``None`` as an empty container. Checked against JAX, structure
and values, on every composition of the Jacobians, with ``None`` first, last and inside a tuple.
"""

from __future__ import annotations

import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-12)
INPUTS = [np.random.default_rng(seed).normal(size=3) for seed in (36, 6)]
ENGINES = {"sct": ad.engine("sct"), "sct-boxes": ad.engine("sct", higher="boxes"),
           "overloading": ad.engine("overloading")}


def none_last(x, n):
    return anp.sum(anp.sin(x) * x * 2.0)


def none_first(n, x):
    return anp.sum(anp.exp(x / 3.0) * x)


def none_inside(pair):
    x, n = pair
    return anp.sum(anp.cos(x) * x * x)


CASES = [(none_last, lambda x: (x, None), (0, 1)), (none_first, lambda x: (None, x), (0, 1)),
         (none_inside, lambda x: ((x, None),), 0)]


def _jax(f):
    """The same source on JAX's namespace: the oracle."""
    return types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp}, f.__name__)


def _same(got, want):
    assert jax.tree_util.tree_structure(got) == jax.tree_util.tree_structure(want)
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(g, w, **TOL)


@pytest.mark.parametrize("f, make, argnums", CASES, ids=[c[0].__name__ for c in CASES])
@pytest.mark.parametrize("name", list(ENGINES))
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_second_derivatives_with_none_arguments_are_jaxs(f, make, argnums, name, backend):
    eng, fj = ENGINES[name], _jax(f)
    for x in INPUTS:
        given = make(x if backend == "numpy" else jnp.asarray(x))
        want_args = make(jnp.asarray(x))
        _same(eng.hessian(f, argnums=argnums)(*given), jax.hessian(fj, argnums=argnums)(*want_args))
        _same(eng.hessian(f, argnums=argnums, mode="rev-rev")(*given),
              jax.jacrev(jax.jacrev(fj, argnums=argnums), argnums=argnums)(*want_args))
        _same(eng.jacfwd(eng.jacrev(f, argnums=argnums), argnums=argnums)(*given),
              jax.jacfwd(jax.jacrev(fj, argnums=argnums), argnums=argnums)(*want_args))
        _same(eng.jacrev(eng.jacfwd(f, argnums=argnums), argnums=argnums)(*given),
              jax.jacrev(jax.jacfwd(fj, argnums=argnums), argnums=argnums)(*want_args))
        _same(eng.jacfwd(eng.jacfwd(f, argnums=argnums), argnums=argnums)(*given),
              jax.jacfwd(jax.jacfwd(fj, argnums=argnums), argnums=argnums)(*want_args))
