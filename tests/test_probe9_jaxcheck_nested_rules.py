"""Second order by a derivative taken inside the user's function, through rules SCT cannot transform again.

``check_grads(f, args, order=2)`` adapted to an engine differentiates ``x -> f_vjp(f(x))`` (``f_vjp`` from
``eng.vjp(f, x)``) and ``(x, t) -> eng.jvp(f, (x,), (t,))``. On SCT (``higher="sct"``) the outer derivative
transforms the inner pull-back's code again, and with it the rules it calls; where SCT refuses its own code or
a rule there (``norm``: "a call to np.shape ... in function 'constant_like'" of adcompare/primitives;
``cumprod``: "a call of back"; ``digamma``: "keywords for the **params of polygamma_joint_vjp0"; ``eigh``: "an
expression statement"), the user got that refusal, naming library code. That one call is now taken on the
boxes, as SCT already takes such a derivative of a derivative it makes itself (exact: the same generated code,
differentiated operation by operation); a nested function's value is handed to the boxes as its data.
Checked against JAX in float64 on several seeds.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

SCT = ad.engine("sct")


def norm3(x):
    return anp.linalg.norm(x, ord=3) * x


def cumprod(x):
    return anp.cumprod(x, axis=0)


def digamma(x):
    return anp.digamma(x) * 1.5


def eigh_values(x):
    return anp.linalg.eigh(x + x.T)[0]


def norm3_jax(x):
    return jnp.linalg.norm(x, ord=3) * x


def eigh_values_jax(x):
    return jnp.linalg.eigh(x + x.T)[0]


CASES = {
    "norm3": (norm3, norm3_jax, (3,)),
    "cumprod": (cumprod, lambda x: jnp.cumprod(x, axis=0), (3, 2)),
    "digamma": (digamma, lambda x: jsp.digamma(x) * 1.5, (2, 3)),
    "eigh": (eigh_values, eigh_values_jax, (3, 3)),
}


def _point(name, shape, seed):
    x = np.random.RandomState(seed).randn(*shape)
    return 0.5 + np.abs(x) if name == "digamma" else x


def pulled_back(f):
    def f_vjp(x):
        out, pull = SCT.vjp(f, x)
        return pull(out)[0]
    return f_vjp


def pushed(f):
    def f_jvp(x, t):
        return SCT.jvp(f, (x,), (t,))
    return f_jvp


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("seed", [0])
def test_vjp_of_a_pull_back(name, seed):
    f, f_jax, shape = CASES[name]
    x = _point(name, shape, seed)
    bar = np.random.RandomState(seed + 7).randn(*shape)
    y, f_vjp = SCT.vjp(pulled_back(f), x)

    def want(x):
        out, pull = jax.vjp(f_jax, x)
        return pull(out)[0]

    want_y, want_vjp = jax.vjp(want, x)
    np.testing.assert_allclose(y, want_y, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(f_vjp(bar)[0], want_vjp(bar)[0], rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp_and_vjp_of_a_jvp(name):
    f, f_jax, shape = CASES[name]
    rng = np.random.RandomState(3)
    x, t, u, w = _point(name, shape, 3), rng.randn(*shape), rng.randn(*shape), rng.randn(*shape)
    want = jax.jvp(lambda x, t: jax.jvp(f_jax, (x,), (t,)), (x, t), (u, w))
    got = SCT.jvp(pushed(f), (x, t), (u, w))
    for g, v in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(g, v, rtol=1e-9, atol=1e-11)
    bars = (rng.randn(*np.shape(want[0][0])), rng.randn(*np.shape(want[0][1])))
    got_bars = SCT.vjp(pushed(f), x, t)[1](bars)
    want_bars = jax.vjp(lambda x, t: jax.jvp(f_jax, (x,), (t,)), x, t)[1](bars)
    for g, v in zip(got_bars, want_bars):
        np.testing.assert_allclose(g, v, rtol=1e-9, atol=1e-11)
