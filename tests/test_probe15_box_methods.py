"""Probe 15: ``x.trace()`` on an overloading box was the box's own attribute (its level of differentiation,
named ``trace``) and was refused, while it is NumPy's trace on SCT and on arrays. The box keeps its level as
``_trace`` now, and array method names on a box mean NumPy's (or are refused by name); equal to JAX in float64.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.engines.overloading import Dual, Node
from adcompare.operators import Operators

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-10, atol=1e-12)


def square(xp):
    return lambda x: xp.sum(xp.sin(x.reshape(3, 3)).trace() * x) + x.reshape(3, 3).trace(1) ** 2


def cube(xp):  # a 3-d trace over chosen axes, with an offset
    return lambda x: xp.sum(xp.exp(x.reshape(2, 3, 3) * 0.5).trace(-1, 1, 2) ** 2)


@pytest.mark.parametrize("prog", [square, cube])
@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_trace_method_at_orders_one_and_two(name, prog):
    f, g = prog(anp), prog(jnp)
    eng = ad.engine(name)
    grad_of, hess_of = jax.jit(jax.grad(g)), jax.jit(jax.hessian(g))
    for seed in range(2):
        x = np.random.default_rng(seed).standard_normal(9 if prog is square else 18)
        np.testing.assert_allclose(eng.grad(f)(x), grad_of(x), **TOL)
        np.testing.assert_allclose(eng.jacfwd(f)(x), grad_of(x), **TOL)
        np.testing.assert_allclose(eng.hessian(f)(x), hess_of(x), **TOL)


@pytest.mark.parametrize("box", [Dual, Node])
def test_array_names_on_a_box_are_numpys_or_refused(box):
    """Every public name of NumPy's arrays on an overloading box is the array method (Operators) or a
    property of the array (shape, ndim, size, dtype) or a refusal by name: never the box's own state."""
    arrays = {"shape", "ndim", "size", "dtype", "item", "tolist"}  # Box's own, with NumPy's meaning
    own = set().union(*(vars(k) for k in box.__mro__ if k not in (Operators, object)),
                      *(getattr(k, "__slots__", ()) for k in box.__mro__))
    clashes = {n for n in dir(np.ndarray) if not n.startswith("_")} & own - arrays
    assert not clashes


def test_elemental_refuses_trace_method_naming_the_library_call():
    with pytest.raises(TypeError, match=r"\.trace\(\) is not defined on elemental values .*use el\.trace"):
        ad.engine("elemental").grad(lambda x: el.sum(x.trace()))(np.ones((3, 3)))
