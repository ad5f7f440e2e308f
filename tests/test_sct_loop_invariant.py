"""SCT's reverse mode does not push a loop-invariant value every iteration (issue 14, item 5).

A statement in a loop that computes the same value on every iteration (a
primitive, index or copy of names bound nowhere in the outermost loop around it,
into a name only it binds, as ``0.5 * h`` in an RK4 loop) overwrites a value
equal to the one it writes, so the forward sweep keeps none of its old values:
its last value serves every iteration of the reverse sweep. Values invariant in
an inner loop but not in an outer one, and names bound twice, are still saved.
Gradients are checked against JAX (first order, and second order by SCT over SCT).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

sct = ad.engine("sct")
TOL = 1e-10


def scaled_steps(x, h):
    for _ in range(4):
        a = 0.5 * h  # the same every iteration: not pushed
        x = x + a * anp.sin(x)
    return anp.sum(x)


def inner_invariant_outer_varying(x, w):
    total = 0.0
    for i in range(3):
        s = w * (i + 1.0)  # varies with the outer loop
        for _ in range(2):
            c = s * 2.0  # invariant in the inner loop only: saved for each outer iteration
            total = total + anp.sum(anp.sin(c * x))
    return total


def invariant_active(x, w):
    out = 0.0
    for k in range(4):
        v = anp.exp(w)  # active and invariant: its adjoint runs every iteration, its value is kept once
        out = out + anp.sum(v * x[k])
    return out


def invariant_in_branch_then_break(x, h):
    y = x
    for k in range(6):
        if k % 2 == 0:
            a = h * 3.0
            y = y * a
        y = anp.sin(y)
        if k == 4:
            break
    return anp.sum(y)


def invariant_in_while(x, h):
    k = 0
    while k < 3:
        a = h / 4.0
        x = anp.cos(x * a)
        k = k + 1
    return anp.sum(x)


def bound_twice(x, h):
    a = h
    for _ in range(3):
        x = anp.sin(x * a)  # reads the a from before the loop in the first iteration
        a = h * 2.0
    return anp.sum(x)


CASES = [
    (scaled_steps, lambda r: (r.normal(size=3), r.uniform(0.1, 0.5))),
    (inner_invariant_outer_varying, lambda r: (r.normal(size=3), r.normal(size=3))),
    (invariant_active, lambda r: (r.normal(size=(4, 2)), r.normal(size=2))),
    (invariant_in_branch_then_break, lambda r: (r.normal(size=3), r.uniform(0.2, 0.4))),
    (invariant_in_while, lambda r: (r.normal(size=3), r.uniform(0.5, 1.5))),
    (bound_twice, lambda r: (r.normal(size=3), r.uniform(0.5, 1.5))),
]


def _args(inputs, seed):
    return tuple(np.float64(a) if np.ndim(a) == 0 else a for a in inputs(np.random.default_rng(seed)))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("f, inputs", CASES, ids=[f.__name__ for f, _ in CASES])
def test_gradients_equal_jax(f, inputs, seed):
    args = _args(inputs, seed)
    ours = sct.grad(f, (0, 1))(*args)
    theirs = jax.grad(f, (0, 1))(*map(jnp.asarray, args))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("f, inputs", CASES, ids=[f.__name__ for f, _ in CASES])
def test_second_order_by_sct_equals_jax(f, inputs):
    x, h = _args(inputs, 3)
    ours = ad.engine("sct", higher="sct").hessian(f)(x, h)
    theirs = jax.hessian(f)(jnp.asarray(x), jnp.asarray(h))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


@pytest.mark.filterwarnings("ignore")  # a loop lax cannot take stays in Python, with a warning
@pytest.mark.parametrize("f, inputs", CASES, ids=[f.__name__ for f, _ in CASES])
def test_loops_handed_to_lax_equal_jax(f, inputs):
    x, h = map(jnp.asarray, _args(inputs, 4))
    ours = ad.engine("sct", control="lax").grad(f, (0, 1))(x, h)
    theirs = jax.grad(f, (0, 1))(x, h)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)


def _forward_sweep(f) -> str:
    text = sct.source(f, "reverse", (0, 1))
    return text[:text.index(f"def {f.__name__}_bwd")]


def test_a_loop_invariant_value_is_not_pushed():
    fwd = _forward_sweep(scaled_steps)
    assert "a = 0.5 * h" in fwd and "push(a)" not in fwd
    assert "push(x)" in fwd  # the loop-carried value still is


def test_a_value_invariant_only_in_an_inner_loop_is_still_pushed():
    fwd = _forward_sweep(inner_invariant_outer_varying)
    assert "push(c)" in fwd


def test_a_name_bound_twice_is_still_pushed():
    assert "push(a)" in _forward_sweep(bound_twice)
