"""An outer derivative of the value of ``eng.vjp(f, x)`` taken inside code SCT transforms, f reaching a custom rule.

JAX's inner ``vjp`` consumes a ``custom_jvp`` / ``custom_vjp`` rule: its value is the rule's (``f_jvp``'s primal
out, ``fwd``'s output), and an outer derivative differentiates the rule's code. SCT rewrote ``eng.vjp(f, x)`` as
``(apply(f, x), pull-back)``, so the outer level differentiated ``f`` again through its custom rule: the
gradient of ``sum(e.vjp(f, z)[0])`` was ``2 cos z`` (the rule's tangent) where JAX gives the derivative of the
rule's value ``sin z * z + 0.1 z^2``; with a clipping ``custom_vjp``, the clipped cotangent instead of ``fwd``'s
derivative. Silently, on ``grad``, ``jacrev``, ``jacfwd`` and ``hessian`` outers, for ``f`` the custom function or
a user function calling one. The value is now the output of ``f``'s forward sweep (the code the pull-back runs),
so the outer level differentiates what the inner one computed. The pull-back was right before and is guarded
here (an inner ``value_and_grad``'s value and an inner ``jvp``'s primal out were right too, when this was
written). Oracle: JAX float64 (``jax.custom_jvp`` / ``jax.custom_vjp``), two seeds (one for the Hessian).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

CT = np.array([0.9, -1.3])


def make(custom_jvp, custom_vjp):
    """The same functions on adcompare's or JAX's custom functions (anp dispatches to jnp on JAX values)."""

    @custom_jvp
    def f(x):
        return anp.sin(x) * x

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (tx,) = primals, tangents
        return anp.sin(x) * x + 0.1 * x * x, anp.cos(x) * tx * 2.0

    @custom_vjp
    def clipped(x):
        return anp.sin(x) * x

    def clipped_fwd(x):
        return anp.sin(x) * x + 0.2 * x * x * x, x

    def clipped_bwd(x, g):
        return (anp.clip(g * anp.cos(x) * 3.0, -0.4, 0.4) * x,)

    clipped.defvjp(clipped_fwd, clipped_bwd)

    def calls_f(x):
        return anp.exp(f(x * 1.5)) + x

    def calls_clipped(x):
        return anp.tanh(clipped(x)) * x

    return {"f": f, "clipped": clipped, "calls_f": calls_f, "calls_clipped": calls_clipped}


OURS, JAXS = make(ad.custom_jvp, ad.custom_vjp), make(jax.custom_jvp, jax.custom_vjp)


class _Jax:
    vjp = staticmethod(jax.vjp)


def programs(e, fs, name):
    """(outer derivative, function of z) pairs that take an inner derivative by ``e`` of ``fs[name]``."""
    g = fs[name]
    return {
        "value": ("grad", lambda z: anp.sum(e.vjp(g, z)[0] * z)),
        "value_jacrev": ("jacrev", lambda z: e.vjp(g, z)[0] * z),
        "value_hessian": ("hessian", lambda z: anp.sum(e.vjp(g, z)[0])),
        "value_jacfwd": ("jacfwd", lambda z: e.vjp(g, z)[0]),
        "value_closure": ("grad", lambda z: anp.sum(e.vjp(lambda u: g(u * z[0]) * 0.7, z)[0])),
        "pullback": ("grad", lambda z: anp.sum(e.vjp(g, z)[1](CT * z)[0])),
        "value_and_pullback": ("value_and_grad", lambda z: anp.sum(e.vjp(g, z)[0] * e.vjp(g, z)[1](CT)[0])),
    }


CASES = [(name, "value") for name in OURS] + [  # each outer once, and the parts that were right as guards
    ("calls_f", "value_jacrev"), ("calls_clipped", "value_hessian"), ("f", "value_jacfwd"),
    ("clipped", "value_jacfwd"), ("clipped", "value_closure"), ("calls_f", "value_and_pullback"),
    ("clipped", "pullback")]
SCT = ad.engine("sct")  # higher="sct", the default: SCT's own transform of its output


@pytest.mark.parametrize("name, which", CASES)
def test_outer_derivative_of_an_inner_derivative_through_a_custom_rule(name, which):
    kind, ours = programs(SCT, OURS, name)[which]
    _, theirs = programs(_Jax, JAXS, name)[which]
    for seed in (0,) if kind == "hessian" else (0, 1):
        x = np.random.default_rng(seed).normal(size=2) * 1.5
        want = getattr(jax, kind)(theirs)(jnp.asarray(x))
        got = getattr(SCT, kind)(ours)(x)
        for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-10, atol=1e-12)


def test_the_rule_is_not_the_functions_derivative_here():
    """The check can fail: the custom rules differ from the functions' derivatives at these points."""
    x = jnp.asarray(np.random.default_rng(0).normal(size=2) * 1.5)
    for name in ("f", "clipped"):
        by_rule = jax.grad(lambda z, g=JAXS[name]: jnp.sum(g(z)))(x)
        by_code = jax.grad(lambda z: jnp.sum(jnp.sin(z) * z))(x)
        assert not np.allclose(by_rule, by_code, rtol=1e-3)
