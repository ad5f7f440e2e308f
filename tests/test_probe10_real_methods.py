"""Probe 10 (realistic NumPy programs): an array method SCT does not take on a differentiated value names the
function to write instead, and the program written as the hint says is differentiated as JAX differentiates it.

``s = x.copy(); s += 2 * x`` (a common way to start an accumulator) and ``x.take(i)`` were
refused with "use adcompare.numpy functions; methods are not differentiated", leaving the user to find which
function; ``.copy()``'s right form (``anp.array(x)``) is not even named ``copy``. The hint now names it:
``anp.array(x)`` for ``.copy()``, ``anp.<method>(x, ...)`` where the vocabulary has the method's name.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as onp
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)

ENGINES = {"sct": ad.engine("sct"), "sct-boxes": ad.engine("sct", higher="boxes")}


def accumulate_copy(x):
    s = x.copy()
    s += 2.0 * x
    return anp.sum(s * x)


def accumulate_array(x):
    s = anp.array(x)
    s += 2.0 * x
    return anp.sum(s * x)


def partitioned(x):
    return anp.sum(x.partition(1) * x)


@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_copy_and_anp_array_both_work(engine):
    """(x.copy() was refused with the rewrite anp.array(x); it is chosen when it runs now: test_sct16_copy_method)"""
    eng, x = ENGINES[engine], onp.random.default_rng(0).standard_normal(4)
    for f in (accumulate_copy, accumulate_array):
        onp.testing.assert_allclose(eng.grad(f)(x), jax.grad(lambda x: jnp.sum(3.0 * x * x))(x), rtol=1e-12)


def test_another_method_names_its_function_form():
    with pytest.raises(SCTError, match=r"anp\.partition\(x, \.\.\.\)"):
        ENGINES["sct"].grad(partitioned)(onp.ones(3))
