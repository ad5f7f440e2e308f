"""The reductions' value checks (``rules.reductions._certain`` / ``_has_zero``) test exactly one thing.

A fast form of a rule (max/min writing at positions, logsumexp's ``exp(x - ans)``, prod and
cumprod dividing by ``x``) is taken only where a check on the values says so. A JAX tracer has no
values to check: then, and only then, the check falls back to the general form without running.
Any other error a check raises is a real one and propagates (it used to be swallowed as "unknown").
Under ``jax.jit`` the general forms give JAX's numbers.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.rules import reductions as red

SEEDS = (0, 1, 2)


def _boom():
    raise AssertionError("the check ran on a tracer")


def test_certain_answers_the_check_on_concrete_values():
    for v in (np.arange(3.0), 2.0, np.float64(1.5), jnp.arange(3.0)):
        assert red._certain(lambda: True, v) is True
        assert red._certain(lambda: np.zeros(()) == 1, v) is False
        assert red._certain(lambda: jnp.all(jnp.asarray(v) >= 0), v) is True


@pytest.mark.parametrize("wrap", [jax.jit, jax.grad, jax.vmap])
def test_certain_falls_back_on_a_tracer_without_running_the_check(wrap):
    seen = []

    def f(x):
        seen.append((red._certain(_boom, x), red._certain(_boom, 1.0, x), red._concrete(x), red._has_zero(x)))
        return jnp.sum(x)

    wrap(f)(jnp.arange(1.0, 4.0))
    assert seen == [(False, False, False, True)]


def test_an_error_of_the_check_on_concrete_values_propagates():
    with pytest.raises(ZeroDivisionError):
        red._certain(lambda: 1 / 0, np.ones(2))
    with pytest.raises(ValueError, match="ambiguous"):  # a check that is wrong, not unknowable
        red._certain(lambda: np.ones(2) > 0, np.ones(2))


def test_has_zero_reads_concrete_values():
    assert red._has_zero(np.array([1.0, 0.0])) and not red._has_zero(np.array([1.0, 2.0]))
    assert red._has_zero(jnp.array([0.0])) and not red._has_zero(3.0)


def _ties(seed):
    x = np.random.default_rng(seed).normal(size=(5, 24))
    x[1, 3] = x[1, 7] = x[1].max() + 1.0  # a tie in one slice
    x[2, 0] = 0.0  # a zero for prod's and cumprod's exact rules
    return x


def _program(x):
    return (anp.sum(anp.max(x, axis=1) ** 2) + anp.sum(anp.min(x, axis=0)) + anp.logsumexp(x * 3.0)
            + anp.sum(anp.prod(x[:3, :4], axis=1)) + anp.sum(anp.cumprod(x[2:4, :5], axis=1)))


def _program_jax(x):
    return (jnp.sum(jnp.max(x, axis=1) ** 2) + jnp.sum(jnp.min(x, axis=0)) + jsp.logsumexp(x * 3.0)
            + jnp.sum(jnp.prod(x[:3, :4], axis=1)) + jnp.sum(jnp.cumprod(x[2:4, :5], axis=1)))


@pytest.mark.parametrize("name", ["overloading", "sct"])
@pytest.mark.parametrize("seed", SEEDS)
def test_general_forms_under_jit_agree_with_jax(name, seed):
    x = jnp.asarray(_ties(seed))
    want = jax.grad(_program_jax)(x)
    got = jax.jit(ad.engine(name).grad(_program))(x)
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12)
    eager = ad.engine(name).grad(_program)(np.asarray(x))  # the concrete checks, on NumPy
    assert np.allclose(eager, want, rtol=1e-12, atol=1e-12)
