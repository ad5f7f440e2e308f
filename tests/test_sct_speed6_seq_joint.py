"""Joint pull-backs: concatenate's and stack's joint VJP rule, and SCT keeping one pull-back per call.

``concatenate_p.vjp`` / ``stack_p.vjp`` (``rules/shapes.py``, given by ``defvjp(..., joint=)``) find
every active operand's region in one walk and cut the cotangent once; on a NumPy cotangent each
cut is the view ``g[idx]`` taken without getitem's dispatch. Checked: the joint rule gives exactly
the per-operand rules' cotangents (values, dtypes, and that NumPy's are views, as getitem's are)
over float64, float32 and complex cotangents, JAX cotangents (the general path), positive and
negative axes, repeated and inactive operands, 0-d stacked operands. SCT's "closures" reverse sweep
keeps one joint pull-back for a primitive with two or more operands taking their cotangent from
the rule table (``emit/joint.py``: ``pull_each``): its gradients agree with JAX over several seeds
(repeated operands, constants among the operands, a cotangent that is still zero, loops, matmul
with both operands active, float32), and second order (which transforms generated code again with
"arrays" residuals and never sees ``pull_each``) agrees with JAX too.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.engines.sct.emit.joint import pull_each

sct = ad.engine("sct")
TOL = 1e-12

# (operand shapes, axis) for concatenate
CONCAT = [([(3,), (1,), (4,)], 0), ([(2, 3), (2, 1), (2, 2)], 1), ([(2, 3), (2, 1)], -1),
          ([(1, 2), (3, 2)], 0), ([(1, 2), (3, 2)], -2), ([(2, 2, 1), (2, 2, 3)], 2), ([(5,)], 0)]
DTYPES = [np.float64, np.float32, np.complex128]


def _operands(shapes, dtype, rng):
    out = [rng.normal(size=s).astype(dtype) for s in shapes]
    if np.issubdtype(dtype, np.complexfloating):
        out = [x + 1j * rng.normal(size=x.shape) for x in out]
    return out


def _per_operand(prim, active, ans, xs, axis, g):
    return tuple(prim.vjps[i](ans, *xs, axis=axis)(g) if a else None for i, a in enumerate(active))


def _same(got, want, view_of=None):
    assert len(got) == len(want)
    for a, b in zip(got, want):
        if b is None:
            assert a is None
            continue
        assert type(a) is type(b) and np.shape(a) == np.shape(b) and a.dtype == b.dtype
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        if view_of is not None and np.ndim(a):
            assert a.base is view_of  # a view of the cotangent, as getitem's implementation gives


@pytest.mark.parametrize("shapes, axis", CONCAT)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", [0, 1])
def test_concatenate_joint_rule_equals_the_per_operand_rules(shapes, axis, dtype, seed):
    rng = np.random.default_rng(seed)
    xs = _operands(shapes, dtype, rng)
    ans = np.concatenate(xs, axis=axis)
    g = _operands([ans.shape], dtype, rng)[0]
    for active in {(True,) * len(xs), (False,) + (True,) * (len(xs) - 1), (True,) + (False,) * (len(xs) - 1)}:
        got = p.concatenate_p.vjp(active, ans, *xs, axis=axis)(g)
        _same(got, _per_operand(p.concatenate_p, active, ans, xs, axis, g), view_of=g)


@pytest.mark.parametrize("shape, axis", [((), 0), ((3,), 0), ((3,), 1), ((3,), -1), ((2, 3), -2), ((2, 3), 2)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_stack_joint_rule_equals_the_per_operand_rules(shape, axis, dtype):
    rng = np.random.default_rng(3)
    xs = _operands([shape] * 3, dtype, rng)
    ans = np.stack(xs, axis=axis)
    g = _operands([ans.shape], dtype, rng)[0]
    for active in [(True, True, True), (True, False, True)]:
        got = p.stack_p.vjp(active, ans, *xs, axis=axis)(g)
        _same(got, _per_operand(p.stack_p, active, ans, xs, axis, g), view_of=g if shape else None)


def test_joint_rules_on_jax_cotangents_take_the_general_path():
    rng = np.random.default_rng(4)
    xs = [jnp.asarray(rng.normal(size=s)) for s in [(2, 3), (2, 1)]]
    ans = jnp.concatenate(xs, axis=1)
    g = jnp.asarray(rng.normal(size=ans.shape))
    got = p.concatenate_p.vjp((True, True), ans, *xs, axis=1)(g)
    want = _per_operand(p.concatenate_p, (True, True), ans, xs, 1, g)
    for a, b in zip(got, want):
        assert isinstance(a, jax.Array)
        np.testing.assert_array_equal(a, b)


def test_pull_each_of_a_zero_cotangent_is_zeros():
    def never(g):
        raise AssertionError("a zero cotangent is not pulled back")

    assert pull_each(never, 0.0, 3) == (0.0, 0.0, 0.0)
    assert pull_each(never, None, 2) == (0.0, 0.0)


# --- SCT against JAX -----------------------------------------------------------------


def repeated_operands(u, h):
    gates = anp.concatenate([u, h, u, h]) * anp.concatenate([h, h, u, u])
    return anp.sum(anp.tanh(gates))


def constants_among_operands(x, y):
    c = anp.concatenate([anp.ones(2), x, 2.0 * y, anp.zeros(1)])
    return anp.sum(c * c)


def along_axis_one(a, b):
    return anp.sum(anp.sin(anp.concatenate([a, b], axis=-1)) * anp.concatenate([b, a], axis=1))


def stacked_rows(x, y):
    rows = []
    for k in range(3):
        x = anp.tanh(x * y + k)
        rows.append(x)
        rows.append(y * x)
    return anp.sum(anp.stack(rows) ** 2)


def loop_with_a_sometimes_zero_cotangent(x, y):
    total = 0.0
    for k in range(4):
        c = anp.concatenate([x, y])
        if k % 2 == 0:
            total = total + anp.sum(c * c)
        x = anp.sin(x) + y[:1]
    return total


def matmul_both_active(m, v):
    out = v
    for _ in range(3):
        out = anp.tanh(anp.matmul(m, out))
    return anp.sum(anp.matmul(m, m) @ out)


PROGRAMS = [
    (repeated_operands, [(4,), (4,)]),
    (constants_among_operands, [(3,), (2,)]),
    (along_axis_one, [(2, 3), (2, 3)]),
    (stacked_rows, [(3,), (3,)]),
    (loop_with_a_sometimes_zero_cotangent, [(3,), (3,)]),
    (matmul_both_active, [(3, 3), (3,)]),
]


@pytest.mark.parametrize("f, shapes", PROGRAMS, ids=[f.__name__ for f, _ in PROGRAMS])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sct_gradient_with_joint_pullbacks_equals_jax(f, shapes, seed):
    args = [np.random.default_rng(seed + 10 * k).normal(size=s) for k, s in enumerate(shapes)]
    ours = sct.grad(f, (0, 1))(*args)
    theirs = jax.grad(f, (0, 1))(*map(jnp.asarray, args))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)
    tape = ad.engine("overloading").grad(f, (0, 1))(*args)  # the tape reads the same joint rules
    for a, b in zip(tape, theirs):
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)


def test_sct_gradient_in_float32_keeps_the_dtype():
    args = [np.random.default_rng(5).normal(size=4).astype(np.float32) for _ in range(2)]
    ours = sct.grad(repeated_operands, (0, 1))(*args)
    theirs = jax.grad(repeated_operands, (0, 1))(*map(jnp.asarray, args))
    for a, b in zip(ours, theirs):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("f, shapes", PROGRAMS[:4], ids=[f.__name__ for f, _ in PROGRAMS[:4]])
def test_second_order_through_the_same_rules_equals_jax(f, shapes):
    args = [np.random.default_rng(7 + k).normal(size=s) for k, s in enumerate(shapes)]
    v = np.random.default_rng(8).normal(size=shapes[0])
    ours = sct.hvp(f, tuple(args), (v, np.zeros(shapes[1])))
    theirs = jax.jvp(jax.grad(f), tuple(map(jnp.asarray, args)), (jnp.asarray(v), jnp.zeros(shapes[1])))[1]
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
    rev_rev = sct.hessian(f, mode="rev-rev")(*args)  # reverse over reverse: SCT over SCT's reverse sweep
    np.testing.assert_allclose(rev_rev, jax.hessian(f)(*map(jnp.asarray, args)), rtol=1e-10, atol=1e-10)


def test_the_reverse_sweep_keeps_one_pullback_per_call():
    text = sct.source(repeated_operands, "reverse", (0, 1))
    fwd, bwd = text[:text.index("_bwd(")], text[text.index("_bwd("):]
    assert fwd.count("concatenate_vjp((True, True, True, True), ") == 2
    assert "concatenate_vjps" not in text
    assert bwd.count("pull_each(") == 2 and bwd.count(" pull(") == 1  # the one: sum's pull-back
    # one active operand among constants: the per-operand rule, no joint pull-back
    one = sct.source(lambda x: anp.sum(anp.concatenate([anp.ones(2), x]) ** 2), "reverse", 0)
    assert "concatenate_vjps[1](" in one and "pull_each" not in one
