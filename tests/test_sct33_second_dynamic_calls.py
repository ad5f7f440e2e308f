"""SCT over SCT through a call generated code knows only when it runs (a function taken from a list, chosen by a
branch, called with keywords): first-order code calls ``call_fwd``/``call_jvp``/``call_bwd`` for it, which SCT
refused in its own code again (an expression statement there; keywords for their ``**kwargs``), so the whole
Hessian went to the boxes. They are stand-ins now (sct/dynamic_second.py): forward mode over them transforms, when
it runs, the first-order code of the function they are handed again. JAX float64 is the oracle."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare.engine import partial_args
from adcompare.engines.sct import SCTEngine
from tests import probe17_programs
from tests.test_sct_higher import _no_traces

jax.config.update("jax_enable_x64", True)

TOL = dict(rtol=1e-10, atol=1e-12)


def _wave(x, scale=1.0):
    return anp.sin(x) * scale


def _growth(x, scale=1.0):
    return anp.exp(x * 0.3) * scale + x * x


OPS = {"wave": _wave, "growth": _growth}


def chosen(x):
    h = _growth if anp.sum(x) > 0 else _wave  # h known when it runs, called with a keyword
    return anp.sum(h(x, scale=1.5) * x) + anp.sum(OPS["wave"](x * 2.0, scale=0.5))


def chosen_jax(x):
    y = jnp.exp(x * 0.3) * 1.5 + x * x if jnp.sum(x) > 0 else jnp.sin(x) * 1.5
    return jnp.sum(y * x) + jnp.sum(jnp.sin(x * 2.0) * 0.5)


def picked(x):  # a vocabulary function known when it runs: its first-order code is the boxes', for this call
    m = anp.max if anp.sum(x) > 0 else anp.min
    return anp.sum(m(anp.outer(x, anp.sin(x)), axis=1, keepdims=True) ** 2)


def picked_jax(x):
    m = jnp.max if jnp.sum(x) > 0 else jnp.min
    return jnp.sum(m(jnp.outer(x, jnp.sin(x)), axis=1, keepdims=True) ** 2)


@pytest.mark.parametrize("seed", [0, 1])
def test_hessian_and_hvp_through_calls_known_when_they_run_make_no_box(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    x, v = rng.normal(size=3), rng.normal(size=3)
    x = x * np.sign(np.sum(x)) * (1 if seed else -1)  # each branch once
    xj, vj = jnp.asarray(x), jnp.asarray(v)
    hessian, hvp = jax.hessian(chosen_jax)(xj), jax.jvp(jax.grad(chosen_jax), (xj,), (vj,))[1]
    _no_traces(monkeypatch)
    np.testing.assert_allclose(SCTEngine().hessian(chosen)(x), hessian, **TOL)
    np.testing.assert_allclose(SCTEngine().hvp(partial_args(chosen, (x,), (0,)), (x,), (v,)), hvp, **TOL)
    np.testing.assert_allclose(SCTEngine().jacfwd(SCTEngine().jacfwd(chosen))(x), hessian, **TOL)


def test_reverse_over_reverse_and_calls_the_boxes_take_stay_exact(seed=2):
    """Reverse over reverse is refused in SCT's code and taken on the boxes as before; a vocabulary function known
    when it runs is taken on the boxes for that call; ``x.copy()`` (anp.copy's own rule, refused again) and ``norm``
    (its matrix branch's call with keywords; svdvals's rule, refused again) are exact either way."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=3)
    np.testing.assert_allclose(SCTEngine().hessian(chosen, mode="rev-rev")(x), jax.hessian(chosen_jax)(jnp.asarray(x)),
                               **TOL)
    for y in (x, -x):
        yj, vj = jnp.asarray(y), jnp.asarray(x + 1.0)
        np.testing.assert_allclose(SCTEngine().hessian(picked)(y), jax.hessian(picked_jax)(yj), **TOL)
        np.testing.assert_allclose(SCTEngine().hvp(partial_args(picked, (y,), (0,)), (y,), (x + 1.0,)),
                                   jax.jvp(jax.grad(picked_jax), (yj,), (vj,))[1], **TOL)
    m = rng.normal(size=(3, 2))
    for name, arg in [("loop_overwrite_with_copy", x), ("red_norm", x), ("red_norm", m)]:
        f = probe17_programs.PROGRAMS[name]
        np.testing.assert_allclose(SCTEngine().hessian(f)(arg), jax.hessian(f)(jnp.asarray(arg)), **TOL)
