"""A bound method that writes into its argument in place, called through a variable or on a local object
with its result unused (``_ = obj.scale(q)``, ``m = obj.scale; _ = m(q)``): NumPy's primal sweep ran the write
and SCT's derivative did not see it (a gradient of 3x where the true one is 4x, no error). Refused now, as a
call of a plain function that writes in place is (front/aliases.check_dynamic_call, emit/python_checks.
checked_call); a method that writes nothing still runs, against JAX float64."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp


class Scaler:
    def __init__(self, factor):
        self.factor = factor

    def scale(self, v):
        v *= self.factor
        return None

    def scaled(self, v):
        return v * self.factor


def on_a_local_object(p):
    q = p * 1.0
    obj = Scaler(2.0)
    _ = obj.scale(q)
    return anp.sum(q * p)


def through_a_variable(p):
    q = p * 1.0
    m = Scaler(2.0).scale
    _ = m(q)
    return anp.sum(q * p)


def result_used_only_as_a_constant(p):
    q = p * 1.0
    obj = Scaler(3.0)
    _ = obj.scaled(q)  # writes nothing: runs
    return anp.sum(q * p)


@pytest.mark.parametrize("engine", [ad.engine("sct"), ad.engine("sct", higher="sct")])
@pytest.mark.parametrize("f", [on_a_local_object, through_a_variable])
def test_a_method_writing_into_its_argument_is_refused(f, engine):
    x = np.arange(1.0, 4.0)
    np.testing.assert_allclose(ad.engine("overloading").grad(f)(x), 4.0 * x)  # the write seen, as NumPy runs it
    with pytest.raises(ad.SCTError, match=r"(?s)a call of scale, known only when it runs, which writes into its "
                                          r"parameter 'v' in place.*test_sct16_method_writes\.py"):
        engine.grad(f)(x)


def test_a_method_that_writes_nothing_runs_as_jax():
    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=3)
        np.testing.assert_allclose(ad.engine("sct").grad(result_used_only_as_a_constant)(x),
                                   jax.grad(lambda p: jnp.sum(p * p))(x), rtol=1e-12)
