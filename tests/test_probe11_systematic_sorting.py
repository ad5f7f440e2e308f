"""Probe 11 (autograd's test_systematic.py / JAX's lax_autodiff_test.py adapted): ``sort`` and what is built on it
(``median``, ``quantile`` through ``percentile``, and ``argsort``'s value) at ties, against JAX.

``argsort`` was NumPy's default sort, which does not keep equal values in their order (its introsort reorders
them past 16 elements, and ``axis=None`` on a (2, 4) array already did): the permutation differed from
``jnp.argsort``'s, and with it the gather that ``sort`` differentiates, so the derivative of ``sort``, ``median``
and ``quantile`` at tied values went to other elements than JAX's, with no error (each a valid subgradient, but
not JAX's). The permutation is now a stable sort, as JAX's.

And (JAX's ``testMedian`` / ``testQuantile`` axis combinations): a tuple ``axis`` given to ``median`` or
``quantile`` (``percentile`` is one) reached the one-axis code and stopped with Python's bare "'<=' not supported
between instances of 'int' and 'tuple'" on every engine; ``median(x, keepdims=True)`` was refused. Both are taken
now, as NumPy and JAX take them: the axes are moved last and merged into one.

Checked in float64 on every engine: the value of ``argsort``, and the VJP of each name on inputs with many ties
and over several axes, seeded cotangents.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = ["overloading", "sct", "elemental"]
TIED = {"2-d, axis=None": np.array([[1.0, 3.0, 3.0, 0.5], [2.0, 3.0, 2.0, 2.0]]),
        "25 values, two of them": np.array([2.0, 1.0, 2.0, 1.0, 2.0] * 5)}


# one source for every engine and for JAX (anp's names run on JAX's tracers as jax.numpy's; el's are anp's here)
def median_kept(x):
    return anp.median(x, axis=(0, 2), keepdims=True)


def median_all_kept(x):
    return anp.median(x, keepdims=True)


def quantiles(x):
    return anp.quantile(x, Q, axis=(-1, 0))


def sort_all(x):
    return anp.sort(x, axis=None)


def sort_last(x):
    return anp.sort(x)


def median(x):
    return anp.median(x)


def percentile(x):
    return anp.percentile(x, 70.0)


Q = np.array([0.2, 0.9])
RANDOM = {"(2, 3, 4) random": np.random.default_rng(0).normal(size=(2, 3, 4)),
          "(2, 3, 4) other": np.random.default_rng(1).normal(size=(2, 3, 4))}
# (case, input): the 2-d input flattened, the long one along its axis, several axes of a 3-d one
CASES = [(sort_all, "2-d, axis=None"), (sort_last, "25 values, two of them"), (median, "25 values, two of them"),
         (percentile, "25 values, two of them"), (median_kept, "(2, 3, 4) random"),
         (median_all_kept, "(2, 3, 4) other"), (quantiles, "(2, 3, 4) other")]


@pytest.mark.parametrize("values", TIED.values(), ids=list(TIED))
def test_argsort_keeps_ties_in_order_as_jax(values):
    assert np.array_equal(anp.argsort(values, axis=None), jnp.argsort(values, axis=None))
    assert np.array_equal(anp.argsort(jnp.asarray(values)), jnp.argsort(values))


@functools.cache
def _jax(case, key):
    """JAX's value and its VJP of three seeded cotangents, once for every engine."""
    y_jax, f_vjp_jax = jax.vjp(jax.jit(case), jnp.asarray({**TIED, **RANDOM}[key]))
    gs = [np.random.default_rng(seed).normal(size=y_jax.shape) for seed in range(3)]
    return y_jax, gs, [f_vjp_jax(jnp.asarray(g))[0] for g in gs]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case, values", CASES, ids=[f"{c.__name__}-{v}" for c, v in CASES])
def test_vjp_as_jax(case, values, engine):
    y, f_vjp = ad.engine(engine).vjp(case, {**TIED, **RANDOM}[values])
    y_jax, gs, bars_jax = _jax(case, values)
    np.testing.assert_allclose(y, y_jax, rtol=1e-12)
    for g, bar_jax in zip(gs, bars_jax):
        np.testing.assert_allclose(f_vjp(g)[0], bar_jax, rtol=1e-10, atol=1e-12)
