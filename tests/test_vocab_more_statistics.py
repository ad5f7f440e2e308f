"""More vocabulary (h11): statistics. The nan-skipping reductions (``nanmax``, ``nanmin``, ``nanprod``,
``nancumsum``, ``nancumprod``, ``nanvar``, ``nanstd``; all-nan slices and ``ddof`` beyond the count give nan
as in JAX), ``corrcoef``, ``histogram`` (counts as weight sums, edges from the data's range, ``density``,
explicit edges and ``range``), ``bincount`` with weights, ``unique`` (a constant: JAX's derivative of its
values is zero) and the index constants, against JAX in float64.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from vocab_more_check import ENGINES, check_on_tracers, close, program_tests, seeded

import adcompare.numpy as anp


def nan_skipping(np_):
    def f(x, y):
        a = np_.where(y > 0.8, np_.nan, x)
        m = np_.reshape(a, (3, 4))
        out = np_.nanmax(a) + np_.sum(np_.nanmin(m, axis=1) ** 2) + np_.sum(np_.nanprod(m, axis=0))
        out = out + np_.sum(np_.nancumsum(a) * x) + np_.sum(np_.nancumprod(m, axis=1) * 0.1)
        out = out + np_.nanvar(a) + np_.sum(np_.nanstd(m, axis=1, ddof=1)) + np_.sum(np_.nanvar(m, 0, keepdims=True))
        return out + np_.sum(np_.corrcoef(np_.reshape(x * y, (3, 4))) ** 2) + np_.sum(np_.corrcoef(x, y * x))
    return f


def histograms(np_):
    def f(x, y):
        c, e = np_.histogram(x, bins=4, weights=y * y)
        d, e2 = np_.histogram(x * 2.0, bins=3, density=True)
        w, e3 = np_.histogram(x, bins=np_.array([-1.0, 0.0, 0.5, 2.0]), weights=y, density=True)
        r, e4 = np_.histogram(x, bins=5, range=(-1.0, 1.0), weights=np_.exp(y))
        return (np_.sum(c * e[1:]) + np_.sum(d * e2[:-1] ** 2) + np_.sum(w ** 2) + np_.sum(e3) + np_.sum(r * r)
                + np_.sum(e4 * x[0]))
    return f


test_programs_against_jax = program_tests([nan_skipping, histograms], [(12,), (12,)])


def test_all_nan_slices_and_too_few_entries_give_nan_as_jax():
    m = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, 2.0], [3.0, 4.0, 5.0]])
    for name, kwargs in [("nanmax", {}), ("nanmin", {}), ("nanvar", {"ddof": 2}), ("nanstd", {"ddof": 1}),
                         ("nanprod", {}), ("nancumsum", {}), ("nanargmax", {}), ("nanargmin", {})]:
        rows = m[1:] if name.startswith("nanarg") else m  # (an all-nan slice is an error for the argmax)
        close(getattr(anp, name)(rows, axis=1, **kwargs), getattr(jnp, name)(rows, axis=1, **kwargs), 1e-14)

    def f(a):
        return anp.sum(anp.nanmax(a, axis=1) * 0.0 + anp.nan_to_num(anp.nanvar(a, axis=1, ddof=2)))

    expected = jax.grad(lambda a: jnp.sum(jnp.nanmax(a, axis=1) * 0.0 + jnp.nan_to_num(jnp.nanvar(a, axis=1, ddof=2))))
    for eng in ENGINES.values():
        close(eng.grad(f)(m), expected(m))


def test_histogram_counts_and_edges_as_jax():
    """Unweighted counts are NumPy's integers; the data's extremes fall in the first and the (closed) last bin."""
    x = np.array([0.0, 1.0, 0.25, 0.5, 0.5, 0.75, 2.0, 2.0])
    for bins, rng in [(4, None), (3, (0.0, 1.0)), (np.array([0.0, 0.5, 1.0, 2.0]), None), (2, (1.0, 1.0))]:
        counts, edges = anp.histogram(x, bins=bins, range=rng)
        expected = jnp.histogram(x, bins=bins, range=rng)
        assert counts.dtype.kind == "i" and np.array_equal(counts, expected[0])
        close(edges, expected[1], 1e-15)
    with pytest.raises(NotImplementedError, match="histogram: bins='auto'"):
        anp.histogram(x, bins="auto")


def test_bincount_unique_and_indices():
    idx = np.array([0, 2, 2, 5, 1, 0])
    w = np.array([0.5, -1.0, 2.0, 3.0, 0.25, 1.5])
    x = np.array([3.0, 1.0, 3.0, 2.0, 1.0, 5.0])

    def f(w, x):
        values, first, inverse, counts = anp.unique(x, return_index=True, return_inverse=True, return_counts=True)
        return (anp.sum(anp.bincount(idx, weights=w * x, minlength=8) ** 2) + anp.sum(anp.unique(x) ** 3)
                + anp.sum(values * first * counts) + anp.sum(inverse * x))

    def f_jax(w, x):
        values, first, inverse, counts = jnp.unique(x, return_index=True, return_inverse=True, return_counts=True)
        return (jnp.sum(jnp.bincount(idx, weights=w * x, length=8) ** 2) + jnp.sum(jnp.unique(x) ** 3)
                + jnp.sum(values * first * counts) + jnp.sum(inverse * x))

    expected = jax.value_and_grad(f_jax, (0, 1))(w, x)
    for eng in ENGINES.values():
        close(eng.value_and_grad(f, (0, 1))(w, x), expected)
    assert np.array_equal(anp.bincount(idx), np.bincount(idx))
    a = np.array([[0.0, 1.5], [-2.0, 0.0]])
    for name in ("argwhere", "flatnonzero"):
        assert np.array_equal(getattr(anp, name)(a), getattr(jnp, name)(a))
    assert all(np.array_equal(u, v) for u, v in zip(anp.nonzero(a), jnp.nonzero(a)))
    with pytest.raises(ValueError, match="bincount"):
        anp.bincount(np.array([1, -1]))
    assert np.array_equal(anp.unique(a, axis=0), jnp.unique(a, axis=0))


def test_the_same_source_runs_on_jax_tracers():
    check_on_tracers(histograms, seeded([(12,), (12,)])[0])
