"""SCT's second order through the run-time check of ``xs[i] op= v`` (emit/python_checks.unshared_item).

Stop 31 put a call ``unshared_item(...)`` before every ``out[i] += v`` on a list's or dict's item (an
expression statement in the generated code, see tests/test_sct17_aug_items.py). Transforming that code again
refused the statement, so ``hessian``/``hvp`` of any function with ``out[i] += v`` fell back to the boxes
(exact, but not SCT's own second order). The check is now kept as a call of constant result, like the other
run-time checks (front/generated._CHECKS): second order makes no box, agrees with JAX, and still refuses where
the check refuses in first order.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare.engine import partial_args
from adcompare.engines.sct import SCTEngine
from adcompare.engines.sct.errors import SCTError
from tests.test_sct_higher import _no_traces

jax.config.update("jax_enable_x64", True)
A = np.array([[1.0, -0.5, 0.25], [0.3, 2.0, -1.0], [0.7, 0.1, 0.4]])


def accumulate(x):
    out = anp.zeros(3)
    for i in range(3):
        for j in range(3):
            out[i] += x[i] * x[j] * A[i, j]
    return anp.sum(anp.exp(out))


def accumulate_jax(x):
    out = jnp.zeros(3)
    for i in range(3):
        for j in range(3):
            out = out.at[i].add(x[i] * x[j] * A[i, j])
    return jnp.sum(jnp.exp(out))


def shared(x):
    xs = [x * 1.0, x * 2.0]
    a = xs[0]
    xs[0] += x * x  # NumPy changes a too
    return anp.sum(a * xs[0]) + anp.sum(xs[1])


@pytest.mark.parametrize("seed", range(3))
def test_hessian_and_hvp_through_the_check_make_no_box(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    x, v = rng.normal(size=3) * 0.7, rng.normal(size=3)
    hessian = jax.hessian(accumulate_jax)(jnp.asarray(x))
    hvp = jax.jvp(jax.grad(accumulate_jax), (jnp.asarray(x),), (jnp.asarray(v),))[1]
    _no_traces(monkeypatch)
    for mode in ("fwd-rev", "rev-rev"):
        np.testing.assert_allclose(SCTEngine().hessian(accumulate, mode=mode)(x), hessian, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(SCTEngine().hvp(partial_args(accumulate, (x,), (0,)), (x,), (v,)), hvp,
                               rtol=1e-10, atol=1e-12)


def test_second_order_still_refuses_a_shared_item():
    x = np.array([0.5, -1.0, 2.0])
    engine = SCTEngine()
    for run in (lambda: engine.grad(shared)(x), lambda: engine.hessian(shared)(x),
                lambda: engine.hvp(shared, (x,), (x,))):
        with pytest.raises(SCTError, match=r"xs\[\.\.\.\] op= v .* where a also holds") as err:
            run()
        assert err.value.filename == __file__ and err.value.line == shared.__code__.co_firstlineno + 3


def test_the_boxes_composition_refuses_a_shared_item_too():
    """``higher="boxes"`` runs the generated code on the overloading engine's boxes: the check reads the array a
    box holds (before, it saw a box, not an array, and let the Hessian through: 5 where NumPy's program gives 11)."""
    x = np.array([0.5, -1.0, 2.0])
    engine = SCTEngine(higher="boxes")
    for run in (lambda: engine.hessian(shared)(x), lambda: engine.jacfwd(engine.grad(shared))(x)):
        with pytest.raises(SCTError, match=r"xs\[\.\.\.\] op= v .* where a also holds"):
            run()


@pytest.mark.parametrize("higher", ["sct", "boxes"])
def test_an_unshared_item_runs_in_second_order_on_either_composition(higher):
    x = np.array([0.3, -0.4, 0.9])
    expected = jax.hessian(accumulate_jax)(jnp.asarray(x))
    np.testing.assert_allclose(SCTEngine(higher=higher).hessian(accumulate)(x), expected, rtol=1e-10, atol=1e-12)
