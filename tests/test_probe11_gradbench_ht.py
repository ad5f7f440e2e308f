"""Probe 11 (GradBench's evals as NumPy programs nobody here wrote): hand tracking's global transform.

GradBench's ``ht`` turns the hand's global angle-axis rotation into a matrix, taking the identity where the
angle ``n = sqrt(sum(aa ** 2))`` is below 1e-4, then scales and translates the skinned vertices. At a zero
global rotation SCT's gradient was nan in the rotation's entries, where JAX's is 0: ``n`` is read only in the
branch not taken, so its cotangent stayed the reverse sweep's ``0.0`` placeholder, and sqrt's inlined rule
made ``0 / (2 * sqrt(0)) = nan`` (JAX leaves out a symbolic zero; the boxes never pull back a value nothing
used); so did a callee's reverse sweep handed the placeholder. The reverse sweep now guards an inlined rule,
and a callee's reverse sweep, where the cotangent may still be the placeholder (analysis/zero_cotangents.py;
none of the workloads has such a place). Checked against the same source on
``jax.numpy`` (float64): the gradient at a zero global rotation, and a small program's gradient and Hessian
at both sides of its branch.
"""

from __future__ import annotations

import types

import jax
import jax.numpy as jnp
import numpy as onp
import pytest

import adcompare as ad
import adcompare.numpy as anp

np = anp  # the program below is NumPy code ported mechanically; JAX runs it with np = jax.numpy

jax.config.update("jax_enable_x64", True)

ENGINES = {"sct": ad.engine("sct"), "sct-boxes": ad.engine("sct", higher="boxes")}
VERTICES = onp.random.default_rng(3).standard_normal((4, 3))


def angle_axis_to_rotation_matrix(angle_axis):
    n = np.sqrt(np.sum(angle_axis ** 2))
    if n < 0.0001:
        return np.eye(3)
    x, y, z = angle_axis / n
    s, c = np.sin(n), np.cos(n)
    return np.array([[x * x + (1 - x * x) * c, x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
                     [x * y * (1 - c) + z * s, y * y + (1 - y * y) * c, y * z * (1 - c) - x * s],
                     [x * z * (1 - c) - y * s, z * y * (1 - c) + x * s, z * z + (1 - z * z) * c]])


def apply_global_transform(pose, positions):
    R = angle_axis_to_rotation_matrix(pose[0])
    R = R * pose[1]
    return np.transpose(R @ np.transpose(positions)) + pose[2]


def fit(params):
    pose = np.reshape(params, (3, 3))
    return np.sum((apply_global_transform(pose, VERTICES) - 1.0) ** 2)


def inline_branch(x):
    n = np.sqrt(np.sum(x[:2] ** 2))  # read in one branch only
    r = np.log(x[2]) * 0.0 + x[2] ** 2
    if n > 0.5:
        r = r + n * np.arccos(x[3] / 2.0)
    return r * x[3]


def norm(v):
    return np.sqrt(np.sum(v ** 2))


def through_a_callee(x):
    n = norm(x[:3])  # the callee's reverse sweep would get the placeholder
    return (x[3] if n < 1e-4 else n * x[3]) * x[3]


def on_jax(program):
    scope = {**program.__globals__, "np": jnp}
    scope["norm"] = types.FunctionType(norm.__code__, scope, "norm")
    return types.FunctionType(program.__code__, scope, program.__name__)


def test_global_transform_at_a_zero_rotation_matches_jax():
    x = onp.array([0.0, 0.0, 0.0, 1.3, 0.9, 1.1, 0.2, -0.4, 0.5])  # (first order: one code for both higher options)
    onp.testing.assert_allclose(ENGINES["sct"].grad(fit)(x), jax.grad(on_jax(fit))(x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_value_read_in_a_branch_not_taken_has_a_zero_cotangent_in_first_and_second_order(engine):
    eng = ENGINES[engine]
    for x in (onp.array([0.0, 0.0, 2.0, 1.5]), onp.array([0.6, 0.8, 2.0, 1.5])):
        onp.testing.assert_allclose(eng.grad(inline_branch)(x), jax.grad(on_jax(inline_branch))(x),
                                    rtol=1e-10, atol=1e-12)
        onp.testing.assert_allclose(eng.hessian(inline_branch)(x), jax.hessian(on_jax(inline_branch))(x),
                                    rtol=1e-10, atol=1e-12)


def test_a_callee_given_the_placeholder_cotangent_pulls_back_zeros():
    x = onp.array([0.0, 0.0, 0.0, 2.0])
    onp.testing.assert_allclose(ENGINES["sct"].grad(through_a_callee)(x), jax.grad(on_jax(through_a_callee))(x),
                                rtol=1e-10, atol=1e-12)
