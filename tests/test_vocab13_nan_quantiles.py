"""Vocabulary (h13): ``nanquantile``, ``nanpercentile`` and ``nanmedian`` as JAX's (each slice's sorted values,
nans last, at ``q (count - 1)``; nan for an all-nan slice; axis None, int and tuple, ``q`` scalar and 1-d,
keepdims), against JAX in float64 on the overloading engine and SCT, and on JAX tracers.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from vocab_more_check import check_on_tracers, close, program_tests, seeded

import adcompare.numpy as anp


def nan_quantiles(np_):
    def f(x, y):
        a = np_.where(y > 0.6, np_.nan, x)
        m = np_.concatenate([np_.reshape(a, (3, 4)), np_.full((1, 4), np_.nan)], 0)  # an all-nan row
        out = np_.nanmedian(a) + np_.sum(np_.nan_to_num(np_.nanmedian(m, axis=1)) ** 2)
        out = out + np_.sum(np_.nanquantile(m[:3], np_.array([0.1, 0.75]), axis=0) * 1.5)
        out = out + np_.sum(np_.nanpercentile(m[:3], 30.0, axis=1, keepdims=True) ** 2)
        out = out + np_.sum(np_.nanquantile(np_.reshape(a, (2, 3, 2)), 0.4, axis=(0, 2), keepdims=True))
        return out + np_.sum(np_.nanmedian(m[:3], axis=-1, keepdims=True) * x[0])
    return f


test_programs_against_jax = program_tests([nan_quantiles], [(12,), (12,)])


def test_on_tracers_and_values_as_jnp():
    check_on_tracers(nan_quantiles, tuple(jnp.asarray(a) for a in seeded([(12,), (12,)], (2,))[0]))
    m = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, 2.0], [3.0, 4.0, 5.0]])
    close(anp.nanmedian(m, axis=1), jnp.nanmedian(m, axis=1), 1e-15)
    close(anp.nanquantile(m, [0.0, 1.0], axis=0), jnp.nanquantile(m, jnp.array([0.0, 1.0]), axis=0), 1e-15)
    close(anp.nanpercentile(np.arange(6).reshape(2, 3), 50), jnp.nanpercentile(jnp.arange(6).reshape(2, 3), 50), 1e-15)
    with pytest.raises(ValueError, match="nanquantile: method=.inverted_cdf."):  # (h14: the other methods are taken)
        anp.nanquantile(m, 0.5, method="inverted_cdf")
