"""Probe 12 (JAX's Autodiff Cookbook adapted): ``stop_gradient``, as the cookbook's TD(0) update and a
straight-through estimator use it.

The vocabulary had no way to say it: ``jax.lax.stop_gradient`` on an active value is refused (rightly: the engines
cannot see into JAX's functions, and the refusal says to use the vocabulary), but no vocabulary function stopped a
derivative (``anp.stop_gradient`` was an AttributeError). ``anp.stop_gradient`` (``el.stop_gradient``) is the
primal value as a constant, at every order, and ``jax.lax.stop_gradient`` on JAX arrays and tracers, so the same
source runs under ``jax.grad``; SCT knows it as a constant of the vocabulary. Checked against JAX in float64 on
every engine (SCT's two second orders too), several seeds: the gradient, the JVP and the Hessian.
"""

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

ENGINES = {"overloading": {}, "sct": {}, "sct-boxes": {"higher": "boxes"}}


def value(theta, s):
    return anp.tanh(anp.dot(theta, s))


def td_loss(theta, s, s_next):
    """The cookbook's TD(0) loss: the target is held fixed."""
    target = 0.5 + 0.9 * anp.stop_gradient(value(theta, s_next))
    return (target - value(theta, s)) ** 2


def straight_through(x):
    """Rounding forward, the identity backward: ``x + stop_gradient(round(x) - x)``."""
    rounded = x + anp.stop_gradient(anp.round(x) - x)
    return anp.sum(anp.sin(x) * rounded ** 2)


def _inputs(seed: int):
    rng = np.random.default_rng(seed)
    return rng.normal(size=3), rng.normal(size=3), rng.normal(size=3)


_REFERENCES: dict = {}


def _reference(key, compute):
    if key not in _REFERENCES:
        _REFERENCES[key] = compute()
    return _REFERENCES[key]


def _close(ours, theirs):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_td_update_holds_the_target_fixed(engine):
    eng = ad.engine(engine.split("-")[0], **ENGINES[engine])
    for seed in (0, 1):
        theta, s, s_next = _inputs(seed)
        g, h = _reference(("td", seed), lambda: (jax.grad(td_loss)(theta, s, s_next),  # the same source, on JAX
                                                  jax.hessian(td_loss)(theta, s, s_next)))
        _close(eng.grad(td_loss)(theta, s, s_next), g)
        _close(eng.hessian(td_loss)(theta, s, s_next), h)


@pytest.mark.parametrize("engine", ENGINES)
def test_straight_through_estimator(engine):
    eng = ad.engine(engine.split("-")[0], **ENGINES[engine])
    for seed in (0, 1):
        x, t, _ = _inputs(seed)
        x = 2.0 * x
        g, y_dot, h = _reference(("st", seed), lambda: (jax.grad(straight_through)(x),
                                                         jax.jvp(straight_through, (x,), (t,))[1],
                                                         jax.hessian(straight_through)(x)))
        _close(eng.grad(straight_through)(x), g)
        _close(eng.jvp(straight_through, (x,), (t,))[1], y_dot)
        _close(eng.hessian(straight_through, mode="rev-rev")(x), h)


def td_elemental(theta, s, s_next):
    target = el.add(0.5, el.multiply(0.9, el.stop_gradient(el.tanh(el.dot(theta, s_next)))))
    return el.square(el.subtract(target, el.tanh(el.dot(theta, s))))


def test_elemental_form():
    theta, s, s_next = _inputs(0)
    _close(ad.engine("elemental").grad(td_elemental)(theta, s, s_next), jax.grad(td_loss)(theta, s, s_next))
