"""The SCT engine and issue 9: custom rules, checkpointed calls, against JAX and without checkpointing."""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare import workloads
from adcompare.engine import partial_args
from adcompare.measure.footprint import kept_bytes
from adcompare.oracle import max_error
from adcompare.workloads.lstm import lstm_segment
from adcompare.workloads.ode import T_END, rk4_steps

TOL = 1e-12
SIZES = {"lstm": (2, 3, 10), "ode": (6, 12)}

# --------------------------------------------------------------------------
# custom rules


calls = {"fwd": 0, "bwd": 0}


@ad.custom_vjp
def softplus(x):
    return anp.log(1.0 + anp.exp(x))


def softplus_fwd(x):
    calls["fwd"] += 1
    return softplus(x), x


def softplus_bwd(x, g):
    calls["bwd"] += 1
    return (g * anp.sigmoid(x),)


softplus.defvjp(softplus_fwd, softplus_bwd)


def softplus_loss(x, w):
    total = 0.0
    for i in range(3):
        total = total + anp.sum(softplus(x * w + i)) * anp.sum(x)
    return total


def softplus_loss_jax(x, w):
    total = 0.0
    for i in range(3):
        total = total + jnp.sum(jax.nn.softplus(x * w + i)) * jnp.sum(x)
    return total


X = np.array([0.3, -1.2, 2.0, 0.7])


def test_a_custom_vjp_call_runs_fwd_once_and_bwd_once_per_application():
    eng = ad.engine("sct")
    calls.update(fwd=0, bwd=0)
    grads = eng.grad(softplus_loss, (0, 1))(X, 1.5)
    expected = jax.grad(softplus_loss_jax, (0, 1))(jnp.asarray(X), 1.5)
    assert max_error(grads, expected) < TOL
    assert calls == {"fwd": 3, "bwd": 3}
    source = eng.source(softplus_loss, "reverse", (0, 1))
    assert "softplus_fwd(" in source and "softplus_bwd(" in source


@partial(ad.custom_vjp, nondiff_argnums=(1,))
def scale_and_total(x, k):
    return x * k, anp.sum(x)


scale_and_total.defvjp(lambda x, k: ((x * k, anp.sum(x)), None), lambda k, _, g: (g[0] * k + g[1],))


def uses_both_outputs(v):
    scaled, total = scale_and_total(v, 3.0)
    return anp.sum(anp.sin(scaled)) * total


def uses_one_output(v):
    scaled, _ = scale_and_total(v, 3.0)
    return anp.sum(anp.sin(scaled))


def test_tuple_outputs_and_nondiff_arguments():
    eng = ad.engine("sct")
    x = jnp.asarray(X)
    both = jax.grad(lambda v: jnp.sum(jnp.sin(3.0 * v)) * jnp.sum(v))(x)
    assert max_error(eng.grad(uses_both_outputs)(X), both) < TOL
    assert max_error(eng.grad(uses_one_output)(X), jax.grad(lambda v: jnp.sum(jnp.sin(3.0 * v)))(x)) < TOL


erf_rule_calls = [0]
erf = ad.custom_jvp(np.vectorize(math.erf, otypes=[np.float64]))  # no Python source


@erf.defjvp
def _erf_jvp(primals, tangents):
    erf_rule_calls[0] += 1
    (x,), (t,) = primals, tangents
    return erf(x), anp.multiply(t, anp.multiply(2.0 / math.sqrt(math.pi), anp.exp(-x * x)))


def erf_loss(x):
    return anp.sum(erf(x) * anp.sin(x))


def test_a_custom_jvp_function_without_source_in_both_modes():
    eng = ad.engine("sct")
    x, t = np.linspace(-1.0, 1.5, 5), np.linspace(0.5, 1.0, 5)

    def oracle(v):
        return jnp.sum(jsp.erf(v) * jnp.sin(v))

    y, y_dot = eng.jvp(erf_loss, (x,), (t,))
    y_jax, y_dot_jax = jax.jvp(oracle, (jnp.asarray(x),), (jnp.asarray(t),))
    assert max_error(y, y_jax) < TOL and max_error(y_dot, y_dot_jax) < TOL
    erf_rule_calls[0] = 0
    assert max_error(eng.grad(erf_loss)(x), jax.grad(oracle)(jnp.asarray(x))) < TOL
    assert erf_rule_calls[0] == 1  # the rule's linear map is recorded once, then transposed


def test_forward_mode_through_a_custom_vjp_function_is_refused_as_in_jax():
    with pytest.raises(TypeError, match="custom_vjp function 'softplus' has no forward-mode rule"):
        ad.engine("sct").jvp(doubled_softplus, (X,), (X,))


def doubled_softplus(x):
    return softplus(x) * 2.0


# --------------------------------------------------------------------------
# checkpointed calls


def test_the_adjoint_code_recomputes_the_checkpointed_call():
    source = ad.engine("sct").source(workloads.get("ode@sqrt").natural, "reverse")
    fwd, bwd = source.split("def ode_checkpointed_bwd")
    assert "rk4_steps_checkpointed(" in fwd and "rk4_steps_fwd" not in fwd  # its internals: not kept
    assert "# recompute rk4_steps" in bwd
    assert bwd.index("rk4_steps_fwd(") < bwd.index("rk4_steps_bwd(")


@ad.checkpoint
def squash(x, w):
    y = anp.tanh(x * w)
    return anp.sin(y) * y


def squash_twice(x, w):
    return anp.sum(squash(squash(x, w), w))


def squash_twice_jax(x, w):
    def squash_jax(x, w):
        y = jnp.tanh(x * w)
        return jnp.sin(y) * y

    return jnp.sum(squash_jax(squash_jax(x, w), w))


def test_a_checkpointed_call_in_forward_mode_and_at_second_order():
    eng, x = ad.engine("sct"), jnp.asarray(X)
    y, y_dot = eng.jvp(squash_twice, (X, 0.8), (X, 1.0))
    y_jax, y_dot_jax = jax.jvp(squash_twice_jax, (x, 0.8), (x, 1.0))
    assert max_error(y, y_jax) < TOL and max_error(y_dot, y_dot_jax) < TOL
    assert max_error(eng.grad(squash_twice, (0, 1))(X, 0.8), jax.grad(squash_twice_jax, (0, 1))(x, 0.8)) < TOL
    assert max_error(eng.hessian(squash_twice)(X, 0.8), jax.hessian(squash_twice_jax)(x, 0.8)) < 1e-10


# --------------------------------------------------------------------------
# checkpointed loops


def scalar_loop(x, n, every):
    y, v = x, x * 2.0
    z = anp.sin(v)  # reads v's value from before the loop: kept with the loop's state
    for i in ad.checkpointed_range(n, every=every):
        v = anp.cos(y)
        y = anp.sin(y) * 1.1 + 0.1 * i * v if i % 3 == 0 else y * v
    return y * z


def scalar_plain(x, n, every):
    y, v = x, x * 2.0
    z = anp.sin(v)
    for i in range(n):
        v = anp.cos(y)
        y = anp.sin(y) * 1.1 + 0.1 * i * v if i % 3 == 0 else y * v
    return y * z


def ode_loop(x, lower, steps, every):
    """ode, one RK4 step per iteration of a checkpointed loop."""
    rates = anp.matmul(lower, x[1:])
    y = anp.zeros(len(x), like=x)
    for _ in ad.checkpointed_range(steps, every=every):
        y = rk4_steps(x, rates, y, T_END / steps, 1)
    return y[-1]


def lstm_loop(main_params, extra_params, state, sequence, every):
    """lstm, one step per iteration of a checkpointed loop."""
    steps = len(sequence) - 1
    total = 0.0
    for t in ad.checkpointed_range(steps, every=every):
        state, total = lstm_segment(main_params, extra_params, state, total, sequence, t, t + 1)
    return -total / (steps * len(extra_params[0]))


def gradient_and_kept(f, args, argnums):
    eng = ad.engine("sct")
    g = partial_args(f, args, argnums)
    active = tuple(args[k] for k in argnums)
    grads = eng.grad(g, tuple(range(len(active))))(*active)
    return grads, kept_bytes(eng.vjp(g, *active)[1])


@pytest.mark.parametrize("every", [None, 1, 4, 30])
@pytest.mark.parametrize("n", [0, 1, 7, 25])
def test_a_checkpointed_scalar_loop(n, every):
    grads, kept = gradient_and_kept(scalar_loop, (0.3, n, every), (0,))
    plain, kept_plain = gradient_and_kept(scalar_plain, (0.3, n, every), (0,))
    assert abs(grads[0] - plain[0]) < TOL
    assert abs(grads[0] - jax.grad(scalar_loop)(0.3, n, every)) < TOL  # the same source: a range
    if n == 25 and every != 1:
        assert kept < kept_plain / 3


@pytest.mark.parametrize("every", [None, 3])
@pytest.mark.parametrize("problem", ["ode", "lstm"])
def test_a_checkpointed_loop_on_the_workloads(problem, every):
    w = workloads.get(problem)
    args = w.inputs(SIZES[problem])
    plain, kept_plain = gradient_and_kept(w.natural, args, w.argnums)
    f = {"ode": ode_loop, "lstm": lstm_loop}[problem]
    grads, kept = gradient_and_kept(f, args + (every,), w.argnums)
    assert max_error(grads, plain) < TOL
    jax_args = w.inputs(SIZES[problem], backend="jax") + (every,)
    expected = jax.grad(f, w.argnums)(*jax_args)
    assert max_error(grads, expected) < TOL
    assert kept < kept_plain / 2


def test_the_adjoint_code_recomputes_each_segment():
    source = ad.engine("sct").source(scalar_loop)
    fwd, bwd = source.split("def scalar_loop_bwd")
    assert "segment_push = discard" in fwd and "checkpoints.append((v, y))" in fwd
    assert "# recompute the segment from its checkpoint" in bwd
    assert bwd.index("segment_push(") < bwd.index("segment_pop()")


def nested_checkpointed_loop(x):
    for _ in range(2):
        for _ in ad.checkpointed_range(3):
            x = anp.sin(x)
    return x


def test_a_checkpointed_loop_inside_another_loop_is_refused():
    with pytest.raises(ad.SCTError, match="checkpointed_range on a loop inside another loop"):
        ad.engine("sct").grad(nested_checkpointed_loop)(0.5)
    with pytest.raises(ValueError, match="every must be a positive number"):
        ad.checkpointed_range(3, every=0)


def nested_loops_inside(x, n):
    total = 0.0
    for i in ad.checkpointed_range(n):
        parts = []
        for j in range(i % 3 + 1):
            parts.append(anp.sin(x * (j + 1.0)))
        k = 0
        while k < 2:
            x = x * 0.9 + 0.01 * k
            k = k + 1
        total = total + anp.sum(anp.stack(parts) * x)
    return total


def test_a_checkpointed_loop_around_inner_loops_lists_and_whiles_in_every_mode():
    eng, x = ad.engine("sct"), np.array([0.4, -0.2])
    expected = jax.grad(nested_loops_inside)(jnp.asarray(x), 11)
    assert max_error(eng.grad(nested_loops_inside)(x, 11), expected) < TOL
    y_dot = eng.jvp(partial_args(nested_loops_inside, (x, 11), (0,)), (x,), (x,))[1]
    xj = jnp.asarray(x)
    assert abs(y_dot - jax.jvp(lambda v: nested_loops_inside(v, 11), (xj,), (xj,))[1]) < TOL
    assert max_error(eng.hessian(nested_loops_inside)(x, 11), jax.hessian(nested_loops_inside)(xj, 11)) < 1e-10
