"""Vocabulary (h14): the quantile methods jnp takes (``linear``, ``lower``, ``higher``, ``midpoint``, ``nearest``) in
``quantile``/``percentile`` and ``nanquantile``/``nanpercentile``, against JAX in float64 on the overloading engine and
SCT (values, gradients, JVPs, Hessian-vector products), on JAX tracers; other methods refused by name.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from vocab14_check import program_tests
from vocab_more_check import check_on_tracers, seeded

import adcompare.numpy as anp

METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantiles(np_):
    def f(x, y):
        m = np_.reshape(x, (3, 4))
        holes = np_.where(y > 1.0, np_.nan, y)
        out = np_.sum(np_.quantile(m, np_.array([0.25, 0.5, 0.9]), axis=1, method="midpoint") ** 2)
        out = out + np_.sum(np_.quantile(m, np_.array([0.25, 0.5, 0.9]), axis=1, method="nearest") ** 3)
        out = out + np_.sum(np_.nanquantile(np_.reshape(holes, (4, 3)), 0.4, axis=0, method="lower") * x[:3])
        return out + np_.sum(np_.nanquantile(np_.reshape(holes, (4, 3)), 0.7, axis=0, method="higher") * x[3:6])
    return f


test_programs_against_jax = program_tests([quantiles], [(12,), (12,)])


def test_quantile_methods_on_tracers_and_values_at_ties():
    for method in METHODS:  # percentile's and nanpercentile's q are quantile's in percent
        assert anp.percentile(x := np.arange(7.0), 37.5, method=method) == jnp.percentile(x, 37.5, method=method)
        assert anp.nanpercentile(x, 62.5, method=method) == jnp.nanpercentile(x, 62.5, method=method)
    check_on_tracers(lambda np_: lambda v: np_.sum(np_.quantile(v, np.array([0.3, 0.5]), method="nearest") ** 2)
                     + np_.nanquantile(v, 0.5, method="midpoint"), (jnp.asarray(seeded([(12,)], (6,))[0][0]),))
    x = np.array([3.0, 1.0, 2.0, 4.0, 0.0])  # q (n - 1) = 0.5, 1.5, ...: the ties of nearest and midpoint
    for method in METHODS:
        for q in (0.125, 0.375, 0.5, 1.0):
            assert anp.quantile(x, q, method=method) == jnp.quantile(x, q, method=method), (method, q)
            assert anp.nanquantile(x, q, method=method) == jnp.nanquantile(x, q, method=method), (method, q)


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_other_methods_are_refused_by_name(name):
    with pytest.raises(ValueError, match=f"{name}: method='inverted_cdf'"):
        getattr(anp, name)(np.ones(3), 0.5, method="inverted_cdf")
