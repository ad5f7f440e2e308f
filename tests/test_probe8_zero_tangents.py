"""Probe 8: SCT's inlined JVP rules leave out an operand whose tangent is a symbolic zero.

A loop that starts from the constant ``s = 0.0`` gives ``s`` the zero tangent ``0.0``
on its first trip; sqrt's inlined JVP rule ``t / (2 * ans)`` made 0 / 0 = nan there (JAX
leaves a symbolic zero out; so do the rule table's calls, see symbolic.SkippingZeros).
The jvp, the Hessian (forward over reverse) and forward over forward were nan, silently.
JAX (float64) is the oracle.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def sqrt_loop(x):
    s = 0.0
    for i in range(3):
        s = anp.sqrt(s) + x[i]
    return s


def sqrt_loop_jax(x):
    s = 0.0
    for i in range(3):
        s = jnp.sqrt(s) + x[i]
    return s


def scaled_sqrt_loop(x):  # the zero passes through a rule that reads only the tangent (2 * t) first
    s = 0.0
    for i in range(3):
        s = anp.sqrt(2.0 * s) + x[i]
    return s


def scaled_sqrt_loop_jax(x):
    s = 0.0
    for i in range(3):
        s = jnp.sqrt(2.0 * s) + x[i]
    return s


CASES = [(sqrt_loop, sqrt_loop_jax), (scaled_sqrt_loop, scaled_sqrt_loop_jax)]


def _inputs():
    """x[1] negative or zero in some (s stays non-negative, so every value is finite)."""
    out = [np.array([0.5, -0.2, 1.3]), np.array([1.0, 0.0, -3.0]), np.array([2.0, -1.0, 0.0])]
    for seed in range(3):
        rng = np.random.default_rng(seed)
        x0 = rng.uniform(0.2, 2.0)
        out.append(np.array([x0, rng.uniform(-0.5 * np.sqrt(x0), 1.0), rng.standard_normal()]))
    return out


INPUTS = _inputs()


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("k", range(len(INPUTS)))
def test_jvp_from_a_constant_start_matches_jax(case, k):
    f, fj = CASES[case]
    x = INPUTS[k]
    v = np.random.default_rng(10 + k).standard_normal(3)
    y, y_dot = ad.engine("sct").jvp(f, (x,), (v,))
    yj, yj_dot = jax.jvp(fj, (jnp.asarray(x),), (jnp.asarray(v),))
    assert np.isfinite(yj_dot)
    np.testing.assert_allclose(y, yj, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y_dot, yj_dot, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("k", [0, 1, 3])
def test_hessian_and_forward_over_forward_match_jax(case, k):
    f, fj = CASES[case]
    x = INPUTS[k]
    want = np.asarray(jax.hessian(fj)(jnp.asarray(x)))
    assert np.all(np.isfinite(want))
    sct = ad.engine("sct")
    np.testing.assert_allclose(sct.hessian(f)(x), want, rtol=1e-12, atol=1e-12)  # forward over reverse
    # SCT transforms its own forward code again: the guard is generated code it takes
    np.testing.assert_allclose(sct.jacfwd(sct.jacfwd(f))(x), want, rtol=1e-12, atol=1e-12)


def test_a_callee_whose_tangent_is_never_zero_needs_no_guard():
    """The guard is emitted only where a tangent may be a symbolic zero: a callee whose result's
    tangent never is one (a sum of two rule terms) leaves its caller's products unguarded."""

    def inner(x, y):
        return x * y + anp.sin(x)

    def outer(x):
        k = inner(x, x)
        return 3.0 * k

    text = ad.engine("sct").source(outer, "forward")
    body = text[text.index("def outer_jvp"):]
    assert "is_symbolic_zero" not in body
    x = np.array([0.3, -1.2])
    v = np.array([1.0, 2.0])
    _, y_dot = ad.engine("sct").jvp(outer, (x,), (v,))
    _, yj_dot = jax.jvp(lambda x: 3.0 * (x * x + jnp.sin(x)), (jnp.asarray(x),), (jnp.asarray(v),))
    np.testing.assert_allclose(y_dot, yj_dot, rtol=1e-12)


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("k", [0, 1, 3])
def test_reverse_over_reverse_hessian_matches_jax(case, k):
    """The gradient's backward sweep computes the cotangent of the constant start s = 0.0 (inf,
    dropped); taken again in reverse, that dropped value's cotangent is a symbolic zero and
    divide's rule must not scale it by 1 / 0 (it gave nan rows)."""
    f, fj = CASES[case]
    x = INPUTS[k]
    want = np.asarray(jax.hessian(fj)(jnp.asarray(x)))
    np.testing.assert_allclose(ad.engine("sct").hessian(f, mode="rev-rev")(x), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(2))
def test_third_order_through_a_constant_exponent_matches_jax(seed):
    """grad(grad(grad(t -> sum((t * x) ** p)))) with p = np.float64(3.0), a constant (not a literal):
    the exponent's cotangent the second-order code forms (through log(t * x), nan where t * x < 0) and
    drops had, at third order, a zero cotangent scaled by that nan."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(5)
    x[0], x[1] = -abs(x[0]) - 0.5, 0.0  # negative and zero entries
    t0 = float(rng.uniform(-1.5, 1.5))

    def g(t):
        return anp.sum((t * x) ** np.float64(3.0))

    want = jax.grad(jax.grad(jax.grad(lambda t: jnp.sum((t * jnp.asarray(x)) ** 3.0))))(t0)
    eng = ad.engine("sct", higher="sct")
    np.testing.assert_allclose(eng.grad(eng.grad(eng.grad(g)))(t0), want, rtol=1e-12, atol=1e-12)


def masked_write(x):
    y = x * 2.0
    y[x > 0] = 0.0
    return anp.sum(y * x)


def masked_write_jax(x):
    y = (x * 2.0).at[x > 0].set(0.0)
    return jnp.sum(y * x)


def masked_copy(x):
    y = anp.sin(x)
    m = x > 0.2
    y[m] = x[m] ** 2
    return anp.sum(y)


def masked_copy_jax(x):
    return jnp.sum(jnp.where(x > 0.2, x ** 2, jnp.sin(x)))


@pytest.mark.parametrize("pair", [(masked_write, masked_write_jax), (masked_copy, masked_copy_jax)])
@pytest.mark.parametrize("seed", range(3))
def test_index_write_with_a_mask_from_a_comparison_matches_jax(pair, seed):
    """y[x > 0] = ...: a comparison's value is boolean and carries no derivative (JAX takes
    y.at[x > 0].set(...)); SCT refused it as a differentiated index."""
    f, fj = pair
    x = np.random.default_rng(seed).standard_normal(6)
    x[0], x[1] = 0.0, -abs(x[1])
    sct = ad.engine("sct")
    np.testing.assert_allclose(sct.grad(f)(x), jax.grad(fj)(jnp.asarray(x)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sct.hessian(f)(x), jax.hessian(fj)(jnp.asarray(x)), rtol=1e-12, atol=1e-12)


def test_index_write_at_a_differentiated_index_is_still_refused():
    def f(x):
        y = x * 2.0
        y[x] = 0.0
        return anp.sum(y)

    with pytest.raises(ad.SCTError, match="used as an index"):
        ad.engine("sct").grad(f)(np.array([1.0, 0.0]))
