"""More vocabulary (h11): sampled data. ``interp`` (left/right values, ``'extrapolate'``, ``period``),
``convolve`` and ``correlate`` (every mode, either operand the longer), ``gradient`` (one spacing, coordinates,
several axes), ``ediff1d``, and the constants ``searchsorted`` and ``digitize``, against JAX in float64 on
the overloading engine and SCT (both second-order options): value, gradient, JVP and Hessian.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from vocab_more_check import ENGINES, check_on_tracers, check_program, program_tests, seeded

import adcompare as ad
import adcompare.numpy as anp


def interpolation(np_):
    def f(x, y):
        xp = np_.cumsum(np_.exp(y))
        out = np_.sum(np_.interp(x * 3.0, xp, np_.sin(y))) + np_.sum(np_.interp(x, xp, y, left=0.5, right=y[0]))
        out = out + np_.sum(np_.interp(x * 4.0, xp, y * y, left="extrapolate", right="extrapolate") ** 2)
        return out + np_.sum(np_.interp(x, y, x * x, period=2.0)) + np_.interp(0.7, xp, y)
    return f


def convolution(np_):
    def f(x, y):
        out = np_.sum(np_.convolve(x, y) ** 2) + np_.sum(np_.convolve(x, y[:3], mode="same") * x)
        out = out + np_.sum(np_.convolve(x[:2], y, mode="valid") ** 2) + np_.sum(np_.convolve(x[:2], y, "same") ** 3)
        out = out + np_.sum(np_.correlate(x, y[:3], "full") ** 2) + np_.sum(np_.correlate(x[:3], y, "same") ** 3)
        return out + np_.sum(np_.correlate(x, y[:2]) ** 2) + np_.sum(np_.correlate(x[:2], y, "full") ** 3)
    return f


def differences(np_):
    def f(x, y):
        xp = np_.cumsum(np_.exp(y))
        out = np_.sum(np_.gradient(x * y) ** 2) + np_.sum(np_.gradient(x, xp) ** 3)
        out = out + np_.sum(np_.gradient(x, y[0]) ** 2)
        grads = np_.gradient(np_.outer(x, y), 0.5, xp)
        out = out + np_.sum(grads[0] * grads[1]) + np_.sum(np_.gradient(np_.outer(x, y), axis=-1) ** 2)
        return out + np_.sum(np_.ediff1d(x * y, to_begin=y[:2], to_end=1.0) ** 2) + np_.sum(np_.ediff1d(x) ** 3)
    return f


test_programs_against_jax = program_tests([interpolation, convolution, differences], [(5,), (5,)])


def test_interp_at_the_nodes_and_repeated_abscissae():
    """x on the nodes, outside both ends, and a repeated abscissa (dx = 0: JAX's guard takes fp[i - 1])."""
    def program(np_):
        def f(fp, x):
            xp = np_.array([0.0, 1.0, 1.0, 2.5, 4.0])
            return np_.sum(np_.interp(x, xp, fp) ** 2) + np_.sum(np_.interp(xp, xp, fp * fp))
        return f
    for engine in ENGINES:
        check_program(program, (np.array([0.5, -1.0, 2.0, 0.3, 1.5]), np.array([-1.0, 0.0, 1.0, 1.5, 4.0, 9.0])),
                      engine)


def test_searchsorted_and_digitize_are_constants():
    a, v = np.array([0.0, 1.0, 1.0, 2.5]), np.array([-1.0, 1.0, 2.0, 3.0])
    for side in ("left", "right"):
        assert np.array_equal(anp.searchsorted(a, v, side=side), jnp.searchsorted(a, v, side=side))
    assert np.array_equal(anp.digitize(v, a, right=True), jnp.digitize(v, a, right=True))

    def f(x):
        return anp.sum(x * anp.searchsorted(anp.sort(x), x)) + anp.sum(x ** 2 * anp.digitize(x, a))

    x = np.array([0.5, -0.3, 2.0])
    expected = np.searchsorted(np.sort(x), x) + 2 * x * np.digitize(x, a)
    for eng in ENGINES.values():
        np.testing.assert_allclose(eng.grad(f)(x), expected, rtol=1e-14)


def test_bad_arguments_are_refused_by_name():
    for fn, args, kwargs in [(anp.interp, (0.5, [0.0, 1.0], [1.0]), {}), (anp.interp, (0.5, [0.0, 1.0], [1.0, 2.0]),
                                                                        {"left": "nearest"}),
                             (anp.convolve, ([1.0, 2.0], [1.0]), {"mode": "middle"}),
                             (anp.gradient, ([1.0],), {})]:
        with pytest.raises(ValueError, match=fn.__name__):
            ad.engine("overloading").grad(lambda x: anp.sum(fn(*args, **kwargs)) * x)(1.0)
    with pytest.raises(NotImplementedError, match="edge_order"):
        anp.gradient(np.ones(3), edge_order=2)


def test_the_same_source_runs_on_jax_tracers():
    check_on_tracers(interpolation, seeded([(5,), (5,)])[0])
