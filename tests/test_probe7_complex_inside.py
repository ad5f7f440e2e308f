"""A complex number inside a differentiated computation is refused, never differentiated wrongly.

``grad(lambda x: abs(x * 1j))`` gave 0.0 (JAX: 1.0) on the overloading and SCT engines, and
``abs(exp(1j * x))`` gave -0.644 (JAX: 0): the rules are written for real values, and the complex
derivative was cast back to the real input's dtype, dropping its imaginary part. Now a complex operand
meeting an active value is refused at the user's line (boxes: overloading, elemental, SCT's second
order), a derivative that comes out complex for a real input is refused at the engine boundary (SCT's
generated code), and ``anp.imag`` refuses complex arguments as ``anp.real`` and ``anp.conj`` do.
Real computations next to complex constants that never meet an active value are unaffected.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare import elemental as el

NATURAL = [e for e in ad.ENGINES if e != "elemental"]


def abs_times_i(x):
    return abs(x * 1j)


def abs_of_complex_array(x):
    return anp.abs(anp.array(1j) * x)


def modulus_of_phase(x):
    return anp.abs(anp.exp(1j * x))


def imag_of_product(x):
    return anp.imag(x * 1j)


def abs_plus_i(x):
    return abs(x + 0.5j)


SCT_LINE = r"(?s)complex operand meets a differentiated value.*test_probe7_complex_inside\.py, line \d+"
BOX_LINE = r"multiply: a complex operand meets a differentiated value at .*test_probe7_complex_inside\.py:\d+"
PROGRAMS = [abs_times_i, abs_of_complex_array, modulus_of_phase, imag_of_product, abs_plus_i]


@pytest.mark.parametrize("engine", NATURAL)
@pytest.mark.parametrize("f", PROGRAMS)
@pytest.mark.parametrize("mode", ["grad", "jvp", "vjp", "hessian"])
def test_complex_inside_is_refused(engine, f, mode):
    eng = ad.engine(engine)
    with pytest.raises(TypeError, match="complex"):
        if mode == "grad":
            eng.grad(f)(0.7)
        elif mode == "jvp":
            eng.jvp(f, (0.7,), (1.0,))
        elif mode == "vjp":
            eng.vjp(f, 0.7)[1](1.0)
        else:
            eng.hessian(f)(0.7)


@pytest.mark.parametrize("engine", ad.ENGINES)
def test_the_refusal_names_the_users_line_on_boxes(engine):
    if engine == "elemental":  # library calls carry pairs, not boxes: refused where the derivative comes out
        def f(x):
            return el.abs(el.multiply(x, 1j))
        with pytest.raises(TypeError, match="a derivative came out complex"):
            ad.engine(engine).grad(f)(0.7)
        return
    else:
        def f(x):
            return anp.abs(anp.multiply(x, 1j))
    eng = ad.engine(engine)
    if engine == "sct":
        eng = ad.engine("sct", higher="boxes")
        with pytest.raises(TypeError, match=SCT_LINE):
            eng.hessian(f)(0.7)
        return
    with pytest.raises(TypeError, match=BOX_LINE):
        eng.grad(f)(0.7)


def constant_complex_beside(x):
    z = anp.abs(np.exp(1j * np.array([0.3, 1.1])))  # complex, but only among constants
    return anp.sum(anp.sin(x) * z)


@pytest.mark.parametrize("engine", NATURAL)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_complex_among_constants_still_differentiates(engine, seed):
    x = np.random.default_rng(seed).normal(size=2)
    np.testing.assert_allclose(ad.engine(engine).grad(constant_complex_beside)(x),
                               jax.grad(constant_complex_beside)(x), rtol=1e-12)


def test_imag_of_a_real_is_still_a_zero_constant():
    np.testing.assert_array_equal(anp.imag(np.array([0.5, -2.0])), np.zeros(2))
    with pytest.raises(TypeError, match="imag: complex arguments are not supported"):
        anp.imag(np.array([1j]))


@pytest.mark.parametrize("x", [np.float64(0.7), np.array(0.7), np.array([0.7, -0.2])])
@pytest.mark.parametrize("engine", NATURAL)
def test_abs_of_a_complex_intermediate_on_numpy_inputs_is_refused(engine, x):
    """SCT's code does not check operands: |x + 0.5j| on NumPy inputs had the real rule's sign, 1.0
    (JAX: 0.814), silently; the rule's complex sign now makes the cotangent complex, refused."""
    with pytest.raises(TypeError, match="complex"):
        ad.engine(engine).grad(lambda v: anp.sum(abs(v + 0.5j)))(x)
