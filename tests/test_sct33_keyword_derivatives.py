"""``eng.grad(f)(v, scale=s)`` in code SCT transforms, ``s`` differentiated: refused ("a differentiated value passed
to the keyword argument 'scale' of the function this line computes and calls"), as SCT differentiates what a call
passes by position. Where the keywords name ``f``'s next positional parameters (skipped ones take their defaults)
and argnums takes none of them, they are now passed by position (front/derivative_calls.keywords_by_position), which
JAX computes alike: a positional argument argnums does not name passes through as a keyword one does."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)

SCT = ad.engine("sct")


def inner(v, scale=1.0, shift=0.0):
    return anp.sum(anp.sin(v * scale) + shift * v)


def kinds(v, s, t):
    a = SCT.value_and_grad(inner)(v, scale=s, shift=t)
    b = SCT.jacfwd(inner)(v, shift=t, scale=s)  # out of order
    c = SCT.hessian(inner)(v, shift=s)  # scale skipped: its default
    d = SCT.grad(lambda w, k: anp.sum(w * w * k))(v, k=t)
    return a[0] + anp.sum(a[1] * v) + anp.sum(b) * s + anp.sum(c) + anp.sum(d * d)


def kinds_jax(v, s, t):  # kinds on JAX's derivatives
    a = jax.value_and_grad(inner)(v, scale=s, shift=t)
    b = jax.jacfwd(inner)(v, shift=t, scale=s)
    c = jax.hessian(inner)(v, shift=s)
    d = jax.grad(lambda w, k: jnp.sum(w * w * k))(v, k=t)
    return a[0] + jnp.sum(a[1] * v) + jnp.sum(b) * s + jnp.sum(c) + jnp.sum(d * d)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_derivative_called_with_keywords_agrees_with_jax(seed):
    rng = np.random.default_rng(seed)
    v, s, t = rng.normal(size=3), float(rng.normal()), float(rng.normal())
    got = SCT.value_and_grad(kinds, argnums=(0, 1, 2))(v, s, t)
    want = jax.value_and_grad(kinds_jax, argnums=(0, 1, 2))(v, s, t)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-13)
    for g, w in zip(got[1], want[1]):
        np.testing.assert_allclose(g, w, rtol=1e-11, atol=1e-12)


def keyword_argnums_takes(v, s):
    return anp.sum(SCT.grad(inner, argnums=1)(v, scale=s))  # JAX: argnums 1 beyond its one positional argument


def test_a_keyword_argnums_names_is_still_refused_at_the_line():
    with pytest.raises(SCTError, match="keyword argument 'scale'") as info:
        SCT.grad(keyword_argnums_takes, argnums=1)(np.ones(3), 0.5)
    assert info.value.line == keyword_argnums_takes.__code__.co_firstlineno + 1
