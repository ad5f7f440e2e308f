"""SCT on writes into an array by index: ``y[i] = v`` and ``y[a:b] += v`` are functional updates.

Each function writes into an array (a NumPy constant, a fresh result, a
parameter) and is differentiated by SCT in reverse (grad) and forward (jvp)
mode; the reference is the same computation written for JAX with
``.at[idx].set`` / ``.at[idx].add``. What SCT cannot do is refused with the
user's line.
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

sct = ad.engine("sct")


def constant_buffer(a):  # a NumPy constant written with a differentiated value
    y = np.zeros(3)
    y[0] = a
    y[2] = a * a
    return anp.sum(anp.sin(y) * y)


def constant_buffer_jax(a):
    y = jnp.zeros(3).at[0].set(a).at[2].set(a * a)
    return jnp.sum(jnp.sin(y) * y)


def slices_and_adds(a):
    y = anp.zeros(4)
    y[1:] = a * 2.0
    y[:2] += anp.sin(a)
    y[-1] -= a * a
    y[::2] *= 3.0
    return anp.sum(y * y)


def slices_and_adds_jax(a):
    y = jnp.zeros(4).at[1:].set(a * 2.0)
    y = y.at[:2].set(y[:2] + jnp.sin(a))
    y = y.at[-1].set(y[-1] - a * a)
    y = y.at[::2].set(y[::2] * 3.0)
    return jnp.sum(y * y)


def recurrence(x):  # an RNN pattern: each step reads the one before
    y = anp.zeros_like(x)
    for i in range(len(x)):
        if i == 0:
            y[i] = x[i]
        else:
            y[i] = anp.tanh(y[i - 1] * x[i] + 0.5)
    return anp.sum(y * x)


def recurrence_jax(x):
    y = jnp.zeros_like(x)
    for i in range(len(x)):
        y = y.at[i].set(x[i] if i == 0 else jnp.tanh(y[i - 1] * x[i] + 0.5))
    return jnp.sum(y * x)


def writes_into_parameter(x):
    x[1] = x[0] * x[2]
    x[0] += 1.0
    return anp.sum(x * x)


def writes_into_parameter_jax(x):
    x = x.at[1].set(x[0] * x[2])
    x = x.at[0].add(1.0)
    return jnp.sum(x * x)


def writes_rows(m):
    out = m * 1.0
    for i in range(1, 3):
        out[i, :] = out[i - 1, :] * anp.sin(m[i, :])
    out[0, 1:] = 0.0
    return anp.sum(out)


def writes_rows_jax(m):
    out = m * 1.0
    for i in range(1, 3):
        out = out.at[i, :].set(out[i - 1, :] * jnp.sin(m[i, :]))
    out = out.at[0, 1:].set(0.0)
    return jnp.sum(out)


def swaps(x):
    y = x * 1.0
    y[0], y[1] = y[1], y[0]
    return anp.sum(y * anp.exp(x))


def swaps_jax(x):
    y = x * 1.0
    y = y.at[0].set(x[1]).at[1].set(x[0])
    return jnp.sum(y * jnp.exp(x))


def writes_in_a_while_loop(x):
    y = anp.zeros(3)
    k = 0
    while k < 3:
        y[k] = x[k] * x[(k + 1) % 3]
        k += 1
    return anp.sum(anp.exp(y))


def writes_in_a_while_loop_jax(x):
    y = jnp.zeros(3)
    for k in range(3):
        y = y.at[k].set(x[k] * x[(k + 1) % 3])
    return jnp.sum(jnp.exp(y))


CASES = [
    (constant_buffer, constant_buffer_jax, lambda rng: float(rng.uniform(-1, 1))),
    (slices_and_adds, slices_and_adds_jax, lambda rng: float(rng.uniform(-1, 1))),
    (recurrence, recurrence_jax, lambda rng: rng.uniform(-1, 1, 5)),
    (writes_into_parameter, writes_into_parameter_jax, lambda rng: rng.uniform(-1, 1, 3)),
    (writes_rows, writes_rows_jax, lambda rng: rng.uniform(-1, 1, (3, 4))),
    (swaps, swaps_jax, lambda rng: rng.uniform(-1, 1, 3)),
    (writes_in_a_while_loop, writes_in_a_while_loop_jax, lambda rng: rng.uniform(-1, 1, 3)),
]
IDS = [c[0].__name__ for c in CASES]


def _copy(x):
    return x.copy() if isinstance(x, np.ndarray) else x


@pytest.mark.parametrize("f, reference, draw", CASES, ids=IDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reverse_mode_matches_jax(f, reference, draw, seed):
    x = draw(np.random.default_rng(seed))
    value, grad = sct.value_and_grad(f)(_copy(x))
    want_value, want_grad = jax.value_and_grad(reference)(jnp.asarray(x))
    np.testing.assert_allclose(value, want_value, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("f, reference, draw", CASES, ids=IDS)
@pytest.mark.parametrize("seed", [0, 1])
def test_forward_mode_matches_jax(f, reference, draw, seed):
    rng = np.random.default_rng(seed)
    x = draw(rng)
    t = _copy(draw(rng))
    value, tangent = sct.jvp(f, (_copy(x),), (t,))
    want_value, want_tangent = jax.jvp(reference, (jnp.asarray(x),), (jnp.asarray(t),))
    np.testing.assert_allclose(value, want_value, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tangent, want_tangent, rtol=1e-12, atol=1e-14)


def test_on_jax_inputs_and_under_jit():
    x = jnp.asarray(np.random.default_rng(3).uniform(-1, 1, 5))
    want = jax.grad(recurrence_jax)(x)
    np.testing.assert_allclose(sct.grad(recurrence)(x), want, rtol=1e-12)
    np.testing.assert_allclose(jax.jit(sct.grad(recurrence))(x), want, rtol=1e-12)


def test_second_order():
    a = 0.3
    np.testing.assert_allclose(sct.hessian(slices_and_adds)(a), jax.hessian(slices_and_adds_jax)(a), rtol=1e-12)


def test_the_caller_array_is_not_written():
    x = np.array([0.5, -0.2, 0.9])
    before = x.copy()
    sct.grad(writes_into_parameter)(x)
    sct.jvp(writes_into_parameter, (x,), (np.ones(3),))
    np.testing.assert_array_equal(x, before)


def index_from_a_differentiated_value(x):
    y = anp.zeros(3)
    y[x] = 1.0  # refused
    return anp.sum(y)


def test_a_differentiated_index_is_refused():
    with pytest.raises(ad.SCTError, match="differentiated value used as an index") as info:
        sct.grad(index_from_a_differentiated_value)(1.0)
    assert "test_sct_index_writes.py" in str(info.value)


# --- writes another name would not see: refused (SCT writes functionally, as JAX) ---------------------------


def _write_first(y, v):
    y[0] = v
    return 0.0


def calls_a_writer(x):
    _ = _write_first(x, x[1] * 2.0)
    return x * 1.0


def writes_through_a_copy(x):
    y = x * 1.0
    z = y
    z[0] = 5.0 * x[1]
    return y


def writes_after_packing(x):
    y = x * 1.0
    t = (y, 1.0)
    y[2] = x[0]
    return t[0]


@pytest.mark.parametrize("f, what", [(calls_a_writer, "a call of _write_first, which writes into its parameter y"),
                                     (writes_through_a_copy, "a write into z"),
                                     (writes_after_packing, "a write into y")])
def test_a_write_another_name_shares_is_refused_with_its_line(f, what):
    x = np.array([0.3, -0.7, 1.1])
    for run in (lambda: ad.engine("sct").jvp(f, (x,), (np.ones(3),)), lambda: ad.engine("sct").vjp(f, x)):
        with pytest.raises(ad.SCTError, match=r"(?s)" + re.escape(what) + r".*test_sct_index_writes\.py, line \d+"):
            run()
    assert np.array_equal(x, [0.3, -0.7, 1.1])  # the caller's array is untouched
