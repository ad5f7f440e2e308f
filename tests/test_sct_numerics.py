"""SCT on Python floats follows NumPy's and JAX's numerics: inf and nan, never an exception.

Generated code runs Python's ``/`` and ``**``, which raise ``ZeroDivisionError``
or ``OverflowError`` on floats, or return a complex number for a negative base
to a fractional power. SCT's primal and derivative code must give what JAX gives
instead (``inf``, ``nan``), in forward and reverse mode, in branch tests too.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

sct = ad.engine("sct")
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's, for inf and nan


def divide(x, y):
    return x / y


def reciprocal_times(x, y):
    return 1.0 / x * y


def divides_in_place(x, y):
    z = x * 2.0
    z /= y
    return z + x


def root_and_log(x):
    return anp.sqrt(x) + anp.log(x)


def log1p_of(x):
    return anp.log1p(x) * x


def half_power(x):
    return x ** 0.5


def power(x, y):
    return x ** y


def exponential(x):
    return anp.exp(x) * 2.0


def divides_in_a_test(x, y):
    if x / y > 1.0:
        return x * 2.0
    return x * 3.0


def divides_in_a_loop_test(x, y):
    s = x
    n = 0
    while s / y > 0.0 and n < 3:
        s = s - 1.0
        n = n + 1
    return s * x


CASES = [
    (divide, (1.0, 0.0)), (divide, (0.0, 0.0)), (divide, (-2.0, 0.0)), (divide, (3.0, 1.5)),
    (reciprocal_times, (0.0, 2.0)), (divides_in_place, (1.0, 0.0)),
    (root_and_log, (0.0,)), (root_and_log, (-1.0,)), (root_and_log, (2.0,)),
    (log1p_of, (-1.0,)),
    (half_power, (-4.0,)), (half_power, (0.0,)),
    (power, (-4.0, 0.5)), (power, (0.0, -1.0)), (power, (10.0, 400.0)), (power, (-8.0, 1.0 / 3.0)),
    (power, (-2.0, 3.0)),
    (exponential, (1000.0,)),
    (divides_in_a_test, (1.0, 0.0)), (divides_in_a_test, (-1.0, 0.0)),
    (divides_in_a_loop_test, (2.0, 0.0)),
]


def _check(got, want):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                               rtol=1e-12, atol=0, equal_nan=True)


@pytest.mark.parametrize("f, args", CASES, ids=[f"{f.__name__}{args}" for f, args in CASES])
def test_reverse_mode_matches_jax(f, args):
    nums = tuple(range(len(args)))
    value, grads = sct.value_and_grad(f, nums)(*args)
    want_value, want_grads = jax.value_and_grad(f, nums)(*map(jnp.float64, args))
    assert not isinstance(value, complex)
    _check(value, want_value)
    for g, w in zip(grads, want_grads):
        _check(g, w)


@pytest.mark.parametrize("f, args", CASES, ids=[f"{f.__name__}{args}" for f, args in CASES])
def test_forward_mode_matches_jax(f, args):
    tangents = tuple(0.5 + k for k in range(len(args)))
    value, tangent = sct.jvp(f, args, tangents)
    want_value, want_tangent = jax.jvp(f, tuple(map(jnp.float64, args)), tuple(map(jnp.float64, tangents)))
    assert not isinstance(value, complex) and not isinstance(tangent, complex)
    _check(value, want_value)
    _check(tangent, want_tangent)


def test_integer_divisor_zero():
    def scaled(x, n):
        return x / n

    _check(sct.grad(scaled)(2.0, 0), jax.grad(scaled)(jnp.float64(2.0), 0))
    _check(sct.jvp(lambda_free_partial(scaled, 0), (2.0,), (1.0,))[1],
           jax.jvp(lambda x: scaled(x, 0), (jnp.float64(2.0),), (jnp.float64(1.0),))[1])


def lambda_free_partial(f, n):
    def at(x):
        return f(x, n)

    return at


def test_second_order_at_a_pole():
    _check(sct.hessian(divide)(1.0, 0.0), jax.hessian(divide)(jnp.float64(1.0), jnp.float64(0.0)))


def test_arrays_with_zeros_match_jax():
    x = np.array([1.0, 0.0, -2.0, 4.0])
    y = np.array([0.0, 0.0, 2.0, -1.0])

    def f(a, b):
        return anp.sum(a / b + a ** 0.5 * b)

    for got, want in zip(sct.grad(f, (0, 1))(x, y), jax.grad(f, (0, 1))(jnp.asarray(x), jnp.asarray(y))):
        _check(got, want)
