"""SCT on Python control flow: small functions, one or more per supported construct.

Each function is differentiated by the SCT engine (grad and jvp) and by JAX on
several inputs, chosen away from branch boundaries. JAX runs the same source,
with its Python control flow on concrete values.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy
import pytest

import adcompare as ad
import adcompare.numpy as anp
import adcompare.numpy as xp  # an alias: vocabulary is recognized by identity, not by name
from adcompare.engine import partial_args
from adcompare.numpy import sin as sine
from adcompare.oracle import max_error
from adcompare.workloads.control import newton_sqrt as while_newton  # data-dependent while

sct = ad.engine("sct")
SCALE = 1.5  # a read-only global


# --- branches -------------------------------------------------------------------


def branch_if_else(x):
    if x > 0.0:
        y = x * x
    else:
        y = -x
    return y


def branch_elif_chain(x):
    if x < -1.0:
        y = anp.sin(x)
    elif x < 0.0:
        y = x ** 3
    elif x < 1.0:
        y = anp.exp(x)
    else:
        y = anp.log(x) + 1.0
    return y * x


def branch_if_without_else(x):
    y = x * 2.0
    if y > 1.0:
        y = anp.tanh(y)
    return y * y


def nested_ifs(x, w):
    if x > 0.0:
        if w > 0.0:
            r = x * w
        else:
            r = x - w
    else:
        r = w * w
        if x < -1.0:
            r = r * x
    return r


def conditional_expression(x):
    y = x * x if x > 0.0 else anp.sin(x)
    return (x if y > 0.5 else -x) * y


def early_return(x):
    if x > 1.0:
        return x * x
    y = anp.sin(x)
    return y + x


def several_returns(x):
    if x < -1.0:
        return -x
    elif x < 0.0:
        return x * x
    y = anp.exp(x)
    if y > 2.0:
        return y * x
    return y


def constant_branch(x):
    if x < 0.0:
        return 0.0
    return x * x


# --- for loops ------------------------------------------------------------------


def for_range(x):
    y = x
    for i in range(4):
        y = y * x + i
    return y


def for_range_start_stop_step(x):
    y = 0.0
    for i in range(7, 1, -2):
        y = y + anp.sin(x * i)
    for j in range(2, 9, 3):
        y = y * 0.5 + x ** j
    return y


def for_over_rows(a, w):
    total = 0.0
    for row in a:
        total = total + anp.sum(anp.tanh(row * w))
    return total


def for_with_break(x):
    y = x
    for _ in range(20):
        y = y * 1.5 + 0.1
        if y > 4.0:
            break
        y = anp.sin(y) + x
    return y


def for_with_continue(x):
    y = 0.0
    for i in range(6):
        if i % 2 == 0:
            continue
        y = y + anp.cos(x * i)
    return y


def nested_loops(x):
    y = x
    for i in range(3):
        for j in range(i):
            y = y * x + j
    return y


def reversed_loop(x):
    y = x
    for i in reversed(range(1, 4)):
        y = anp.sin(y) * i + x
    return y


def empty_loop(x):
    y = x * 3.0
    for _ in range(0):
        y = y * x
    return y


def reassigned_parameter(x):
    for _ in range(3):
        x = anp.sin(x) + 0.5
    return x * x


def branch_on_elements(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] > 0.0:
            s = s + x[i] ** 2
        else:
            s = s - anp.sin(x[i])
    return s


# --- while loops ------------------------------------------------------------------


def while_with_break(x):
    y = x
    n = 0
    while True:
        y = anp.sin(y) + x * 0.5
        n += 1
        if n >= 5 or y > 1.2:
            break
    return y * n


def while_with_continue(x):
    y = x
    k = 0
    while k < 6:
        k += 1
        if k == 3:
            continue
        y = y * anp.cos(y) + x
    return y


# --- combinations -----------------------------------------------------------------


def while_in_for_with_break(x):
    y = x
    for i in range(3):
        k = 0
        while True:
            y = anp.sin(y) + x
            k += 1
            if k > i:
                break
        y = y * 1.1
    return y


def return_inside_loop(x):
    y = x
    for _ in range(10):
        y = y * x + 0.5
        if y > 3.0:
            return y * y
    return -y


def return_inside_nested_loops(x):
    y = x
    for i in range(4):
        for j in range(3):
            y = y + anp.sin(x * (i + j))
            if y > 2.5:
                return y * x
    return y


def newton_in_loop(x):
    total = 0.0
    for i in range(3):
        total = total + while_newton(x + i)
    return total


# --- calls and recursion ---------------------------------------------------------


def power_rec(x, n):
    if n == 0:
        return 1.0
    if n % 2 == 0:
        h = power_rec(x, n // 2)
        return h * h
    return x * power_rec(x, n - 1)


def recursion_with_branch(x):
    return power_rec(x, 5) + power_rec(anp.sin(x), 2)


def helper_piecewise(x, c=0.5):
    if x > c:
        return x - c
    return anp.exp(x - c)


def calls_helper(x):
    return helper_piecewise(x) * helper_piecewise(x * x, c=1.0)


def polar(r, t):
    return r * anp.cos(t), r * anp.sin(t)


def tuple_return_unpack(r, t):
    a, b = polar(r, t)
    c, d = polar(a, b)
    return a * d - b * c


# --- assignments, names, operators -------------------------------------------------


def tuple_pack_swap(x):
    a, b = x, x * 2.0
    a, b = b, a
    pair = (a, b * b)
    p, q = pair
    return p - q + pair[0]


def chained_assignment(x):
    a = b = x * 2.0
    c = a * b
    return c + a


def augmented(x):
    y = x
    y += 1.0
    y *= x
    y -= anp.sin(x)
    y /= x * x + 1.0
    return y


def closure_factory(scale):
    def scaled(x):
        return anp.sin(x * scale) * SCALE

    return scaled


closure_and_global = closure_factory(0.7)


def aliases(x):
    return xp.tanh(x) * sine(x) + anp.exp(-x)


def slicing(x, a):
    head, tail = x[:-1], x[1:]
    y = anp.sum(head * tail) + x[-1] * x[0]
    return y + anp.sum(x[::2]) + anp.sum(a[1:, :2] * x[0]) + a[0, 1] * x[1]


def builtins_on_ints(x):
    n = min(len(x), 3)
    m = max(n - 1, 1)
    y = 0.0
    for i in range(n):
        y = y + abs(x[i]) * m
    return y


def operators_and_powers(x, y):
    return (-x) * (+y) + x ** 3 + 2.0 ** x + x ** y - y / x


def negative_literals(x):
    return (-0.5) ** 2 * x + (-x) ** 2 - 2.0 ** -x + (-1) * x


def constants_and_asserts(x):
    assert x > -100.0, "x is out of range"
    scale = 3.0
    offset = None
    if offset is None:
        offset = 0.25
    return x * scale + offset


def list_append_stack(x):
    rows = []
    for i in range(3):
        rows.append(x * (i + 1.0))
    rows.append(anp.sin(x))
    return anp.sum(anp.stack(rows) ** 2)


def vocabulary(x):
    a = anp.reshape(x, (2, 3))
    b = anp.transpose(a) @ a + anp.dot(x, x)
    c = anp.concatenate([anp.sum(a, axis=0), anp.mean(a, axis=1), anp.max(a, axis=0)])
    d = anp.stack([anp.tan(x * 0.3), anp.log1p(x * x), anp.expm1(x * 0.1)], axis=1)
    e = anp.where(x > 0.0, anp.maximum(x, 0.1), anp.minimum(x, -0.1))
    f = anp.sigmoid(x) + anp.sqrt(x * x + 1.0) + anp.abs(x) - anp.negative(anp.cos(x))
    g = anp.broadcast_to(anp.logsumexp(a, axis=1), (3, 2))
    h = anp.divide(anp.subtract(x, 1.0), anp.add(2.0, anp.multiply(x, x))) + anp.power(x * x, 1.5)
    return (anp.sum(b) + anp.sum(c * c) + anp.sum(d) + anp.sum(e * f) + anp.sum(g)
            + anp.matmul(x, x) + anp.sum(anp.getitem(h, slice(1, 4))) + anp.mean(anp.log(x * x + 1.0))
            + anp.gammaln(3.5) * anp.sum(anp.exp(anp.sin(x))))  # gammaln: on constants only


def methods(x):
    a = x.reshape(2, 3)
    return a.T.sum() * a.mean() + a.max(axis=1).sum() + (a.T @ a).sum()


RNG = numpy.random.default_rng(7)
SCALARS = [(1.3,), (-0.7,), (0.4,)]
CASES = [
    (branch_if_else, SCALARS, 0),
    (branch_elif_chain, [(-1.5,), (-0.5,), (0.5,), (2.0,)], 0),
    (branch_if_without_else, [(0.2,), (1.1,)], 0),
    (nested_ifs, [(1.0, 2.0), (1.0, -2.0), (-0.5, 1.5), (-2.0, 0.7)], (0, 1)),
    (conditional_expression, [(1.2,), (0.3,), (-0.4,)], 0),
    (early_return, [(1.5,), (0.5,)], 0),
    (several_returns, [(-1.5,), (-0.5,), (0.2,), (1.0,)], 0),
    (constant_branch, [(-1.0,), (2.0,)], 0),
    (for_range, SCALARS, 0),
    (for_range_start_stop_step, SCALARS, 0),
    (for_over_rows, [(RNG.normal(size=(3, 4)), RNG.normal(size=4))], (0, 1)),
    (for_with_break, [(0.3,), (0.9,), (-0.2,)], 0),
    (for_with_continue, SCALARS, 0),
    (nested_loops, SCALARS, 0),
    (reversed_loop, SCALARS, 0),
    (empty_loop, SCALARS, 0),
    (reassigned_parameter, SCALARS, 0),
    (branch_on_elements, [(RNG.normal(size=6),), (RNG.normal(size=3),)], 0),
    (while_newton, [(2.0,), (0.3,), (9.0,)], 0),
    (while_with_break, [(0.1,), (1.5,), (0.8,)], 0),
    (while_with_continue, [(0.3,), (0.6,)], 0),
    (while_in_for_with_break, [(0.2,), (0.7,)], 0),
    (return_inside_loop, [(1.1,), (1.6,), (0.5,)], 0),
    (return_inside_nested_loops, [(0.3,), (1.2,), (-0.3,)], 0),
    (newton_in_loop, [(1.0,), (3.0,)], 0),
    (recursion_with_branch, SCALARS, 0),
    (calls_helper, [(0.2,), (0.8,), (1.5,)], 0),
    (tuple_return_unpack, [(1.2, 0.4), (0.5, -1.1)], (0, 1)),
    (tuple_pack_swap, SCALARS, 0),
    (chained_assignment, SCALARS, 0),
    (augmented, SCALARS, 0),
    (closure_and_global, SCALARS, 0),
    (aliases, SCALARS, 0),
    (slicing, [(RNG.normal(size=5), RNG.normal(size=(3, 4)))], (0, 1)),
    (builtins_on_ints, [(RNG.normal(size=5),), (RNG.normal(size=2),)], 0),
    (operators_and_powers, [(1.3, 0.7), (0.6, 2.0)], (0, 1)),
    (negative_literals, SCALARS, 0),
    (constants_and_asserts, SCALARS, 0),
    (list_append_stack, SCALARS, 0),
    (vocabulary, [(RNG.normal(size=6),), (RNG.normal(size=6),)], 0),
    (methods, [(RNG.normal(size=6),)], 0),
]


def _jax(args):
    return tuple(jnp.asarray(a, dtype=jnp.float64) if isinstance(a, (float, numpy.ndarray)) else a
                 for a in args)


def _nums(argnums) -> tuple[int, ...]:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


@pytest.mark.parametrize("f, inputs, argnums", CASES, ids=[c[0].__name__ for c in CASES])
def test_grad_and_jvp_match_jax(f, inputs, argnums):
    assert len(CASES) >= 30
    rng = numpy.random.default_rng(0)
    for args in inputs:
        ours = sct.grad(f, argnums)(*args)
        theirs = jax.grad(f, argnums)(*_jax(args))
        assert max_error(ours, theirs) < 1e-12, (f.__name__, args)

        nums = _nums(argnums)
        primals = tuple(args[i] for i in nums)
        tangents = tuple(float(rng.normal()) if isinstance(p, float) else rng.normal(size=numpy.shape(p))
                         for p in primals)
        y, y_dot = sct.jvp(partial_args(f, args, nums), primals, tangents)
        y_jax, y_dot_jax = jax.jvp(partial_args(f, _jax(args), nums), _jax(primals), _jax(tangents))
        assert max_error((y, y_dot), (y_jax, y_dot_jax)) < 1e-12, (f.__name__, args)


@pytest.mark.parametrize("f, args", [
    (while_in_for_with_break, (0.7,)), (return_inside_loop, (1.1,)), (recursion_with_branch, (0.4,)),
    (list_append_stack, (0.3,)), (branch_on_elements, (RNG.normal(size=4),))])
def test_jax_inputs_and_hessians(f, args):
    """The same generated code runs on jax arrays, and under the boxes of a second derivative."""
    expected = jax.grad(f)(*_jax(args))
    assert max_error(sct.grad(f)(*_jax(args)), expected) < 1e-12
    h_expected = jax.hessian(f)(*_jax(args))
    for mode in ("fwd-rev", "rev-rev"):
        assert max_error(sct.hessian(f, mode=mode)(*args), h_expected) < 1e-11
