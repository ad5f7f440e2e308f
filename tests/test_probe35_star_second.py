"""Probe 35: second derivatives by SCT through a call spread from a tuple (``f(*args)``).

A Hessian through ``cp(*args)``, ``cp`` a module-level function using ``cumprod``, crashed with a pytree
structure error: SCT refuses the spread call's reverse sweep again (a rule's pull-back), takes that one call on
the boxes, and handed them a tangent where the residual it goes with is None. It now matches JAX. Through
``f(*args)`` with ``f`` chosen when the program runs (``f = TABLE[k]``), the spread call's first-order code keeps
pull-backs among its residuals, which the boxes cannot differentiate: refused with a clear SCTError naming the
user's line, where it raised a TypeError about an internal ``Entry`` object.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-10, atol=1e-12)
INPUTS = [np.random.default_rng(seed).normal(size=3) for seed in (35, 53, 5)]


def cp(v, s):
    return anp.sum(anp.cumprod(v) * s)


def sq(v, s):
    return anp.sum(anp.sin(v) * v * s)


TABLE = {"cp": cp, "sq": sq}


def star_known(x):
    args = (x, 2.0)
    return cp(*args)


def star_known_sq(x):
    args = (x * 1.5, 3.0)
    return sq(*args)


def star_chosen(x):
    f = TABLE["cp" if x.shape[0] > 2 else "sq"]
    args = (x, 2.0)
    return f(*args)


@pytest.mark.parametrize("f", [star_known, star_known_sq])
def test_second_order_through_a_spread_call_matches_jax(f):
    eng = ad.engine("sct")
    for x in INPUTS:
        want = jax.hessian(f)(jnp.asarray(x))
        np.testing.assert_allclose(eng.hessian(f)(x), want, **TOL)
        v = np.arange(1.0, 4.0)
        _, hvp = eng.jvp(eng.grad(f), (x,), (v,))
        np.testing.assert_allclose(hvp, want @ v, **TOL)


def test_a_spread_call_of_a_function_chosen_at_run_time_is_refused_by_name():
    eng = ad.engine("sct")
    x = INPUTS[0]
    np.testing.assert_allclose(eng.grad(star_chosen)(x), jax.grad(star_chosen)(jnp.asarray(x)), **TOL)
    told = "pull-backs .* among its residuals, as a call known only when it runs"
    with pytest.raises(ad.SCTError, match=told) as info:
        eng.hessian(star_chosen)(x)
    told = str(info.value) + "\n".join(getattr(info.value, "__notes__", []))  # (the user's line: a note)
    assert "test_probe35_star_second.py" in told and "return f(*args)" in told
    np.testing.assert_allclose(ad.engine("overloading").hessian(star_chosen)(x),
                               jax.hessian(star_chosen)(jnp.asarray(x)), **TOL)
