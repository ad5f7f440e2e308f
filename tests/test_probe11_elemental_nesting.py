"""Probe 11 (elemental): cross-engine nesting, and a derivative operator SCT cannot see by name.

Ported programs (HIPS autograd's test_graphs/test_wrappers, JAX's api_test nesting cases) ran on the
elemental engine against JAX (float64) with no mismatch; so did every nesting of the elemental and
overloading engines inside one another (inside SCT: refused by name) and of ours inside jax.grad, with
the perturbation-confusion test d/dx [x d/dy (x + y)] = 1 and closures over outer values: a few are
kept here, as regression tests.

The failure: inside code SCT transforms, an engine's derivative operator reached through a value SCT
cannot follow when it reads the source (``pick()(g)``, ``OPS["grad"](g)``) and applied to a nested
function closing over differentiated values failed with "vjp: output is a function, which is not an
array ..." (or "jvp: ..."): SCT ran the operator on its boxes, which cannot differentiate the function
it returns. It is now refused by name at the user's line (emit/boxed_callee), as the spelled-out
call ``E.grad(g)`` on an engine SCT cannot take it from is.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)

EL, OV, SCT = ad.engine("elemental"), ad.engine("overloading"), ad.engine("sct")
BOXES = ad.engine("sct", higher="boxes")
X = np.array([0.3, 0.8])


@pytest.mark.parametrize("outer", [EL, OV], ids=lambda e: e.name)
@pytest.mark.parametrize("inner", [EL, OV], ids=lambda e: e.name)
def test_perturbation_confusion_and_closures_across_engines(outer, inner):
    assert outer.grad(lambda x: el.multiply(x, inner.grad(lambda y: el.add(x, y))(1.0)))(2.0) == 1.0
    assert outer.grad(lambda x: el.multiply(x, inner.jvp(lambda y: el.add(x, y), (1.0,), (1.0,))[1]))(2.0) == 1.0

    def f(x):
        return el.sum(el.multiply(x, inner.grad(lambda y: el.sum(el.multiply(el.sin(x), el.multiply(y, y))))(x)))

    want = np.diag(2 * (2 * np.sin(X) + 4 * X * np.cos(X) - X * X * np.sin(X)))  # of 2 sum(x^2 sin x)
    np.testing.assert_allclose(outer.hessian(f)(X), want, rtol=1e-12)


@pytest.mark.parametrize("inner", [EL, OV, SCT], ids=lambda e: e.name)
def test_our_engines_inside_jax_grad(inner):
    def f(x):
        return x * inner.grad(lambda y: x + y if inner is not EL else el.add(x, y))(1.0)

    assert jax.grad(f)(2.0) == 1.0


def pick():
    return OV.grad


OPS = {"jacrev": EL.jacrev, "value_and_grad": OV.value_and_grad}


def through_helper(x):
    return x * pick()(lambda y: x + y)(1.0)


def through_dict(x):
    return x * OPS["jacrev"](lambda y: el.multiply(x, y))(1.0)


def through_dict_pair(x):
    return x * OPS["value_and_grad"](lambda y: x * y)(1.0)[1]


@pytest.mark.parametrize("engine", [SCT, BOXES], ids=["sct", "boxes"])
@pytest.mark.parametrize("f, what", [(through_helper, "grad by the overloading engine"),
                                     (through_dict, "jacrev by the elemental engine"),
                                     (through_dict_pair, "value_and_grad by the overloading engine")])
def test_operator_reached_through_a_value_is_refused_at_the_line(engine, f, what):
    for run in (lambda: engine.grad(f)(2.0), lambda: engine.jvp(f, (2.0,), (1.0,))):
        with pytest.raises(SCTError, match=what) as info:
            run()
        assert (info.value.filename, info.value.line) == (__file__, f.__code__.co_firstlineno + 1)


def sin_times(y):
    return anp.sin(y) * y


def test_operator_reached_through_a_value_still_runs_where_the_boxes_can():
    def on_constants(x):
        return x * pick()(lambda y: anp.sin(y) * 3.0)(0.5)

    def of_a_module_function(x):  # no closure: the derivative the boxes make is differentiated at x
        return x * pick()(sin_times)(x)

    np.testing.assert_allclose(SCT.grad(on_constants)(2.0), 3.0 * np.cos(0.5), rtol=1e-14)
    want = jax.grad(lambda x: x * jax.grad(lambda y: jnp.sin(y) * y)(x))(0.7)
    for engine in (SCT, BOXES):
        np.testing.assert_allclose(engine.grad(of_a_module_function)(0.7), want, rtol=1e-12)
        np.testing.assert_allclose(engine.jvp(of_a_module_function, (0.7,), (1.0,))[1], want, rtol=1e-12)
