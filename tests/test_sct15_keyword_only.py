"""SCT's refusal of a differentiated value passed to a keyword-only parameter gives a rewrite that can be followed.

Found by this stop's helpers: ``def f(x, *, scale)`` called as ``f(x, scale=s)`` with ``s`` differentiated (and
``anp.compress(..., fill_value=v)``) was refused with the hint "pass this one by position", which a keyword-only
parameter cannot be. SCT differentiates positional parameters only (the generated callee's signature); the
refusal stays, at the user's line, and now says what to change: make the parameter positional (the call may keep
its keyword), or, for the vocabulary's own keyword-only parameter, pass a constant. The rewrite matches JAX.
"""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def scaled(x, *, scale):
    return anp.sum(anp.sin(x) * scale)


def loss(x, s):
    return scaled(x, scale=s) * s  # LINE loss


def filled(x, v):
    return anp.sum(anp.compress(np.array([True, False, True]), x, size=3, fill_value=v) ** 2)  # LINE filled


def scaled_positional(x, scale):
    return anp.sum(anp.sin(x) * scale)


def loss_rewritten(x, s):
    return scaled_positional(x, scale=s) * s


def line_of(tag):
    lines = open(__file__).read().splitlines()
    return next(i + 1 for i, text in enumerate(lines) if text.endswith(f"# LINE {tag}"))


@pytest.mark.parametrize("f,hint", [(loss, "make scale a positional parameter of scaled"),
                                    (filled, "fill_value= of adcompare's compress as a constant")])
def test_keyword_only_refusal_names_line_and_a_rewrite(f, hint):
    x = np.array([0.3, 0.7, 1.1])
    with pytest.raises(ad.SCTError) as info:
        ad.engine("sct").grad(f, argnums=(0, 1))(x, 0.5)
    text = str(info.value)
    assert "keyword-only parameter" in text and hint in text, text
    assert "pass this one by position" not in text
    assert re.search(rf"test_sct15_keyword_only.py, line {line_of(f.__name__)}\b", text), text


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_rewrite_matches_jax(seed):
    rng = np.random.default_rng(seed)
    x, s = rng.normal(size=3), float(rng.normal())

    def ref(x, s):
        return jnp.sum(jnp.sin(x) * s) * s

    eng = ad.engine("sct", higher="sct")
    got, want = eng.grad(loss_rewritten, argnums=(0, 1))(x, s), jax.grad(ref, argnums=(0, 1))(x, s)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-10)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-10)
    t = rng.normal(size=3)
    _, dot = eng.jvp(lambda x: loss_rewritten(x, s), (x,), (t,))
    np.testing.assert_allclose(dot, jax.jvp(lambda x: ref(x, s), (x,), (t,))[1], rtol=1e-10)
    np.testing.assert_allclose(eng.hessian(loss_rewritten)(x, s), jax.hessian(ref)(x, s), rtol=1e-10, atol=1e-12)
