"""Probe 37: ``ad.checkpoint`` around a custom rule that is not the function's exact derivative, differentiated
twice (straight-through, clipped or surrogate gradients).

JAX's checkpoint changes nothing of the derivatives: the Hessian of ``step(x) * x``, ``step = checkpoint(lambda
x: csin(x) * x)`` with a surrogate rule for ``csin``, is the one without the checkpoint. The overloading engine's
checkpoint computed the call's value by running the function one level down, where the outer level took
``csin``'s call and used its rule again: Hessians off by ``x cos x`` with no error. The value now comes from the
fresh engine that also recomputes the pull-back, whose tape is dropped. SCT's forward sweep called the
checkpointed function as written, leaving the custom call inside to the level differentiating its code: the
same error; a checkpointed callee that calls a custom function (:mod:`adcompare.engines.sct.analysis.custom_reach`)
now gives its value from its transformed forward sweep. Checked against JAX's own ``custom_jvp`` and
``checkpoint`` on the same source.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-12)


def _program(lib, np_):
    csin = lib.custom_jvp(lambda x: np_.sin(x))
    csin.defjvp(lambda p, t: (np_.sin(p[0]), 2.0 * np_.cos(p[0]) * t[0]))  # a surrogate derivative
    step = lib.checkpoint(lambda x: csin(x) * x)
    inner = lib.checkpoint(lambda x: step(x) + x * x)  # checkpoints nested too
    return lambda x: step(x) * x + inner(x) * 0.5


@pytest.mark.parametrize("mode", ["fwd-rev", "rev-rev"])
@pytest.mark.parametrize("eng", [ad.engine("overloading"), ad.engine("sct"), ad.engine("sct", higher="boxes")],
                         ids=["overloading", "sct", "sct-boxes"])
def test_hessians_as_jax(eng, mode):
    ours, theirs = _program(ad, anp), _program(jax, jnp)
    for x in (0.7, -1.2):
        want = jax.hessian(theirs)(jnp.asarray(x))
        np.testing.assert_allclose(eng.hessian(ours, mode=mode)(x), want, **TOL)
        np.testing.assert_allclose(eng.grad(eng.grad(ours))(x), want, **TOL)


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_first_order_as_jax(name):
    ours, theirs = _program(ad, anp), _program(jax, jnp)
    for x in (0.7, -1.2):
        value, grad = ad.engine(name).value_and_grad(ours)(x)
        want_value, want_grad = jax.value_and_grad(theirs)(jnp.asarray(x))
        np.testing.assert_allclose(value, want_value, **TOL)
        np.testing.assert_allclose(grad, want_grad, **TOL)


def closes_over_w(x, w):
    step = ad.checkpoint(lambda h: anp.tanh(h * w))
    return anp.sum(step(step(x)))


def test_a_checkpoint_closing_over_a_differentiated_value_is_refused_by_name():
    """Its recomputation would read the value after its derivative finished: the overloading engine said it had
    "escaped" the function (a misleading TypeError); it is refused at the user's line, naming the closure."""
    with pytest.raises(NotImplementedError, match=r"closes over a differentiated value \(at .*test_probe37"):
        ad.engine("overloading").grad(closes_over_w, argnums=(0, 1))(np.array([0.3, -0.4]), np.array([1.5, 0.7]))
