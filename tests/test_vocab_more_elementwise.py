"""More vocabulary (h11): elementwise names. New primitives ``erfc``, ``erfinv`` and ``fmod`` (rules in
adcompare/rules/, on every engine, the elemental one included), ``copysign`` and ``heaviside`` (compositions,
as JAX computes them), the constants ``trunc``/``fix``, ``rint``, ``signbit``, ``logical_xor``, and NumPy 2's
names (``acos``... ``atan2``, ``pow``, ``float_power``), against JAX in float64.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest
from vocab_more_check import ENGINES, close, program_tests, seeded

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp


def _special(np_):
    return jsp if np_ is jnp else np_


def special(np_):
    sp = _special(np_)

    def f(x, y):
        out = np_.sum(sp.erfc(x) * y) + np_.sum(sp.erfinv(np_.tanh(x)) * y) + np_.sum(np_.fmod(x * 3.0, y) ** 2)
        out = out + np_.sum(np_.copysign(x * y, y)) + np_.sum(np_.heaviside(np_.trunc(y * 2.0), x) * x)
        out = out + np_.sum(np_.rint(x * 3.0) * y) + np_.sum(np_.float_power(np_.abs(x) + 1.0, y))
        out = out + np_.sum(np_.atan2(x, y) + np_.acos(np_.tanh(x)) + np_.asinh(y) + np_.pow(np_.exp(x), y))
        return out + np_.sum(np_.where(np_.logical_xor(x > 0, np_.signbit(y)), x, y * y))
    return f


test_program_against_jax = program_tests([special], [(6,), (6,)])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_edges_as_jax():
    """Signed zeros (copysign, signbit), ties of rint (to even), trunc of negatives, heaviside at 0 and nan,
    fmod of negative operands, erfc far in its tail (1 - erf would lose every digit), erfinv at +-1."""
    x = np.array([0.0, -0.0, 2.5, -2.5, 0.5, -1.7, 7.0, np.nan])
    y = np.array([-0.0, 0.0, 1.5, -1.5, 0.0, 2.0, -3.0, 1.0])
    for name in ("copysign", "heaviside", "fmod"):
        np.testing.assert_array_equal(getattr(anp, name)(x, y), getattr(jnp, name)(x, y))
    for name in ("trunc", "rint", "signbit"):
        np.testing.assert_array_equal(getattr(anp, name)(x), getattr(jnp, name)(x))
    np.testing.assert_allclose(anp.erfc(np.array([5.0, 9.0, -3.0])), jsp.erfc(np.array([5.0, 9.0, -3.0])), rtol=1e-14)
    np.testing.assert_array_equal(anp.erfinv(np.array([1.0, -1.0, 0.0])), jsp.erfinv(np.array([1.0, -1.0, 0.0])))
    grads = jax.grad(lambda a, b: jnp.sum(jnp.copysign(a, b) + jnp.heaviside(b, a)), (0, 1))
    x, y = np.array([0.0, 1.5, -2.0, 0.0]), np.array([-0.0, 0.0, 1.0, -3.0])
    for eng in ENGINES.values():
        close(eng.grad(lambda a, b: anp.sum(anp.copysign(a, b) + anp.heaviside(b, a)), (0, 1))(x, y), grads(x, y))


def test_new_primitives_on_the_elemental_engine():
    def f(x, y):
        return el.add(el.sum(el.multiply(el.erfc(x), el.erfinv(el.tanh(y)))), el.sum(el.fmod(el.multiply(x, 4.0), y)))

    def f_jax(x, y):
        return jnp.sum(jsp.erfc(x) * jsp.erfinv(jnp.tanh(y))) + jnp.sum(jnp.fmod(x * 4.0, y))

    eng = ad.engine("elemental")
    for x, y in seeded([(5,), (5,)]):
        close(eng.value_and_grad(f, (0, 1))(x, y), jax.value_and_grad(f_jax, (0, 1))(x, y))
    x, y = seeded([(3,), (3,)])[0]
    close(eng.hessian(f, (0, 1))(x, y), jax.hessian(f_jax, (0, 1))(x, y))
