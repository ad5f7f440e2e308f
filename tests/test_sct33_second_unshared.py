"""SCT over SCT through ``xs[i] op= v``: the run-time check before it (emit/unshared.py) runs in the generated code
transformed again, as the other checks do (front/generated.py), where it was an expression statement SCT refused
in its own code, so the whole Hessian fell back to the boxes. The check then runs in the second-order frame, whose
tape keeps each earlier version of the list (each write there makes a new list): it reads those as SCT's own too.
JAX float64 is the oracle; a list whose array a global holds is still refused at second order."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare.engine import partial_args
from adcompare.engines.sct import SCTEngine, SCTError
from tests import probe17_programs
from tests.test_sct_higher import _no_traces

jax.config.update("jax_enable_x64", True)

TOL = dict(rtol=1e-10, atol=1e-12)
HELD = np.ones(3)


def items(x):
    acc = [x * 0.5, anp.cos(x)]
    for i in range(2):
        acc[i] += anp.sin(x) * (i + 1.0)
    return anp.sum(acc[0] * acc[1] * x)


def items_jax(x):
    acc = [x * 0.5, jnp.cos(x)]
    for i in range(2):
        acc[i] = acc[i] + jnp.sin(x) * (i + 1.0)
    return jnp.sum(acc[0] * acc[1] * x)


def held_outside(x):
    acc = [HELD]
    acc[0] += x
    return anp.sum(acc[0] ** 2)


CASES = [(probe17_programs.write_accumulate, probe17_programs.write_accumulate_jax), (items, items_jax)]


@pytest.mark.parametrize("seed", [0, 1])
def test_hessian_and_hvp_through_item_writes_in_place_make_no_box(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    x, v = rng.normal(size=3), rng.normal(size=3)
    expected = [(jax.hessian(g)(jnp.asarray(x)), jax.jvp(jax.grad(g), (jnp.asarray(x),), (jnp.asarray(v),))[1])
                for _, g in CASES]
    _no_traces(monkeypatch)
    for (f, _), (hessian, hvp) in zip(CASES, expected):
        assert np.max(np.abs(hessian)) > 0.1  # a real second derivative
        np.testing.assert_allclose(SCTEngine().hessian(f)(x), hessian, **TOL)
        np.testing.assert_allclose(SCTEngine().hvp(partial_args(f, (x,), (0,)), (x,), (v,)), hvp, **TOL)


def test_hessian_by_reverse_over_reverse_through_item_writes(seed=2):
    x = np.random.default_rng(seed).normal(size=3)
    for f, g in CASES:
        np.testing.assert_allclose(SCTEngine().hessian(f, mode="rev-rev")(x), jax.hessian(g)(jnp.asarray(x)), **TOL)


def test_array_a_global_holds_is_still_refused_at_second_order():
    x = np.array([0.3, -0.7, 1.1])
    for run in (SCTEngine().grad(held_outside), SCTEngine().hessian(held_outside)):
        with pytest.raises(SCTError, match=r"acc\[\.\.\.\] op= v .* something outside held_outside"):
            run(x)
    np.testing.assert_array_equal(HELD, np.ones(3))
