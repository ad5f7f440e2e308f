"""A Python float input that is (or makes) a real 0.0 is differentiated again on SCT, as in JAX.

SCT's generated code takes a Python ``0.0`` for its placeholder, a symbolic zero whose rules are left
out. An input ``0.0`` given as a Python float, or a value computed from Python floats that came out
``0.0`` (``x - 0.5`` at 0.5), was taken for it, and an outer derivative lost that value's terms, with no
error: the third derivative of ``x * x * x`` at 0.0 by ``jacfwd(jacfwd(jacrev(f)))`` was 0 (JAX: 6), by
``grad(grad(grad(f)))`` of ``(x - 0.5) ** 3`` written as a product at 0.5 it was 4, and the derivative
by ``t`` of ``jvp(sin, (0.5,), (t,))[1]`` at ``t = 0.0`` was 0 (JAX: cos 0.5). The same inputs as
NumPy scalars were right. Checked against JAX in float64 on several points, with the results' type
(Python floats in, Python floats out) as before.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = ("sct", "overloading")
C = 0.5


def shifted_cube(x):
    d = x - C
    return d * d * d + anp.sin(x) * d


def third_orders(e):
    return {"rrr": e.grad(e.grad(e.grad(shifted_cube))),
            "ffr": e.jacfwd(e.jacfwd(e.jacrev(shifted_cube))),
            "rfr": e.jacrev(e.jacfwd(e.jacrev(shifted_cube))),
            "frr": e.jacfwd(e.jacrev(e.jacrev(shifted_cube)))}


def points():
    rng = np.random.default_rng(0)
    return [0.0, C, -0.0] + [float(v) for v in rng.uniform(-2.0, 2.0, 2)]


@pytest.mark.parametrize("engine_name", ENGINES)
def test_third_derivative_where_a_python_float_value_is_zero(engine_name):
    expected = jax.grad(jax.grad(jax.grad(shifted_cube)))
    for x in points():
        want = float(expected(x))
        for how, d3 in third_orders(ad.engine(engine_name)).items():
            got = d3(x)
            assert how != "rrr" or type(got) is float, (how, x, type(got))  # grad: as before the fix
            assert abs(float(got) - want) <= 1e-10 * (1.0 + abs(want)), (how, x, got, want)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_derivative_by_a_tangent_that_is_zero(engine_name):
    e = ad.engine(engine_name)

    def along(t):
        return e.jvp(lambda x: anp.sin(x) * x, (C,), (t,))[1]

    def along_jax(t):
        return jax.jvp(lambda x: jax.numpy.sin(x) * x, (C,), (t,))[1]

    for t in (0.0, 1.5):
        want = float(jax.grad(along_jax)(t))
        assert abs(e.grad(along)(t) - want) < 1e-12
        assert abs(e.jvp(along, (t,), (1.0,))[1] - want) < 1e-12


@pytest.mark.parametrize("engine_name", ENGINES)
def test_second_derivative_at_zero_by_forward_over_reverse(engine_name):
    e = ad.engine(engine_name)

    def f(x, y):
        return x * x * y + anp.exp(x) * y * y

    for x, y in ((0.0, 0.0), (0.0, 1.25), (-0.7, 0.0)):
        got = e.hessian(f, argnums=(0, 1))(x, y)
        want = jax.hessian(f, argnums=(0, 1))(x, y)
        for i in range(2):
            for j in range(2):
                assert abs(float(got[i][j]) - float(want[i][j])) < 1e-12, (x, y, i, j)
        assert abs(e.hvp(lambda v: v * v * v * anp.cos(v), (x,), (1.0,))
                   - float(jax.jvp(jax.grad(lambda v: v * v * v * jax.numpy.cos(v)), (x,), (1.0,))[1])) < 1e-12


SCT = ad.engine("sct")


def along_sct(t):
    return SCT.jvp(lambda x: anp.sin(x) * x, (C,), (t,))[1]


def test_a_kept_plan_still_takes_a_zero_tangent_as_real():
    """The direct gradient path keeps a plan after the first call; a later call at 0.0 through a nested
    jvp (engine code that tests for the placeholder 0.0) still runs on NumPy scalars."""
    g = ad.engine("sct").grad(along_sct)
    want = float(jax.grad(lambda t: jax.jvp(lambda x: jax.numpy.sin(x) * x, (C,), (t,))[1])(1.0))
    for t in (1.5, 0.0, 0.0, -0.0, 2.0):
        got = g(t)
        assert type(got) is float and abs(got - want) < 1e-12, (t, got, want)


def test_plain_float_code_keeps_python_floats_once_planned():
    """Code with no nested derivative runs on the Python floats as given (the scalar fast path)."""
    def f(x, y):
        return anp.sin(x) * y + x * x

    eng = ad.engine("sct")
    g = eng.grad(f, argnums=(0, 1))
    for x, y in ((0.3, -1.2), (0.0, 0.0), (1.1, 0.0)):
        got = g(x, y)
        want = jax.grad(f, argnums=(0, 1))(x, y)
        assert all(type(v) is float for v in got)
        assert all(abs(a - float(b)) < 1e-12 for a, b in zip(got, want)), (x, y, got)
    from adcompare.engines.sct.direct import DirectGrad
    d = DirectGrad(eng, f, (0, 1))
    d((0.3, -1.2))
    assert d.floats_as_given((0.0, 0.0))
    n = DirectGrad(eng, along_sct, 0)
    n((1.5,))
    assert not n.floats_as_given((0.0,))
