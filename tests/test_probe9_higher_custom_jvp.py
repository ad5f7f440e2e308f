"""An outer derivative of a call that took an ``ad.custom_jvp`` rule differentiates the rule as written, as JAX.

JAX's JVP of a ``custom_jvp`` function runs the user's rule; an outer derivative then differentiates that
rule's code, its value included: with ``c = tanh`` and a rule giving ``(tanh(x), t * cos(x))``,
``d²/dx² c(x)²`` is ``2 (1 - tanh²) cos - 2 tanh sin`` (the value's derivative is tanh's own). The engines
took the value from the function bound again one level up, so the outer level applied the custom rule
to it a second time (``2 cos² - 2 tanh sin``), with no error: every engine and composition (Hessian both
modes, ``jacrev(jacfwd)``, ``jacfwd(jacfwd)``). Now the value is the rule's wherever an outer level
differentiates it (forward mode takes value and tangent from one call of the rule). Checked against JAX
in float64 on several seeds, a two-argument rule and a ``nondiff_argnums`` argument too.
"""

from __future__ import annotations

import functools
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = {"overloading": {}, "sct": {}, "sct-boxes": {"higher": "boxes"}}


def make(custom_jvp):
    """The same programs on ``ad.custom_jvp`` or ``jax.custom_jvp`` (anp dispatches to jnp on JAX values)."""

    @custom_jvp
    def soft(x):
        return anp.tanh(x)

    @soft.defjvp
    def _soft_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return anp.tanh(x), t * anp.cos(x)  # not tanh's derivative: which one an outer level sees shows

    @partial(custom_jvp, nondiff_argnums=(0,))
    def scaled(k, x, y):
        return k * x * anp.sin(y)

    @scaled.defjvp
    def _scaled_jvp(k, primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return k * x * anp.sin(y), k * (tx * anp.sin(y) + x * ty)  # y's part is not cos(y)

    def f(x):
        s = soft(x)
        return anp.sum(s * s * x) + anp.sum(scaled(1.5, s, x[::-1]) ** 2)

    return f


OURS, THEIRS = make(ad.custom_jvp), make(jax.custom_jvp)


def _x(seed):
    return np.random.default_rng(seed).uniform(-1.5, 1.5, 3)


@functools.cache
def _want(seed):
    return np.asarray(jax.hessian(THEIRS)(jnp.asarray(_x(seed))))


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_second_derivatives_of_a_custom_jvp_are_jax_s(name):
    e = ad.engine(name.split("-")[0], **ENGINES[name])
    ours = {"fwd-rev": e.hessian(OURS), "rev-rev": e.hessian(OURS, mode="rev-rev"),
            "rev-fwd": e.jacrev(e.jacfwd(OURS)), "fwd-fwd": e.jacfwd(e.jacfwd(OURS))}
    for seed in range(2):
        for how, d2 in ours.items():
            np.testing.assert_allclose(d2(_x(seed)), _want(seed), rtol=1e-10, atol=1e-12, err_msg=f"{name} {how}")


def test_first_order_unchanged():
    x = _x(0)
    want = np.asarray(jax.grad(THEIRS)(jnp.asarray(x)))
    for name, options in ENGINES.items():
        e = ad.engine(name.split("-")[0], **options)
        np.testing.assert_allclose(e.grad(OURS)(x), want, rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(e.jvp(OURS, (x,), (np.ones(3),))[1], want.sum(), rtol=1e-12, err_msg=name)
