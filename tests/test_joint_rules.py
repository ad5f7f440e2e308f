"""The joint rule table: prim.jvp / prim.vjp for every primitive, shorthands and defjoint.

Engines read only the joint rules; defderiv, defjvp and defvjp build them, and
defjoint gives them directly (per-operand views are then made from them, for
SCT's generated code). Checked against JAX on a toy primitive of each kind.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare import primitives as p
from adcompare.oracle import max_error
from adcompare.rules import defjoint, defjvp, defvjp

TOL = 1e-12

# hypot(x, y) = sqrt(x^2 + y^2), with joint rules: both cotangents share one division.
hypot_p = p.Primitive("toy_hypot", lambda xp, x, y: xp.sqrt(x * x + y * y), register=False)


def _hypot_jvp(tangents, ans, x, y):
    out = None
    for t, v in zip(tangents, (x, y)):
        if t is not None:
            term = anp.multiply(t, anp.divide(v, ans))
            out = term if out is None else anp.add(out, term)
    return out


def _hypot_vjp(active, ans, x, y):
    def pullback(g):
        scale = anp.divide(g, ans)  # shared by both operands
        return tuple(anp.multiply(scale, v) if a else None for a, v in zip(active, (x, y)))

    return pullback


defjoint(hypot_p, jvp=_hypot_jvp, vjp=_hypot_vjp)


def hypot(x, y):
    return hypot_p(x, y)


def f(x, y):
    return anp.sum(anp.sin(hypot(x, y)) * x)


def f_jax(x, y):
    return jnp.sum(jnp.sin(jnp.sqrt(x * x + y * y)) * x)


X, Y = np.array([0.3, -1.2, 2.0]), np.array([1.1, 0.4, -0.7])


@pytest.fixture
def registered():
    """SCT finds primitives by name: register the toy one for the test only (others count the real ones)."""
    p.PRIMITIVES[hypot_p.name] = hypot_p
    yield
    del p.PRIMITIVES[hypot_p.name]


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_a_primitive_with_joint_rules_only(name, registered):
    eng = ad.engine(name)
    expected = jax.grad(f_jax, (0, 1))(jnp.asarray(X), jnp.asarray(Y))
    assert max_error(eng.grad(f, (0, 1))(X, Y), expected) < TOL
    _, y_dot = eng.jvp(f, (X, Y), (Y, X))
    assert max_error(y_dot, jax.jvp(f_jax, (jnp.asarray(X), jnp.asarray(Y)), (jnp.asarray(Y), jnp.asarray(X)))[1]) < TOL
    assert max_error(eng.hessian(f)(X, Y), jax.hessian(f_jax)(jnp.asarray(X), jnp.asarray(Y))) < 1e-10


def test_the_per_operand_views_of_joint_rules():
    ans = hypot_p(X, Y)
    assert max_error(hypot_p.vjps[1](ans, X, Y)(np.ones(3)), Y / ans) < TOL
    assert max_error(hypot_p.jvps[0](np.ones(3), ans, X, Y), X / ans) < TOL


def test_the_shorthands_build_joint_rules():
    x, y = np.array([0.5, 2.0]), np.array([3.0, -1.0])
    ans = p.multiply_p(x, y)
    assert max_error(p.multiply_p.jvp((np.ones(2), None), ans, x, y), y) < TOL
    bars = p.multiply_p.vjp((False, True), ans, x, y)(np.ones(2))
    assert bars[0] is None and max_error(bars[1], x) < TOL
    ans = p.matmul_p(np.eye(2), y)
    bars = p.matmul_p.vjp((True, True), ans, np.eye(2), y)(np.ones(2))
    assert max_error(bars[0], np.outer(np.ones(2), y)) < TOL and max_error(bars[1], np.ones(2)) < TOL


def test_which_operands_are_differentiable_is_declared():
    assert not p.where_p.differentiable(0) and p.where_p.differentiable(1)
    assert p.multiply_p.differentiable(0) and p.concatenate_p.differentiable(5)


def test_an_active_operand_without_a_derivative_is_refused_by_name():
    scale_p = p.Primitive("toy_scale", lambda xp, x, k: x * k, register=False)
    defjvp(scale_p, lambda t, ans, x, k: anp.multiply(t, k), None)
    defvjp(scale_p, lambda ans, x, k: lambda g: anp.multiply(g, k), None)
    assert not scale_p.differentiable(1)
    for name in ("overloading", "elemental"):
        with pytest.raises(TypeError, match="'toy_scale' has no derivative with respect to operand 1"):
            ad.engine(name).grad(lambda k: scale_p(2.0, k))(3.0)
        with pytest.raises(TypeError, match="'toy_scale' has no derivative with respect to operand 1"):
            ad.engine(name).jvp(lambda k: scale_p(2.0, k), (3.0,), (1.0,))
