"""Probe 14 (fix): ``anp.piecewise`` reads conditions as JAX does, and ``anp.put``'s default mode is jnp's.

``jnp.piecewise`` reads ``condlist`` as an array whose rows are the conditions; NumPy reads a single 1-d condition
(an array or a list of bools) as one condition. anp read a condition of x's shape as one (NumPy's form) even for a
2-d x, where both NumPy and JAX read its rows. anp now reads rows; a single 1-d condition is read as NumPy's only
where jnp would raise (its count of functions fits only that reading), and refused by name where both readings fit.
``jnp.put``'s default (``mode=None``) counts a negative index from the end and clips the others (its
``unravel_index`` clamps); anp refused every index out of range there, and now follows it. jnp is the oracle.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

FUNCS = [lambda v: v * v, lambda v: -v, 7.0]


@pytest.mark.parametrize("nf", [2, 3])
def test_two_d_condition_array_is_read_by_rows_as_jax(nf):
    x = np.arange(6.0).reshape(2, 3) - 2.5
    cond = x > 0
    np.testing.assert_array_equal(anp.piecewise(x, cond, FUNCS[:nf]), jnp.piecewise(jnp.asarray(x), cond, FUNCS[:nf]))


@pytest.mark.parametrize("condlist", ["list", "array3"])
def test_lists_and_stacked_conditions_as_jax(condlist):
    x = np.array([-2.0, -0.5, 0.5, 3.0])
    conds = [x > 0, x < -1] if condlist == "list" else np.stack([x > 0, x < -1, x > 2])
    nf = len(conds) + 1
    np.testing.assert_array_equal(anp.piecewise(x, conds, FUNCS[:2] + [1.5, 7.0][:nf - 2]),
                                  jnp.piecewise(jnp.asarray(x), jnp.asarray(conds), FUNCS[:2] + [1.5, 7.0][:nf - 2]))


def ambiguous(x):
    return anp.piecewise(x, x > 0, [anp.sin, anp.cos])


def test_single_one_d_condition_refused_where_both_readings_fit():
    x = np.array([-1.0, 2.0])  # two entries, two functions: NumPy's one condition, or JAX's two
    with pytest.raises(ValueError) as err:
        ambiguous(x)
    lines, first = inspect.getsourcelines(ambiguous)
    assert f"{__file__}:{first + 1} (in ambiguous)" in str(err.value) and "[cond]" in str(err.value)
    for eng in ("overloading", "sct"):
        with pytest.raises(ValueError, match="a single 1-d condition"):
            ad.engine(eng).grad(lambda v: anp.sum(ambiguous(v)))(x)


def test_single_one_d_condition_read_as_numpy_only_where_jax_would_raise():
    x = np.array([-1.0, 0.5, 2.0])
    funcs2 = [np.square, np.abs]
    np.testing.assert_array_equal(anp.piecewise(x, x > 0, funcs2), np.piecewise(x, x > 0, funcs2))
    with pytest.raises(ValueError):
        jnp.piecewise(jnp.asarray(x), x > 0, [jnp.square, jnp.abs])
    # five functions for four scalar conditions: only JAX's reading fits
    x4 = np.array([-1.0, 0.5, 2.0, 3.0])
    funcs = [lambda v: v, lambda v: 2 * v, lambda v: 3 * v, lambda v: 4 * v, -1.0]
    np.testing.assert_array_equal(anp.piecewise(x4, x4 > 1, funcs), jnp.piecewise(jnp.asarray(x4), x4 > 1, funcs))


@pytest.mark.parametrize("mode", [None, "clip", "wrap"])
@pytest.mark.parametrize("shape", [(5,), (3, 4)])
def test_put_modes_as_jnp(mode, shape):
    rng = np.random.default_rng(len(shape))
    a = rng.normal(size=shape)
    size = a.size
    for ind in ([1, size + 2], [-1], [-size - 3, 1], [1, -2, size]):  # no two land on one entry
        v = rng.normal(size=len(ind))
        got = anp.put(a, np.array(ind), v, mode=mode, inplace=False)
        want = jnp.put(jnp.asarray(a), jnp.array(ind), jnp.asarray(v), mode=mode, inplace=False)
        np.testing.assert_array_equal(got, want)


def test_put_default_mode_gradient_as_jax():
    def f(a, v, put):
        return (put(a, np.array([-2, 9, 1]), v * v, inplace=False) ** 2).sum()

    a, v = np.random.default_rng(0).normal(size=(2, 5))[0], np.array([0.3, -1.2, 2.0])
    want = jax.grad(lambda a, v: f(a, v, jnp.put), (0, 1))(jnp.asarray(a), jnp.asarray(v))
    for eng in ("overloading", "sct"):
        got = ad.engine(eng).grad(lambda a, v: f(a, v, anp.put), (0, 1))(a, v)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-12)


def test_put_other_modes_refused_by_name():
    with pytest.raises(ValueError, match="mode='drop'.*one of 'wrap' or 'clip'"):
        anp.put(np.ones(3), np.array([0]), 2.0, mode="drop", inplace=False)
