"""SCT on tuples and lists of differentiated values given to vocabulary functions.

``anp.sum([a, a * a])`` packs the list as ``jnp.asarray`` would, and every
element's derivative flows through it, in reverse and forward mode. The
reference is the same function for JAX with the packing written out
(``jnp.asarray``). Python's own operators on lists keep their meaning (and are
refused on differentiated values, see test_sct_errors).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

sct = ad.engine("sct")
pack = jnp.asarray


def sum_of_list(a):
    return anp.sum([a, a * a])


def sum_of_list_jax(a):
    return jnp.sum(pack([a, a * a]))


def mean_of_tuple_with_constant(a):
    return anp.mean((a, anp.sin(a), 2.0))


def mean_of_tuple_with_constant_jax(a):
    return jnp.mean(pack((a, jnp.sin(a), 2.0)))


def appended_list(a):
    terms = []
    for k in range(3):
        terms.append(a * (k + 1.0))
    return anp.max(terms) + anp.sum(anp.exp(terms))


def appended_list_jax(a):
    terms = pack([a * (k + 1.0) for k in range(3)])
    return jnp.max(terms) + jnp.sum(jnp.exp(terms))


def nested_lists(a):
    m = [[a, a * 2.0], [a * a, 1.0]]
    return anp.sum(anp.stack(m) ** 2) + anp.sum(m)


def nested_lists_jax(a):
    m = pack([[a, a * 2.0], [a * a, 1.0]])
    return jnp.sum(m ** 2) + jnp.sum(m)


def list_used_twice(a):
    pair = [a, anp.tanh(a)]
    first = pair[0]
    return anp.dot(pair, pair) + first * 3.0


def list_used_twice_jax(a):
    pair = pack([a, jnp.tanh(a)])
    return jnp.dot(pair, pair) + a * 3.0


def arrays_in_a_list(x):
    rows = [x, x * 2.0, anp.sin(x)]
    return anp.sum(anp.mean(rows, axis=0) * anp.concatenate(rows)[:3])


def arrays_in_a_list_jax(x):
    rows = [x, x * 2.0, jnp.sin(x)]
    return jnp.sum(jnp.mean(pack(rows), axis=0) * jnp.concatenate(rows)[:3])


def elementwise_of_a_list(x):
    parts = (x[0], x[1] * x[2])
    return anp.sum(anp.multiply(parts, 2.0) + anp.exp(parts))


def elementwise_of_a_list_jax(x):
    parts = pack((x[0], x[1] * x[2]))
    return jnp.sum(jnp.multiply(parts, 2.0) + jnp.exp(parts))


SCALAR = [(sum_of_list, sum_of_list_jax), (mean_of_tuple_with_constant, mean_of_tuple_with_constant_jax),
          (appended_list, appended_list_jax), (nested_lists, nested_lists_jax),
          (list_used_twice, list_used_twice_jax)]
VECTOR = [(arrays_in_a_list, arrays_in_a_list_jax), (elementwise_of_a_list, elementwise_of_a_list_jax)]


def _cases():
    for f, ref in SCALAR:
        yield f, ref, lambda rng: float(rng.uniform(-1, 1))
    for f, ref in VECTOR:
        yield f, ref, lambda rng: rng.uniform(-1, 1, 3)


CASES = list(_cases())
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("f, reference, draw", CASES, ids=IDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reverse_mode_matches_jax(f, reference, draw, seed):
    x = draw(np.random.default_rng(seed))
    value, grad = sct.value_and_grad(f)(x)
    want_value, want_grad = jax.value_and_grad(reference)(jnp.asarray(x))
    np.testing.assert_allclose(value, want_value, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("f, reference, draw", CASES, ids=IDS)
@pytest.mark.parametrize("seed", [0, 1])
def test_forward_mode_matches_jax(f, reference, draw, seed):
    rng = np.random.default_rng(seed)
    x, t = draw(rng), draw(rng)
    value, tangent = sct.jvp(f, (x,), (t,))
    want_value, want_tangent = jax.jvp(reference, (jnp.asarray(x),), (jnp.asarray(t),))
    np.testing.assert_allclose(value, want_value, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tangent, want_tangent, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("f, reference", [(sum_of_list, sum_of_list_jax), (arrays_in_a_list, arrays_in_a_list_jax)])
def test_jax_inputs_and_jit(f, reference):
    x = jnp.asarray(0.4) if f is sum_of_list else jnp.asarray([0.1, -0.5, 0.7])
    want = jax.grad(reference)(x)
    np.testing.assert_allclose(sct.grad(f)(x), want, rtol=1e-12)
    np.testing.assert_allclose(jax.jit(sct.grad(f))(x), want, rtol=1e-12)


def stacks_a_list_of_constants(p0):
    x1 = p0  # x1 is active here, and a stack of constants later
    acc = []
    for i in range(2):
        acc.append(anp.sin(0.5 * i))
    x1 = anp.stack(acc)
    return anp.sum(x1) + anp.sum(p0 * p0)


def test_a_list_of_constants_gets_no_cotangent():
    """The random-program generator found this: the reverse sweep read an unset cotangent of ``acc``."""
    x = np.array([1.0, 2.0])
    expected = jax.grad(lambda p: jnp.sum(jnp.stack([jnp.sin(0.0), jnp.sin(0.5)])) + jnp.sum(p * p))(jnp.asarray(x))
    assert np.allclose(ad.engine("sct").grad(stacks_a_list_of_constants)(x), expected, rtol=1e-12, atol=0)
