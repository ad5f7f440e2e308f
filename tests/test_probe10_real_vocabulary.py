"""Probe 10 (realistic NumPy programs ported with ``import adcompare.numpy as np``): NumPy names they call that
the vocabulary lacked, each an ``AttributeError`` on the overloading engine and "a call of 'np.diff', which is
not defined" on SCT.

Added as compositions of vocabulary functions (adcompare/numpy/numerics.py, linalg.py), so their derivatives are
their parts', as JAX's ``jnp`` versions are: ``diff``, ``trapezoid`` (``trapz``), ``vander``, ``polyval``, ``cov``,
``median``, ``quantile``, ``percentile``, ``ptp``, ``vdot``, ``full_like``, ``count_nonzero``, ``greater``,
``less``, ``greater_equal``, ``less_equal``, ``not_equal``, ``triu_indices``, ``tril_indices``, ``diag_indices``,
``any``, ``all``, ``isclose``, ``allclose``, ``nansum``, ``nanmean``, ``take``, ``take_along_axis``, ``meshgrid``,
``append``, ``dstack``, ``empty``, ``empty_like``, ``tri``, ``linalg.matrix_power``, ``linalg.multi_dot``,
``linalg.lstsq`` (full column rank; a rank-deficient matrix is refused by name). Each program is checked against
the same source on ``jax.numpy`` in float64 at two seeded points: the value and the gradient on the overloading
engine and SCT (both ``higher`` options), the Hessian for a few (JAX's compile of the others' costs seconds of CI),
and the gradient on the elemental engine (the compositions call primitives, never operators, which its values
refuse).
"""

from __future__ import annotations

import functools
import types

import jax
import jax.numpy as jnp
import numpy as onp
import pytest

import adcompare as ad
import adcompare.numpy as anp

np = anp  # the programs below are NumPy code ported mechanically; ``on_jax`` runs each with np = jax.numpy

jax.config.update("jax_enable_x64", True)

ENGINES = {"overloading": ad.engine("overloading"), "sct": ad.engine("sct"),
           "sct-boxes": ad.engine("sct", higher="boxes")}


def total_variation(x):
    return np.sum(np.diff(x) ** 2) + np.sum(np.diff(np.outer(x, x), n=2, axis=0) ** 2)


def integral(x):
    t = np.cumsum(np.abs(x)) + 0.0 * x  # increasing abscissae, differentiated too
    return np.trapezoid(x ** 2, t) + np.sum(np.trapezoid(np.outer(x, x), dx=0.5, axis=0))


def polynomial_fit(x):
    t = np.linspace(-1.0, 1.0, 6)
    return np.sum((np.vander(t, 3) @ x[:3] - np.polyval(x, t)) ** 2) + np.sum(np.vander(x, 2, increasing=True))


def statistics(x):
    return (np.sum(np.cov(np.reshape(x, (2, 3))) ** 2) + np.sum(np.cov(x, x[::-1] ** 2) ** 2) + np.median(x)
            + np.sum(np.median(np.reshape(x, (2, 3)), axis=1)) + np.ptp(x) * np.vdot(x, x))


def robust(x):
    a = np.reshape(x, (2, 3))
    return (np.quantile(x, 0.3) + np.sum(np.quantile(a, np.array([0.1, 0.5, 1.0]), axis=1) ** 2)
            + np.sum(np.percentile(a, 75.0, axis=0, keepdims=True) * a))


def masks(x):
    y = x[::-1]
    m = (np.greater(x, y) * 1.0 + np.less_equal(x, 0.2) * 2.0 + np.not_equal(x, y)
         + np.greater_equal(y, x) * 0.5 + np.less(x, -0.3))
    return np.sum(m * x * y) / np.count_nonzero(x > 0.0) + np.sum(np.full_like(x, 2.0) * x)


def pair_indices(x):
    a = np.reshape(x, (2, 3))
    g = a.T @ a
    return np.sum(g[np.triu_indices(3, 1)] ** 2) + np.sum(g[np.tril_indices(3)]) + np.sum(g[np.diag_indices(3)] ** 3)


def matrix_powers(x):
    a = np.reshape(np.concatenate([x, x[:3]]), (3, 3)) + 3.0 * np.eye(3)
    return (np.sum(np.linalg.matrix_power(a, 3)) + np.sum(np.linalg.matrix_power(a, -2))
            + np.sum(np.linalg.matrix_power(a, 0) * a) + np.sum(np.linalg.multi_dot([a, a.T, a])))


def least_squares(x):
    a = np.reshape(np.concatenate([x, x ** 2]), (4, 3)) + np.eye(4, 3)
    b = np.stack([np.sin(x[:4]), x[:4]], axis=1)
    sol, res, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(sol ** 2) + np.sum(res) + np.sum(s) * rank + np.sum(np.linalg.lstsq(a, x[:4], rcond=None)[1])


def selection(x):
    a = np.reshape(x, (2, 3))
    gx, gy = np.meshgrid(x[:3], x[3:5])
    gi = np.meshgrid(x[:2], x[2:5], indexing="ij")[1]
    picked = np.take(a, np.array([2, 0, 2]), axis=1) + np.take(x, np.array([[1, 5, 5]]))
    ordered = np.take_along_axis(a, np.argsort(a, axis=1), axis=1)
    nan_filled = np.where(np.greater(x, 0.5), np.nan, x)
    flags = (np.any(a > 0.0, axis=0) * 1.0 + np.all(a < 1.0, axis=1)[:, None] + np.isclose(a, a[:, ::-1])
             + np.allclose(x, x + 1e-12))
    return (np.sum(gx * gy ** 2) + np.sum(gi ** 3) + np.sum(picked ** 2) + np.sum(ordered * np.arange(3.0))
            + np.nansum(nan_filled ** 2) + np.nanmean(nan_filled) + np.sum(np.append(a, x[:2] ** 2))
            + np.sum(np.append(a, a ** 2, axis=0) ** 2) + np.sum(flags * a) + np.sum(np.dstack([a, a ** 2]) ** 2)
            + np.sum(np.dstack([x, x]) * x[:, None]) + np.sum((np.empty((2, 3)) + np.tri(2, 3)) * a)
            + np.sum(np.empty_like(a) * a))


PROGRAMS = [selection, robust, total_variation, integral, polynomial_fit, statistics, masks, pair_indices,
            matrix_powers, least_squares]
SECOND_ORDER = [polynomial_fit, masks]  # (JAX compiles others' Hessians for seconds, a CI cost)
POINTS = [onp.random.default_rng(seed).standard_normal(6) for seed in (0, 1)]


@functools.cache
def on_jax(program):
    """The same code with ``np`` bound to ``jax.numpy``: the oracle (value, gradient, Hessian), jitted."""
    g = types.FunctionType(program.__code__, {**program.__globals__, "np": jnp}, program.__name__)
    if program in SECOND_ORDER:
        return jax.jit(lambda x: (g(x), jax.grad(g)(x), jax.hessian(g)(x)))
    return jax.jit(lambda x: (g(x), jax.grad(g)(x), None))


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_a_realistic_program_calls_numpy_names_as_jax_differentiates_them(engine, program):
    eng = ENGINES[engine]
    for x in POINTS:
        value, grad, hessian = on_jax(program)(x)
        onp.testing.assert_allclose(program(x), value, rtol=1e-10, atol=1e-12)
        onp.testing.assert_allclose(eng.grad(program)(x), grad, rtol=1e-10, atol=1e-12)
        if hessian is not None:
            onp.testing.assert_allclose(eng.hessian(program)(x), hessian, rtol=1e-9, atol=1e-10)


def test_counts_and_index_constants_are_numpy_s():
    x = onp.array([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]])
    assert anp.count_nonzero(x) == onp.count_nonzero(x)
    onp.testing.assert_array_equal(anp.count_nonzero(x, axis=0), onp.count_nonzero(x, axis=0))
    y = onp.array([0.0, onp.nan, 1.0, -onp.inf])
    for name in ("greater", "less", "greater_equal", "less_equal", "not_equal"):
        onp.testing.assert_array_equal(getattr(anp, name)(y, y[::-1]), getattr(onp, name)(y, y[::-1]))


def rank_deficient(x):
    a = anp.outer(x[:4], x[4:])
    return anp.sum(anp.linalg.lstsq(a, x[:4], rcond=None)[0])


def test_lstsq_refuses_a_rank_deficient_matrix_by_name():
    with pytest.raises(NotImplementedError, match="rank 1 < 2 columns"):
        ENGINES["overloading"].grad(rank_deficient)(POINTS[0])


def elemental_program(x):
    import adcompare.elemental as el
    a = el.reshape(x, (2, 3))
    return el.add(el.sum(el.multiply(el.diff(x), el.polyval(el.getitem(a, 0), el.diff(x)))),
                  el.add(el.median(x), el.add(el.ptp(a), el.sum(el.trapezoid(el.cov(a), axis=0)))))


def elemental_program_jax(x):
    a = jnp.reshape(x, (2, 3))
    return (jnp.sum(jnp.diff(x) * jnp.polyval(a[0], jnp.diff(x))) + jnp.median(x) + jnp.ptp(a)
            + jnp.sum(jnp.trapezoid(jnp.cov(a), axis=0)))


def test_the_elemental_library_takes_the_compositions_too():
    """They call primitives, never operators, which the elemental library's values refuse."""
    eng = ad.engine("elemental")
    for x in POINTS:
        onp.testing.assert_allclose(eng.grad(elemental_program)(x), jax.jit(jax.grad(elemental_program_jax))(x),
                                    rtol=1e-10, atol=1e-12)
