"""``anp.concatenate(arrays, axis=None)``: NumPy's meaning (every operand flattened, then joined), differentiated.

The placement rules (rules/shapes.py) give each operand the flat block it fills, reshaped back; checked on
every engine in forward and reverse mode and at second order (both compositions, and SCT over SCT) against
JAX's ``jnp.concatenate(..., axis=None)`` in float64, with operands of different ranks, a 0-d operand and
an operand that is not differentiated.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp


def flat(x, y, z):
    joined = anp.concatenate([x, y, z], axis=None)
    return anp.sum(anp.multiply(anp.sin(joined), joined))  # calls only: the elemental engine takes it


def flat_jax(x, y, z):
    joined = jnp.concatenate([x, y, z], axis=None)
    return jnp.sum(jnp.sin(joined) * joined)


def flat_out(x, y, z):
    return anp.concatenate([anp.multiply(x, y), z], axis=None)


def flat_out_jax(x, y, z):
    return jnp.concatenate([x * y, z], axis=None)


def _inputs(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(2, 3)), rng.normal(size=(3,)), np.asarray(rng.normal())


ENGINES = ["elemental", "overloading", "sct"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_first_order_matches_jax(engine, seed):
    eng = ad.engine(engine)
    x, y, z = _inputs(seed)
    got = eng.grad(flat, (0, 1, 2))(x, y, z)
    want = jax.grad(flat_jax, (0, 1, 2))(x, y, z)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-13)
    t = tuple(np.ones_like(a) * 0.5 for a in (x, y, z))
    out, tan = eng.jvp(flat_out, (x, y, z), t)
    want_out, want_tan = jax.jvp(flat_out_jax, (x, y, z), t)
    np.testing.assert_allclose(out, want_out, rtol=1e-13)
    np.testing.assert_allclose(tan, want_tan, rtol=1e-13, atol=1e-13)
    g = eng.grad(flat, 1)(x, y, z)  # the others not differentiated
    np.testing.assert_allclose(g, jax.grad(flat_jax, 1)(x, y, z), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", [0, 1])
def test_second_order_matches_jax(engine, seed):
    eng = ad.engine(engine)
    x, y, z = _inputs(seed)
    want = jax.hessian(flat_jax)(x, y, z)
    np.testing.assert_allclose(eng.hessian(flat)(x, y, z), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(eng.jacrev(eng.jacrev(flat))(x, y, z), want, rtol=1e-12, atol=1e-12)
