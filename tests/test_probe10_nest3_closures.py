"""Three and four nested derivatives of lambdas and nested defs on SCT (nest3 probe), against JAX float64.

SCT refused these as "a nested function ... closing over differentiated values ... (three nested levels)"
although JAX computes them: the outer derivative transformed a closure's derivative program, whose
generated code calls the closure stand-ins' sweeps (``derive``, ``apply``: results that hold closures),
and handed those sweeps to the boxes. Such a program call is now taken on the boxes as a whole for that
one call (``transform._entry_of``), as a made derivative's program already was: the same generated code,
differentiated operation by operation. Each program is written once for both engines (``E``, ``m``: an
engine and its NumPy; JAX and jax.numpy for the oracle), checked at several inputs.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp

jax.config.update("jax_enable_x64", True)


class Jax:
    grad, jacfwd, jacrev, jvp, vjp = jax.grad, jax.jacfwd, jax.jacrev, jax.jvp, jax.vjp
    value_and_grad = jax.value_and_grad


def brief(E, m, x):  # the task's program: the innermost lambda captures nothing differentiated at its level
    def f(x, y):
        return m.sin(x * y) * x

    g = lambda a: E.grad(lambda c: E.grad(f, 1)(c, a) * c)(a * 2.0)  # noqa: E731
    return E.grad(g)(x)


def confusion(E, m, x):  # perturbation confusion nested once more: d/da [a * d/db [(a b) * d/dc sin(a b c)]]
    return E.grad(lambda a: a * E.grad(lambda b: (a * b) * E.grad(lambda c: m.sin(a * b * c))(a + b))(2.0 * a))(x)


def confusion_sum(E, m, x):  # d/da [a * d/db [b * d/dc (a + b + c)]] = 1
    return E.grad(lambda a: a * E.grad(lambda b: b * E.grad(lambda c: a + b + c)(b))(a))(x)


def four(E, m, x):
    return E.grad(lambda a: E.grad(lambda b: E.grad(lambda c: E.grad(lambda d: m.sin(a * b * c * d))(c))(b) * a)(a))(x)


def defs(E, m, x):  # nested defs, the innermost capturing values of two levels
    def outer(a):
        def mid(b):
            def inner(c):
                return m.exp(a * c) * b

            return E.grad(inner)(b) + a * b

        return E.grad(mid)(a * a)

    return E.grad(outer)(x)


def jacobians(E, m, x):
    return (E.jacfwd(lambda a: E.grad(lambda b: E.jacrev(lambda c: m.cos(a * c * b))(b))(a))(x)
            + E.jacrev(lambda a: E.jacfwd(lambda b: E.grad(lambda c: m.cos(a * c) * b)(b * a))(a))(x))


def jvp_inside(E, m, x):
    return E.grad(lambda a: E.jvp(lambda b: E.grad(lambda c: m.sin(a * b * c))(b), (a,), (1.0,))[1])(x)


def argnums(E, m, x):
    def f(p, q):
        return m.sin(p) * q * q

    return E.grad(lambda a: E.grad(lambda c, d: E.grad(f, 1)(c, d) * a, argnums=1)(a, 2.0 * a))(x)


def outer_jvp_vjp(E, m, x):
    g = lambda a: E.grad(lambda c: E.grad(lambda d: m.sin(c * d) * a)(c * a))(a)  # noqa: E731
    return E.jvp(g, (x,), (1.0,))[1] + 2.0 * E.vjp(g, x)[1](1.0)[0]


def value_and_grad(E, m, x):
    def g(a):
        v, d = E.value_and_grad(lambda c: E.grad(lambda q: m.sin(q * c * a))(c))(a)
        return v * d

    return E.grad(g)(x)


# (program, inputs): several inputs across the programs, each program's transformations costing about a second;
# also checked, not kept here for CI's time: four levels, jacfwd/jacrev mixed, an outer jvp and vjp
CASES = [(brief, (0.7, -1.3)), (confusion, (0.9,)), (confusion_sum, (-0.4,)), (defs, (-1.1,)),
         (jvp_inside, (1.7,)), (argnums, (0.3,)), (value_and_grad, (-0.8,))]


@pytest.mark.parametrize(("program", "xs"), CASES, ids=[p.__name__ for p, _ in CASES])
def test_nested_closures_as_jax(program, xs):
    e, oracle = ad.engine("sct"), jax.jit(lambda x: program(Jax, jnp, x))  # jitted: JAX's eager nesting is slow
    for x in xs:
        np.testing.assert_allclose(program(e, anp, x), oracle(x), rtol=1e-10, atol=1e-12)
