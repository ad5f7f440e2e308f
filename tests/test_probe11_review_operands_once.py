"""Review of the front end's rewrites that read an operand more than once (``front/sized_code.py``'s star
calls, ``front/derivative_calls.py``'s ``E.vjp`` inside code SCT transforms): each operand is evaluated once,
as Python evaluates it. Before, ``anp.add(*draw(rng))`` evaluated ``draw(rng)`` twice (once for its length,
once for its items) and ``E.vjp(f, x + rng.normal(size=3))`` its primals twice (the value, the pull-back; three
times, and ``f``'s forward sweep twice, with ``has_aux``): an operand that draws random numbers gave a value of
one draw and a derivative of another, silently. Checked against the same program run on NumPy (the value, same
seed) and against JAX (the gradient, with the draws made beforehand), float64, several seeds; and that a
computed operand is evaluated once in the code SCT writes.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp

jax.config.update("jax_enable_x64", True)
SCT = ad.engine("sct")
ENGINES = {"sct": SCT, "higher": ad.engine("sct", higher="sct")}


def draw(rng, n):
    return rng.normal(size=n)


def spread(x, seed):
    rng = np.random.default_rng(seed)
    return anp.sum(x * anp.add(*draw(rng, 2))) + anp.sum(anp.sin(x) * draw(rng, 3))


def combine(a, b):
    return a + b


def spread_keywords(x, seed):
    rng = np.random.default_rng(seed)
    return anp.sum(anp.sin(x) * combine(**{"a": x, "b": draw(rng, 3)}))


def pulled(x, seed):
    rng = np.random.default_rng(seed)
    y, pb = SCT.vjp(anp.sin, x * x + draw(rng, 3))
    return anp.sum(pb(y * x)[0])


def inner(a):
    return anp.sin(a) * a, anp.sum(a * a)


def pulled_aux(x, seed):
    rng = np.random.default_rng(seed)
    y, pb, aux = SCT.vjp(inner, x * 2.0 + draw(rng, 3), has_aux=True)
    return anp.sum(pb(anp.cos(x))[0] * y) + aux


def jax_twin(name, x, seed):
    """The same program in JAX, with the draws made beforehand (in the order NumPy's run makes them)."""
    rng = np.random.default_rng(seed)
    if name == "spread":
        d2, d3 = draw(rng, 2), draw(rng, 3)
        return jnp.sum(x * (d2[0] + d2[1])) + jnp.sum(jnp.sin(x) * d3)
    d = draw(rng, 3)
    if name == "spread_keywords":
        return jnp.sum(jnp.sin(x) * (x + d))
    if name == "pulled":
        y, pb = jax.vjp(jnp.sin, x * x + d)
        return jnp.sum(pb(y * x)[0])
    y, pb, aux = jax.vjp(lambda a: (jnp.sin(a) * a, jnp.sum(a * a)), x * 2.0 + d, has_aux=True)
    return jnp.sum(pb(jnp.cos(x))[0] * y) + aux


PROGRAMS = {"spread": spread, "spread_keywords": spread_keywords, "pulled": pulled, "pulled_aux": pulled_aux}


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("name", list(PROGRAMS))
@pytest.mark.parametrize("seed", [3, 11])
def test_an_operand_read_twice_is_evaluated_once(name, seed, engine):
    fn = PROGRAMS[name]
    x = np.random.default_rng(seed).normal(size=3)
    value, grad = ENGINES[engine].value_and_grad(fn)(x, seed)
    want_value, want_grad = jax.value_and_grad(lambda x: jax_twin(name, x, seed))(jnp.asarray(x))
    np.testing.assert_allclose(value, float(want_value), rtol=1e-12)
    np.testing.assert_allclose(value, fn(x, seed), rtol=1e-12)  # the program run on NumPy, as written
    np.testing.assert_allclose(grad, np.asarray(want_grad), rtol=1e-10, atol=1e-12)


def test_the_generated_code_evaluates_a_computed_operand_once():
    forward = SCT.source(pulled_aux, "reverse").split("def pulled_aux_bwd")[0]  # (the bwd's comments quote the line)
    assert forward.count("x * 2.0") == 1 and forward.count("draw(rng, 3)") == 1
    forward = SCT.source(spread, "reverse").split("def spread_bwd")[0]
    assert forward.count("draw(rng, 2)") == 1
