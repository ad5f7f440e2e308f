"""SCT's reverse sweep takes a rule's value and pull-back at once where the rule has that form.

A primitive whose rule defines ``value_and_vjp`` (logsumexp: it keeps the forward's ``exp(x - m)``
and its sum, so that the pull-back is one product) is computed in SCT's forward sweep by that rule,
``y, y_pullback = logsumexp_value_and_vjp(active, x)``, as the overloading tape computes it: the
reverse sweep does not compute the exponentials again. The values are the primitive's (the rule
falls back to the primitive and its rule off NumPy, and on boxes), so gradients, second
derivatives by SCT's own transform (which keeps arrays, not pull-backs) and by boxes, loops, JAX
inputs and unused values all agree with JAX in float64.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp

jax.config.update("jax_enable_x64", True)

SEEDS = (0, 1, 2)


def lse_all(x):
    return anp.logsumexp(x) + anp.sum(x * x) / 3.0


def lse_rows(x):
    return anp.sum(anp.sin(anp.logsumexp(x, axis=1)))


def lse_keep(x):
    return anp.sum(anp.logsumexp(x, axis=0, keepdims=True) * x)


def lse_loop(x):
    acc = 0.0
    for k in range(3):
        acc = acc + anp.logsumexp(x * (k + 1.0), axis=1)
    return anp.sum(acc * acc)


def lse_unused(x):
    y = anp.logsumexp(x, axis=1)  # noqa: F841 (a value nothing reads: its cotangent is the placeholder)
    return anp.sum(anp.cos(x))


def lse_large(x):
    return anp.logsumexp(x * 200.0)  # |ans| > 64: the max-shifted form


PROGRAMS = [lse_all, lse_rows, lse_keep, lse_loop, lse_unused, lse_large]


def _x(seed):
    return np.random.default_rng(seed).normal(size=(4, 5))


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_gradient_matches_jax(f):
    eng = ad.engine("sct")
    for seed in SEEDS:
        x = _x(seed)
        want = jax.jit(jax.grad(f))(jnp.asarray(x))
        got = eng.grad(f)(x)
        assert type(got) is np.ndarray
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", [lse_all, lse_rows, lse_loop], ids=lambda f: f.__name__)
def test_the_forward_sweep_calls_the_value_and_pullback_rule(f):
    src = ad.engine("sct").source(f)
    assert "logsumexp_value_and_vjp((True,), " in src
    assert "logsumexp_vjps" not in src  # no rule that recomputes exp(x - ans) in the reverse sweep


def test_the_reverse_sweep_computes_no_exponential(monkeypatch):
    eng = ad.engine("sct")
    x = _x(0)
    fwd, bwd = eng.transform(lse_all).functions["fwd"], eng.transform(lse_all).functions["bwd"]
    _, residuals = fwd(x)
    calls = []
    real = np.exp
    monkeypatch.setattr(np, "exp", lambda *a, **k: calls.append(1) or real(*a, **k))
    (x_bar,) = bwd(residuals, 1.0)
    assert calls == []
    np.testing.assert_allclose(x_bar, jax.jit(jax.grad(lse_all))(x), rtol=1e-10)


@pytest.mark.parametrize("f, higher", [(lse_rows, "sct"), (lse_keep, "boxes")], ids=["sct", "boxes"])
def test_second_order_matches_jax(f, higher):
    eng = ad.engine("sct", higher=higher)
    for seed in SEEDS[:1]:
        x = _x(seed)[:3, :3]
        want = jax.jit(jax.hessian(f))(jnp.asarray(x))  # (eager, jax.hessian takes seconds)
        np.testing.assert_allclose(eng.hessian(f)(x), want, rtol=1e-10, atol=1e-12)
        v = np.random.default_rng(seed + 7).normal(size=x.shape)
        np.testing.assert_allclose(eng.hvp(f, (x,), (v,)), np.tensordot(want, v, 2), rtol=1e-10, atol=1e-12)


def test_jax_inputs_and_vjp_with_a_zero_cotangent():
    eng = ad.engine("sct")
    x = _x(1)
    got = eng.grad(lse_rows)(jnp.asarray(x))
    assert isinstance(got, jax.Array)
    np.testing.assert_allclose(got, jax.jit(jax.grad(lse_rows))(x), rtol=1e-10)

    def two(x):
        return anp.logsumexp(x, axis=1), anp.sum(x)

    y, f_vjp = eng.vjp(two, x)
    np.testing.assert_allclose(y[0], jax.nn.logsumexp(x, axis=1), rtol=1e-13)
    (x_bar,) = f_vjp((np.zeros(4), 1.0))
    np.testing.assert_allclose(x_bar, np.ones_like(x), rtol=1e-13)
