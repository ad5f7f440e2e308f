"""SCT's second order through the run-time check of ``xs[i] op= v`` (emit/unshared.unshared_item).

SCT writes ``out[i] += v`` functionally; NumPy changes the array the list holds in place, so the check before
the statement refuses where anything else sees that array. A derivative of a derivative of such a function is
taken on the boxes (the check counts references in the frame of first-order code; SCT's code transformed again
keeps other temporaries), where the list holds boxes: the check reads the array a box holds, so the boxes
refuse a shared item as first order does (before, it saw a box, not an array, and let the Hessian through: 5
where NumPy's program gives 11, no error), and run, exactly, where nothing else sees it.
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
from tests import probe17_programs

jax.config.update("jax_enable_x64", True)
# the probe's program (tests/probe17_programs.py): a loop of out[i] += v into a fresh array
accumulate, accumulate_jax = probe17_programs.write_accumulate, probe17_programs.write_accumulate_jax


def shared(x):
    xs = [x * 1.0, x * 2.0]
    a = xs[0]
    xs[0] += x * x  # NumPy changes a too
    return anp.sum(a * xs[0]) + anp.sum(xs[1])


@pytest.mark.parametrize("seed", range(3))
def test_hessian_and_hvp_through_the_check_agree_with_jax(seed):
    rng = np.random.default_rng(seed)
    x, v = rng.normal(size=3) * 0.7, rng.normal(size=3)
    hessian = jax.hessian(accumulate_jax)(jnp.asarray(x))
    hvp = jax.jvp(jax.grad(accumulate_jax), (jnp.asarray(x),), (jnp.asarray(v),))[1]
    for mode in ("fwd-rev", "rev-rev"):
        np.testing.assert_allclose(SCTEngine().hessian(accumulate, mode=mode)(x), hessian, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(SCTEngine().hvp(partial_args(accumulate, (x,), (0,)), (x,), (v,)), hvp,
                               rtol=1e-10, atol=1e-12)


G = np.array([1.0, 2.0, -1.0])


def global_in_a_list(x):
    xs = [G, x * 2.0]
    xs[0] += x * x  # NumPy changes the global G
    return anp.sum(G * x) + anp.sum(xs[1])


def test_second_order_refuses_a_global_put_in_the_list():
    x = np.array([0.5, -1.0, 2.0])
    for engine in (SCTEngine(), SCTEngine(higher="boxes")):
        with pytest.raises(SCTError, match="something outside global_in_a_list"):
            engine.hessian(global_in_a_list)(x)
    np.testing.assert_array_equal(G, [1.0, 2.0, -1.0])


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
