"""SCT: ``ad.checkpoint`` of a nested def or lambda that closes over a differentiated value, called at once.

``ad.checkpoint(inner)(x)`` with ``inner`` reading ``x`` from the function around it was refused with a
misleading message ("the expression 'ad.checkpoint(inner)' on a differentiated value"), and
``g = ad.checkpoint(lambda y: ...)`` with a message naming adcompare's own file. Called at once, the function is
lifted (its free variables passed as arguments) and the call checkpointed, as JAX's ``jax.checkpoint`` of a
closure; kept as a value, it is refused at the user's line. The oracle is ``jax.checkpoint`` of the same
program under JAX, float64.
"""

from __future__ import annotations

import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-13)


def nested_def(x):
    def inner(y):
        return anp.sin(y * x) + anp.sum(x * x)
    return anp.sum(ad.checkpoint(inner)(x) * 2.0)


def inline_lambda(x):
    c = anp.cos(x)
    return anp.sum(ad.checkpoint(lambda y: anp.tanh(y * c) * y)(x ** 2))


def two_calls(x):
    s = anp.sum(x)

    def step(y, k):
        return anp.exp(-y * s / k) + y
    h = ad.checkpoint(step)(x, 2.0)
    return anp.sum(ad.checkpoint(step)(h, 3.0) * x)


def kept_as_value(x):
    g = ad.checkpoint(lambda y: anp.sin(y * x))
    return anp.sum(g(x))


PROGRAMS = [nested_def, inline_lambda, two_calls]


def jax_version(f):
    """``f`` with ``ad.checkpoint`` as ``jax.checkpoint`` and ``anp`` as ``jnp``."""
    jax_ad = types.SimpleNamespace(checkpoint=jax.checkpoint)
    return types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp, "ad": jax_ad}, f.__name__)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", [0, 1])
def test_checkpoint_of_a_closure_called_at_once_is_jax_s(f, seed):
    x = np.random.default_rng(seed).normal(size=3)
    sct, ref = ad.engine("sct"), jax_version(f)
    np.testing.assert_allclose(sct.grad(f)(x), jax.grad(ref)(x), **TOL)
    t = np.cos(x)
    for a, b in zip(sct.jvp(f, (x,), (t,)), jax.jvp(ref, (x,), (t,))):
        np.testing.assert_allclose(a, b, **TOL)
    np.testing.assert_allclose(sct.hessian(f)(x), jax.hessian(ref)(x), **TOL)
    np.testing.assert_allclose(sct.hessian(f, mode="rev-rev")(x), jax.jacrev(jax.jacrev(ref))(x), **TOL)


def test_the_reverse_sweep_recomputes_the_lifted_function():
    """The checkpointed call keeps its inputs and re-runs the lifted function's forward sweep."""
    source = ad.engine("sct").source(nested_def, mode="reverse")
    fwd, bwd = source.split("def nested_def_bwd")
    assert "inner_lifted" in fwd and "inner_lifted_fwd(" not in fwd, source  # the plain function: nothing kept
    assert "recompute inner_lifted" in bwd and "inner_lifted_fwd(" in bwd, source


def test_a_checkpoint_of_a_closure_kept_as_a_value_is_refused_at_the_users_line():
    with pytest.raises(SCTError) as e:
        ad.engine("sct").grad(kept_as_value)(np.ones(3))
    assert "ad.checkpoint of a function that reads a differentiated value" in str(e.value)
    assert f"{__file__}, line {kept_as_value.__code__.co_firstlineno + 1}" in str(e.value)
