"""What SCT's reverse sweeps keep, by who will read them (``transform.residuals_for``).

Plain output keeps rule pull-backs and shapes ("closures", the least kept: see
tests/test_sct_saves.py); output that is transformed again (``higher="sct"``) or whose
loops ``lax.scan`` stacks (``control="lax"``) keeps arrays and calls the rules in the
reverse sweep ("arrays"). Each is checked for its form and against JAX; generated code
keeping pull-backs, transformed again, is refused by message.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy
import pytest

import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine, SCTError, transform
from adcompare.oracle import max_error

RNG = numpy.random.default_rng(14)


def looped(x, w):
    h = x
    for _t in range(3):
        h = anp.tanh(h * w) + anp.max(h) * 0.1  # max: the rule table's pull-back, in a loop
    return anp.sum(anp.stack([h, anp.sin(h)]) ** 2)


def looped_jax(x, w):
    h = x
    for _t in range(3):
        h = jnp.tanh(h * w) + jnp.max(h) * 0.1
    return jnp.sum(jnp.stack([h, jnp.sin(h)]) ** 2)


def straight(x):
    return anp.sum(anp.exp(x) * x) + anp.max(x) + anp.sum(x[1:] * 2.0)


def straight_jax(x):
    return jnp.sum(jnp.exp(x) * x) + jnp.max(x) + jnp.sum(x[1:] * 2.0)


def _inputs(seed: int):
    rng = numpy.random.default_rng(seed)
    return rng.normal(size=5), rng.normal(size=5)


def shaped(x, y):
    return anp.sum(anp.sin(x) + y)  # sin(x): only its shape is read (y may broadcast against it)


def test_plain_output_keeps_pullbacks_and_shapes():
    text = SCTEngine().source(straight, "reverse")  # its sums are rank-0: no shape to keep (analysis/ranks)
    assert "pull(" in text and "materialize(" not in text
    assert "shape_of(" in SCTEngine().source(shaped, "reverse", argnums=(0, 1))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lax_output_keeps_arrays(seed):
    eng = SCTEngine(control="lax")
    text = transform.source(looped, "reverse", (0, 1), control="lax")
    assert "pull(" not in text and "shape_of(" not in text and "scan" in text
    x, w = (jnp.asarray(a) for a in _inputs(seed))
    got = eng.grad(looped, (0, 1))(x, w)
    want = jax.grad(looped_jax, (0, 1))(x, w)
    assert max(max_error(g, e) for g, e in zip(got, want)) < 1e-10
    jitted = jax.jit(eng.grad(looped, (0, 1)))(x, w)
    assert max(max_error(g, e) for g, e in zip(jitted, want)) < 1e-10


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_second_order_transforms_array_residuals(seed):
    eng = SCTEngine(higher="sct")
    text = eng.source(straight, "hvp")
    assert "pull" not in text and "shape_of" not in text and "# runtime helper unbroadcast" in text
    x, v = _inputs(seed)
    got = eng.hvp(straight, (x,), (v,))
    want = jax.jvp(jax.grad(straight_jax), (x,), (v,))[1]
    assert max_error(got, want) < 1e-10
    x, w = _inputs(seed + 10)
    got = eng.hessian(looped)(x, w)
    want = jax.hessian(looped_jax)(x, w)
    assert max_error(got, want) < 1e-10


def test_pullback_residuals_transformed_again_refused():
    eng = SCTEngine(higher="sct")
    sweeps = transform.transform(straight, "reverse", (0,)).functions

    def gradient(x):
        out, residuals = sweeps["fwd"](x)
        return sweeps["bwd"](residuals, 1.0)[0]

    x, v = _inputs(3)
    with pytest.raises(SCTError, match="keeping pull-backs and shapes"):
        eng.jvp(gradient, (x,), (v,))


def test_unknown_residuals_refused():
    with pytest.raises(ValueError, match="residuals must be 'closures' or 'arrays'"):
        transform.transform(straight, "reverse", (0,), residuals="tape")
