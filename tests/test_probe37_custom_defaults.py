"""Probe 37: custom functions and ``ad.checkpoint`` called with defaults left out or keywords after them.

JAX's custom functions bind a call to the signature and fill in defaults (``resolve_kwargs``). Ours took
``BoundArguments.args``, which stops at the first default left out: ``ad.checkpoint(h)(x, k=10.0)`` of
``h(x, y=1.0, k=2.0)`` dropped ``k`` on the overloading engine (value and gradient with ``k = 2``, no error),
``custom_jvp`` raised an IndexError, and a rule reading ``x, p = primals`` of ``pw(x)`` got too few values on
every engine. A differentiated value inside a container operand (whose rule the overloading engine passed over)
is refused by name. Checked against JAX's own ``custom_jvp``, ``custom_vjp`` and ``checkpoint``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-12)
ENGINES = [("sct", {}), ("overloading", {}), ("sct", {"control": "lax"})]


def h(x, y=1.0, k=2.0):
    return x * y * k + anp.sin(x) * k


def h_jvp(np_):
    def rule(p, t):
        x, y, k = p
        dx, dy, dk = t
        return (x * y * k + np_.sin(x) * k,
                dx * (y * k + np_.cos(x) * k) + dy * x * k + dk * (x * y + np_.sin(x)))
    return rule


def pw(x, p=2.0):
    return x ** p


def pw_jvp(primals, tangents):
    x, p = primals
    return x ** p, p * x ** (p - 1) * tangents[0] * 3.0  # not the exact derivative: the rule must be used


def sc_fwd(x, k=2.0):
    return x * k, k


def sc_bwd(k, g):
    return g * k * 0.5, None


def _wrapped(lib):
    """h as a checkpointed and a custom_jvp function, pw and sc as rules, from ``lib`` (ad or jax)."""
    np_ = anp if lib is ad else jnp
    hh = (lambda x, y=1.0, k=2.0: x * y * k + np_.sin(x) * k) if lib is jax else h
    ch = lib.checkpoint(hh)
    cj = lib.custom_jvp(hh)
    cj.defjvp(h_jvp(np_))
    cpw = lib.custom_jvp(pw)
    cpw.defjvp(pw_jvp)
    csc = lib.custom_vjp(lambda x, k=2.0: x * k)
    csc.defvjp(sc_fwd, sc_bwd)

    def forward(x):  # (custom_vjp has no forward mode, in JAX too)
        return ch(x, k=10.0) + cj(x, k=3.0) * x + cj(x, 0.5) + cpw(x)

    def f(x):
        return forward(x) + csc(x) * x + csc(x, 4.0)
    return f, forward


@pytest.mark.parametrize("name,opts", ENGINES, ids=["sct", "overloading", "sct-lax"])
def test_defaults_filled_in_as_jax(name, opts):
    (ours, ours_forward), (theirs, theirs_forward) = _wrapped(ad), _wrapped(jax)
    for x in (0.7, -1.3):
        xx = jnp.asarray(x) if opts else x
        want = jax.value_and_grad(theirs)(jnp.asarray(x))
        got = ad.engine(name, **opts).value_and_grad(ours)(xx)
        np.testing.assert_allclose(got[0], want[0], **TOL)
        np.testing.assert_allclose(got[1], want[1], **TOL)
        np.testing.assert_allclose(ad.engine(name, **opts).jvp(ours_forward, (xx,), (1.5,))[1],
                                   jax.jvp(theirs_forward, (jnp.asarray(x),), (jnp.asarray(1.5),))[1], **TOL)


def test_a_keyword_only_parameter_is_refused_as_jax_refuses_it():
    def kw(x, *, k=2.0):
        return x * k
    f = ad.custom_jvp(kw)
    f.defjvp(lambda p, t: (p[0] * 2.0, t[0] * 2.0))
    with pytest.raises(TypeError, match="could not be resolved to positions"):
        ad.engine("overloading").grad(lambda x: f(x, k=3.0))(0.5)


def test_a_differentiated_value_inside_a_container_operand_is_refused():
    st = ad.custom_vjp(lambda p: anp.round(p["w"]))
    st.defvjp(lambda p: (anp.round(p["w"]), None), lambda r, g: ({"w": g},))
    with pytest.raises(NotImplementedError, match="inside a dict operand"):
        ad.engine("overloading").grad(lambda w: anp.sum(st({"w": w}) * w))(np.array([1.2, -0.7]))
