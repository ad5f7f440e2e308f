"""Rank-0 facts (analysis/ranks.py) and the guarded specialization on 1-D array parameters (emit/specialize.py).

The specialized sweeps are compared with the general ones (the same call, with an input the guard
refuses: an ndarray subclass holding the same numbers) and with JAX (float64, several seeds);
the cases where the guard must not fire (2-D, a list, JAX arrays, a subclass, a shadowed range)
and where a reduction is not over all axes are checked against JAX too.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct import transform
from adcompare.engines.sct.emit.specialize import Specialized, vector
from adcompare.workloads.llsq import llsq as vector_loop  # a parameter indexed in a loop over range

SCT = ad.engine("sct")
SEEDS = (0, 1, 2)


class Sub(np.ndarray):
    """An ndarray subclass: the guard refuses it (``x[i]`` of a subclass may not be a number)."""


def scalar_loop(x):
    acc = 0.0
    for i in range(len(x)):
        acc = 0.5 * acc + x[i] * anp.cos(acc)
    return acc


def grows(x, w):
    """A float accumulator that becomes an array: broadcasting against ``w`` (shape (1, n))."""
    acc = 0.0
    for i in range(len(x)):
        acc = acc * 0.5 + x[i] * w + anp.sin(x[i])
    return anp.sum(acc * acc)


def indices(x):
    """Integer index arithmetic of the loop target."""
    acc = 0.0
    for i in range(len(x) // 2):
        acc = acc * x[2 * i + 1] + anp.exp(x[2 * i] - 1)
    return acc


def _jax_grad(f, args, argnums=0):
    return jax.grad(f, argnums=argnums)(*[jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args])


def _marked(f, args, argnums=(0,)):
    entry = transform.transform(f, "reverse", argnums, len(args))
    return type(entry.functions["fwd"](*args)[1]) is Specialized


@pytest.mark.parametrize("seed", SEEDS)
def test_scalar_loop_specialized_matches_general_and_jax(seed):
    x = np.random.default_rng(seed).normal(size=50)
    assert _marked(scalar_loop, (x,))
    fast = SCT.grad(scalar_loop)(x)
    general = SCT.grad(scalar_loop)(x.view(Sub))
    assert not _marked(scalar_loop, (x.view(Sub),))
    np.testing.assert_array_equal(np.asarray(fast), np.asarray(general))
    np.testing.assert_allclose(fast, _jax_grad(scalar_loop, (x,)), rtol=1e-12, atol=1e-14)


def test_scalar_loop_source_keeps_no_shapes_in_the_specialized_loop():
    text = SCT.source(scalar_loop, "reverse")
    general, special = text.split("def scalar_loop_fwd_2")
    assert "if vector(x):" in general and "type(residuals) is Specialized" in general
    assert "shape_of(_t" not in special and "unbroadcast" not in special
    assert "unbroadcast" in general  # the general sweeps are unchanged


@pytest.mark.parametrize("seed", SEEDS)
def test_vector_loop_specialized_matches_general_and_jax(seed):
    rng = np.random.default_rng(seed)
    x, t, s = rng.normal(size=12), rng.normal(size=30), rng.normal(size=30)
    assert _marked(vector_loop, (x, t, s))
    fast = SCT.grad(vector_loop, argnums=(0, 1, 2))(x, t, s)
    general = SCT.grad(vector_loop, argnums=(0, 1, 2))(x.view(Sub), t, s)
    for a, b, c in zip(fast, general, _jax_grad(vector_loop, (x, t, s), (0, 1, 2))):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(a, c, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_guard_refuses_two_dimensional_and_lists(seed):
    rng = np.random.default_rng(seed)
    x2 = rng.normal(size=(20, 3))  # x[i] is a row: acc becomes an array
    assert not _marked(scalar_loop, (x2,))
    g = SCT.grad(lambda x: anp.sum(scalar_loop(x)))(x2)
    np.testing.assert_allclose(g, _jax_grad(lambda x: jnp.sum(scalar_loop(x)), (x2,)), rtol=1e-11, atol=1e-13)
    x = rng.normal(size=20)
    _, pull = SCT.vjp(scalar_loop, list(x))  # a list: its elements are whatever they are
    np.testing.assert_allclose(pull(1.0)[0], _jax_grad(scalar_loop, (x,)), rtol=1e-12, atol=1e-14)
    gj = SCT.grad(scalar_loop)(jnp.asarray(x))  # JAX arrays take the general sweeps
    np.testing.assert_allclose(gj, _jax_grad(scalar_loop, (x,)), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_accumulator_that_becomes_an_array(seed):
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=15), rng.normal(size=(1, 4))
    g = SCT.grad(grows, argnums=(0, 1))(x, w)
    general = SCT.grad(grows, argnums=(0, 1))(x.view(Sub), w)
    for a, b, c in zip(g, general, _jax_grad(grows, (x, w), (0, 1))):
        assert np.shape(a) == np.shape(c)
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(a, c, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_index_arithmetic_float32_and_zero_d(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=16)
    assert _marked(indices, (x,))
    np.testing.assert_allclose(SCT.grad(indices)(x), _jax_grad(indices, (x,)), rtol=1e-12, atol=1e-14)
    x32 = x.astype(np.float32)
    assert _marked(indices, (x32,))
    g32 = SCT.grad(indices)(x32)
    assert g32.dtype == np.float32
    np.testing.assert_array_equal(g32, SCT.grad(indices)(x32.view(Sub)))
    np.testing.assert_allclose(g32, _jax_grad(indices, (x,)), rtol=2e-4, atol=1e-5)
    zero_d = np.array(x[0])  # a 0-d array is not a vector: the general sweeps
    assert not vector(zero_d) and not vector(x.reshape(4, 4)) and not vector(np.array([object()] * 3))


def test_complex_vector_refused_alike_on_both_sweeps():
    rng = np.random.default_rng(0)
    x, c = rng.normal(size=10), rng.normal(size=10) + 1j * rng.normal(size=10)

    def f(x, c):
        acc = 0.0
        for i in range(len(x)):
            acc = acc * 0.5 + anp.real(c[i] * x[i]) * anp.sin(acc)
        return acc

    assert vector(c)  # the guard takes complex vectors; the primitives refuse them, on both sweeps
    for cc in (c, c.view(Sub)):
        with pytest.raises(TypeError, match="real: complex arguments are not supported"):
            SCT.grad(f)(x, cc)


def _shadowing():
    def range(n):  # noqa: A001  (a range whose items are slices: x[i] is not a number)
        return [slice(0, 2)] * n

    def f(x):
        acc = 0.0
        for i in range(3):
            acc = acc + x[i] * x[i]
        return anp.sum(acc)

    return f


def test_shadowed_range_is_not_an_int():
    f = _shadowing()
    x = np.random.default_rng(0).normal(size=5)
    assert not _marked(f, (x,))
    expect = jax.grad(lambda x: jnp.sum(3 * x[0:2] * x[0:2]))(jnp.asarray(x))
    np.testing.assert_allclose(SCT.grad(f)(x), expect, rtol=1e-13)


def reduced(p, q):
    normalizer = anp.log(anp.sum(anp.exp(p)) + 2.0)  # rank-0 whatever p is: no guard
    columns = anp.sum(p, axis=0)  # not rank-0
    kept = anp.sum(q, keepdims=True)  # shape (1, 1): not rank-0
    return anp.sum((p - normalizer) * q + columns * kept + q * normalizer)


@pytest.mark.parametrize("seed", SEEDS)
def test_reductions_rank0_only_over_all_axes(seed):
    rng = np.random.default_rng(seed)
    p, q = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    text = SCT.source(reduced, "reverse", argnums=(0, 1))
    assert "scalar_shape" in text  # the normalizer's shape is the constant ()
    g = SCT.grad(reduced, argnums=(0, 1))(p, q)
    for a, b in zip(g, _jax_grad(reduced, (p, q), (0, 1))):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    _, tangent = SCT.jvp(reduced, (p, q), (q, p))
    _, expect = jax.jvp(reduced, (jnp.asarray(p), jnp.asarray(q)), (jnp.asarray(q), jnp.asarray(p)))
    np.testing.assert_allclose(tangent, expect, rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_second_order_through_specialized_functions(seed):
    x = np.random.default_rng(seed).normal(size=8)
    expect = jax.hessian(scalar_loop)(jnp.asarray(x))
    for eng in (SCT, ad.engine("sct", higher="sct")):
        np.testing.assert_allclose(eng.hessian(scalar_loop)(x), expect, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(SCT.hessian(indices)(x), jax.hessian(indices)(jnp.asarray(x)), rtol=1e-10, atol=1e-12)


def stepped(y, h):
    """``h`` is read only as an elementwise operand: the specialization may assume it holds a number."""
    for _ in range(4):
        k = anp.sin(y) * y
        y = y + (0.5 * h) * k + h * anp.cos(k)
    return anp.sum(y * y)


@pytest.mark.parametrize("seed", SEEDS)
def test_number_parameter_specialized_and_refused(seed):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=6)
    expect = lambda h: _jax_grad(stepped, (y, h), (0, 1))  # noqa: E731
    for h in (0.3, np.float64(0.3), np.array(0.3), 1):  # numbers: the guard holds
        assert _marked(stepped, (y, h), (0, 1))
        if not isinstance(h, int):
            for a, b in zip(SCT.grad(stepped, argnums=(0, 1))(y, h), expect(h)):
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    for h in (rng.normal(size=6), rng.normal(size=(1, 6)), np.array([0.3])):  # arrays: the general sweeps
        assert not _marked(stepped, (y, h), (0, 1))
        got = SCT.grad(stepped, argnums=(0, 1))(y, h)
        for a, b in zip(got, expect(h)):
            assert np.shape(a) == np.shape(b)
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    fast = SCT.grad(stepped, argnums=(0, 1))(y, 0.3)
    general = SCT.grad(stepped, argnums=(0, 1))(y, np.array(0.3).view(Sub))
    for a, b in zip(fast, general):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


def segment(w, rows, total):
    """Three specializations: rows a vector and total a number, rows a vector, total a number."""
    scale = anp.sum(w)  # w is reduced: not assumed a number
    for t in range(len(rows)):
        total = total + anp.sum(rows[t] * w) * scale
    return total * total


@pytest.mark.parametrize("seed", SEEDS)
def test_second_specialization_when_the_first_guard_fails(seed):
    rng = np.random.default_rng(seed)
    w, rows = rng.normal(size=5), rng.normal(size=(7, 5))
    assert SCT.source(segment, "reverse", argnums=(0, 2)).count("def segment_fwd_") == 5
    entry = transform.transform(segment, "reverse", (0, 2), 3)
    # rows is 2-D: the number's specializations, the first where rows[t] and w have one shape (analysis.shapes)
    assert entry.functions["fwd"](w, rows, 0.5)[1][0] == 2
    assert entry.functions["fwd"](w[:1], rows, 0.5)[1][0] == 3
    assert entry.functions["fwd"](w, rows[:, 0], 0.5)[1][0] == 0  # rows is 1-D: the first one
    assert entry.functions["fwd"](w, rows[:, 0], np.ones(3))[1][0] == 1  # and total is not a number
    assert entry.functions["fwd"](w, rows, np.ones(3))[1][0] == 4  # rows[t] and w agree, total is not a number
    assert type(entry.functions["fwd"](w[:1], rows, np.ones(3))[1]) is not Specialized
    for w_, rows_ in ((w, rows), (w, rows[:, 0]), (w[:1], rows)):
        for total in (0.5, np.ones(3)):
            y, pull = SCT.vjp(segment, w_, rows_, total)
            yj, pullj = jax.vjp(segment, jnp.asarray(w_), jnp.asarray(rows_), jnp.asarray(total))
            np.testing.assert_allclose(y, yj, rtol=1e-13)
            for a, b in zip(pull(np.ones_like(y)), pullj(jnp.ones_like(yj))):
                assert np.shape(a) == np.shape(b)
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


def rebound(x, consts):
    """``x`` is a number on entry, but ``x * c`` with ``c`` an array makes it an array."""
    for k in range(len(consts)):
        c = consts[k]
        x = anp.sin(x) * c + 0.5 * x
    return anp.sum(x)


@pytest.mark.parametrize("seed", SEEDS)
def test_number_on_entry_rebound_to_an_array(seed):
    rng = np.random.default_rng(seed)
    for consts in (tuple(rng.normal(size=3)), tuple(rng.normal(size=(3, 4)))):
        g = SCT.grad(rebound)(0.7, consts)
        np.testing.assert_allclose(g, jax.grad(rebound)(0.7, tuple(jnp.asarray(c) for c in consts)), rtol=1e-12)
    text = SCT.source(rebound, "reverse")
    assert "number(x)" not in text  # x is not rank-0 everywhere: nothing to assume


def _closure_loop():
    scale = 0.5

    def f(x):
        acc = 0.0
        for i in range(len(x)):
            acc = scale * acc + x[i] * anp.cos(acc)
        return acc

    return f


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_specialized_sweeps_read_the_users_closure(seed):
    f = _closure_loop()
    x = np.random.default_rng(seed).normal(size=12)
    assert _marked(f, (x,))
    np.testing.assert_allclose(SCT.grad(f)(x), _jax_grad(f, (x,)), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(SCT.jacrev(SCT.jacfwd(f))(x), jax.hessian(f)(jnp.asarray(x)), rtol=1e-10, atol=1e-12)
