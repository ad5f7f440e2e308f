"""``x // y``, ``divmod(x, y)`` and ``round(x, n)`` on active values of the overloading engine, as in JAX.

They crashed with Python's bare "unsupported operand type(s) for //: 'Node' and 'float'" and "type Node
doesn't define __round__ method". Their results are piecewise constant, so they are constants (derivative
zero, as JAX's are), computed by NumPy's own ``floor_divide`` (``1.0 // 0.1`` is 9.0, not
``floor(1.0 / 0.1)``). Checked against JAX in float64 on several seeds, first and second order; the SCT
engine refuses them by name.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp


def floordiv(x):
    return anp.sum((x // 0.3) * x + (2.0 // (x + 3.0)) * x * x)


def divmod_parts(x):
    q, r = divmod(x, 0.7)
    return anp.sum(q * x + r * r)


def rounded(x):
    return anp.sum(round(x * 1.0, 1) * x) + round(x[0]) * x[1]


@pytest.mark.parametrize("f", [floordiv, divmod_parts, rounded])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_overloading_matches_jax(f, seed):
    x = np.random.default_rng(seed).normal(size=3) * 2.0
    eng = ad.engine("overloading")
    np.testing.assert_allclose(eng.grad(f)(x), jax.grad(f)(x), rtol=1e-12)
    np.testing.assert_allclose(eng.hessian(f)(x), jax.hessian(f)(x), rtol=1e-12, atol=1e-14)
    v = np.ones(3)
    np.testing.assert_allclose(eng.jvp(f, (x,), (v,))[1], jax.jvp(f, (x,), (v,))[1], rtol=1e-12)


def test_floor_divide_is_numpys():
    x = np.array([1.0, -1.0, 0.95])
    got = ad.engine("overloading").jvp(lambda v: v // 0.1, (x,), (np.ones(3),))
    np.testing.assert_array_equal(got[0], x // 0.1)
    np.testing.assert_array_equal(got[1], np.zeros(3))


@pytest.mark.parametrize("f", [rounded])
def test_sct_refuses_by_name(f):
    with pytest.raises(Exception, match=r"round.*not supported by the SCT engine"):
        ad.engine("sct").grad(f)(np.array([0.5, 1.5, -0.2]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sct_takes_divmod_as_jax(seed):
    """(SCT refused Python's divmod until probe 35: it is anp.divmod now.)"""
    x = np.random.default_rng(seed).normal(size=3) * 2.0
    np.testing.assert_allclose(ad.engine("sct").grad(divmod_parts)(x), jax.grad(divmod_parts)(x), rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sct_takes_floor_division_as_a_constant_as_jax(seed):
    """``//`` of a differentiated value has no derivative in JAX (and on the overloading engine); SCT refused it
    until probe 18 (tests/test_probe18_floor_divide.py), and now agrees."""
    x = np.random.default_rng(seed).normal(size=3) * 2.0
    eng = ad.engine("sct")
    np.testing.assert_allclose(eng.grad(floordiv)(x), jax.grad(floordiv)(x), rtol=1e-12)
    v = np.ones(3)
    np.testing.assert_allclose(eng.jvp(floordiv, (x,), (v,))[1], jax.jvp(floordiv, (x,), (v,))[1], rtol=1e-12)


@pytest.mark.parametrize("op,call", [(lambda x: x // 0.3, "el.floor_divide"),
                                     (lambda x: divmod(x, 0.3), "el.floor_divide"),
                                     (lambda x: round(x, 1), "el.round")])
def test_elemental_names_the_library_call(op, call):
    with pytest.raises(TypeError, match=rf"not defined on elemental values .*test_probe7_operators\.py.*{call}"):
        ad.engine("elemental").grad(op)(1.3)
