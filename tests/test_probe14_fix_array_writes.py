"""Probe 14 (fix): writing a differentiated value into a NumPy array (``y = anp.zeros(2); y[0] = v``).

On the overloading engine an element write failed inside NumPy with "setting an array element with a sequence"
(NumPy calls float() of the box, whose refusal it replaces because a box has ``__getitem__``), without the
user's line. The engine's one entry into user code (tape_engine.run_user) now raises the refusal itself: a
ConcretizationTypeError naming the write and the user's file and line, as slice and row writes already were.
SCT writes functionally (JAX's ``.at[].set``) and gives JAX's derivatives; ``anp.empty``, ``anp.empty_like``
and ``anp.tri`` are constant makers to it now, as ``anp.zeros`` is (a write into ``anp.empty(3)`` was refused as
if another name might hold the array).
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.concrete import ConcretizationTypeError


def element_into_anp_zeros(x):
    y = anp.zeros(2)
    y[0] = x * 2.0
    return anp.sum(y * x)


def element_into_np_zeros(x):
    y = np.zeros(3)
    y[2] = anp.sin(x)
    return anp.sum(y * x)


def slice_into_anp_empty(x):
    y = anp.empty(3)
    y[0:2] = x * 2.0
    y[2] = x
    return anp.sum(y * x)


def row_into_np_zeros(x):
    y = np.zeros((2, 3))
    y[1] = x * anp.cos(x)
    return anp.sum(y * y)


def expected(x):
    """The four programs' writes as JAX's .at[].set (the first three at a scalar x)."""
    return {element_into_anp_zeros: jnp.zeros(2).at[0].set(x * 2.0).sum() * x,
            element_into_np_zeros: jnp.zeros(3).at[2].set(jnp.sin(x)).sum() * x,
            slice_into_anp_empty: jnp.zeros(3).at[0:2].set(x * 2.0).at[2].set(x).sum() * x}


PROGRAMS = [(element_into_anp_zeros, "y[0] = x * 2.0"), (element_into_np_zeros, "y[2] = anp.sin(x)"),
            (slice_into_anp_empty, "y[0:2] = x * 2.0"), (row_into_np_zeros, "y[1] = x * anp.cos(x)")]


def line_of(fn, text):
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, s in enumerate(lines) if text in s)


@pytest.mark.parametrize("fn,text", PROGRAMS)
@pytest.mark.parametrize("how", ["grad", "jvp", "hessian"])
def test_overloading_refuses_the_write_at_the_users_line(fn, text, how):
    eng = ad.engine("overloading")
    x = np.ones(3) if fn is row_into_np_zeros else 0.3
    with pytest.raises(ConcretizationTypeError) as err:
        if how == "jvp":
            eng.jvp(fn, (x,), (np.ones_like(x),))
        else:
            getattr(eng, how)(fn)(x)
    message = str(err.value)
    assert "writing into a NumPy array" in message and "anp.index_update" in message
    assert f"{__file__}:{line_of(fn, text)} (in {fn.__name__})" in message


@pytest.mark.parametrize("fn", [element_into_anp_zeros, element_into_np_zeros, slice_into_anp_empty])
def test_sct_writes_as_jax_at_set(fn):
    eng = ad.engine("sct")
    for x in (0.3, -1.1, 2.0):
        want = jax.grad(lambda v: expected(v)[fn])(jnp.float64(x))
        np.testing.assert_allclose(eng.grad(fn)(x), want, rtol=1e-12)
        np.testing.assert_allclose(eng.jvp(fn, (x,), (1.0,))[1], want, rtol=1e-12)


def test_sct_row_write_as_jax_at_set():
    def row_jax(x):
        y = jnp.zeros((2, 3)).at[1].set(x * jnp.cos(x))
        return jnp.sum(y * y)

    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=3)
        np.testing.assert_allclose(ad.engine("sct").grad(row_into_np_zeros)(x), jax.grad(row_jax)(jnp.asarray(x)),
                                   rtol=1e-12)
