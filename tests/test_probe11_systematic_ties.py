"""Probe 11 (autograd's test_systematic.py / JAX's lax_autodiff_test.py adapted): ``sort`` and what is built on it
(``median``, ``quantile`` through ``percentile``, and ``argsort``'s value) at ties, against JAX.

``argsort`` was NumPy's default sort, which does not keep equal values in their order (its introsort reorders
them past 16 elements, and ``axis=None`` on a (2, 4) array already did): the permutation differed from
``jnp.argsort``'s, and with it the gather that ``sort`` differentiates, so the derivative of ``sort``, ``median``
and ``quantile`` at tied values went to other elements than JAX's, with no error (each a valid subgradient, but
not JAX's). The permutation is now a stable sort, as JAX's. Checked in float64 on every engine: the value of
``argsort``, and the VJP of each name on inputs with many ties, seeded cotangents.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = ["overloading", "sct", "elemental"]
TIED = {"2-d, axis=None": np.array([[1.0, 3.0, 3.0, 0.5], [2.0, 3.0, 2.0, 2.0]]),
        "25 values, two of them": np.array([2.0, 1.0, 2.0, 1.0, 2.0] * 5)}


def sort_all(np_):
    def f(x):
        return np_.sort(x, axis=None)
    return f


def sort_last(np_):
    def f(x):
        return np_.sort(x)
    return f


def median(np_):
    def f(x):
        return np_.median(x)
    return f


def percentile(np_):
    def f(x):
        return np_.percentile(x, 70.0)
    return f


# (case, input): the 2-d input flattened, the long one along its axis
CASES = [(sort_all, "2-d, axis=None"), (sort_last, "25 values, two of them"), (median, "25 values, two of them"),
         (percentile, "25 values, two of them")]


@pytest.mark.parametrize("values", TIED.values(), ids=list(TIED))
def test_argsort_keeps_ties_in_order_as_jax(values):
    assert np.array_equal(anp.argsort(values, axis=None), jnp.argsort(values, axis=None))
    assert np.array_equal(anp.argsort(jnp.asarray(values)), jnp.argsort(values))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case, values", CASES, ids=[c.__name__ for c, _ in CASES])
def test_vjp_at_ties_as_jax(case, values, engine):
    values = TIED[values]
    f = case(el if engine == "elemental" else anp)
    y, f_vjp = ad.engine(engine).vjp(f, values)
    y_jax, f_vjp_jax = jax.vjp(case(jnp), jnp.asarray(values))
    np.testing.assert_allclose(y, y_jax, rtol=1e-12)
    for seed in range(3):
        g = np.random.default_rng(seed).normal(size=np.shape(y_jax))
        np.testing.assert_allclose(f_vjp(g)[0], f_vjp_jax(jnp.asarray(g))[0], rtol=1e-10, atol=1e-12)
