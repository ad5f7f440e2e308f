"""Probe 17 (fixes): Fortran order and the other options of item 5 (``ravel``/``flatten``/``reshape`` ``order="F"``,
``qr(mode="raw")``, ``anp.fft``): each supported as JAX's or refused clearly, none silently in C order.

``anp.ravel(x, order="F")``, ``x.ravel(order="F")`` and ``x.flatten("F")`` were refused although JAX runs them
(column-major: ``jnp.ravel`` reshapes the transpose), and ``x.reshape(shape, order="F")`` on the overloading
engine failed as a TypeError of the box's method (``Operators.reshape() got an unexpected keyword argument``).
All run now on every engine that has the name, checked against JAX in float64 (values, gradients, JVPs);
``order="A"`` and ``"K"`` stay refused, as JAX refuses them, and so do ``qr(mode="raw")`` (NumPy's LAPACK
form, which JAX does not take either) and ``anp.fft`` (not in the vocabulary: no silent answer; SCT named it
"the method .fft() called on an object SCT cannot resolve", now a call of ``anp.fft.fft``, not defined, as it
names ``anp.nosuch(x)``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-14)
RNG = np.random.default_rng(1717)
INPUTS = [RNG.normal(size=(2, 3, 2)) for _ in range(3)]
W = RNG.normal(size=12)


def _weighted(flat):
    return anp.sum(anp.sin(flat) * W)


def _weighted_el(flat):
    return el.sum(el.multiply(el.sin(flat), W))


# (name, the natural form, the elemental form, JAX's)
CASES = [
    ("ravel", lambda x: _weighted(anp.ravel(x, order="F")), lambda x: _weighted_el(el.ravel(x, order="F")),
     lambda x: jnp.sum(jnp.sin(jnp.ravel(x, order="F")) * W)),
    ("ravel positional", lambda x: _weighted(anp.ravel(x, "F")), lambda x: _weighted_el(el.ravel(x, "F")),
     lambda x: jnp.sum(jnp.sin(jnp.ravel(x, "F")) * W)),
    ("ravel C", lambda x: _weighted(anp.ravel(x, order="C")), lambda x: _weighted_el(el.ravel(x, order="C")),
     lambda x: jnp.sum(jnp.sin(jnp.ravel(x)) * W)),
    ("reshape", lambda x: _weighted(anp.ravel(anp.reshape(x, (3, 4), order="F"))),
     lambda x: _weighted_el(el.ravel(el.reshape(x, (3, 4), order="F"))),
     lambda x: jnp.sum(jnp.sin(jnp.ravel(jnp.reshape(x, (3, 4), order="F"))) * W)),
]
METHODS = [
    ("x.ravel", lambda x: _weighted(x.ravel(order="F")), lambda x: jnp.sum(jnp.sin(x.ravel(order="F")) * W)),
    ("x.flatten", lambda x: _weighted(x.flatten("F")), lambda x: jnp.sum(jnp.sin(x.flatten("F")) * W)),
    ("x.reshape", lambda x: _weighted(x.reshape((4, 3), order="F").ravel()),
     lambda x: jnp.sum(jnp.sin(x.reshape((4, 3), order="F").ravel()) * W)),
    ("x.reshape args", lambda x: _weighted(x.reshape(12, order="F")),
     lambda x: jnp.sum(jnp.sin(x.reshape(12, order="F")) * W)),
]


def _check(eng, f, ref, x):
    want, want_grad = jax.value_and_grad(ref)(jnp.asarray(x))
    value, grad = eng.value_and_grad(f)(x)
    np.testing.assert_allclose(value, want, **TOL)
    np.testing.assert_allclose(grad, want_grad, **TOL)
    t = np.cos(x)
    _, want_dot = jax.jvp(ref, (jnp.asarray(x),), (jnp.asarray(t),))
    np.testing.assert_allclose(eng.jvp(f, (x,), (t,))[1], want_dot, **TOL)


@pytest.mark.parametrize("name", ["overloading", "sct", "elemental"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_fortran_order_matches_jax(case, name):
    _, f, f_el, ref = case
    for x in INPUTS:
        _check(ad.engine(name), f_el if name == "elemental" else f, ref, x)


@pytest.mark.parametrize("name", ["overloading", "sct"])
@pytest.mark.parametrize("case", METHODS, ids=lambda c: c[0])
def test_fortran_order_of_the_array_methods_matches_jax(case, name):
    _, f, ref = case
    for x in INPUTS:
        _check(ad.engine(name), f, ref, x)


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_fortran_order_on_jax_inputs(name):
    x = jnp.asarray(INPUTS[0])
    got = ad.engine(name).grad(CASES[0][1])(x)
    assert isinstance(got, jax.Array)
    np.testing.assert_allclose(got, jax.grad(CASES[0][3])(x), **TOL)


@pytest.mark.parametrize("name", ["overloading", "sct", "elemental"])
@pytest.mark.parametrize("order", ["A", "K"])
def test_orders_jax_refuses_are_refused(name, order):
    f = (lambda x: el.sum(el.ravel(x, order=order))) if name == "elemental" else \
        (lambda x: anp.sum(anp.ravel(x, order=order)))
    with pytest.raises((NotImplementedError, ValueError), match=f"order='{order}'"):
        ad.engine(name).grad(f)(INPUTS[0])


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_qr_raw_and_fft_are_refused(name):
    eng = ad.engine(name)
    with pytest.raises(NotImplementedError, match="mode='raw' is not supported"):
        eng.grad(lambda a: anp.sum(anp.linalg.qr(a, mode="raw")[0]))(INPUTS[0][0])
    with pytest.raises((AttributeError, NotImplementedError), match="no attribute 'fft'"):  # SCT's at its line
        eng.grad(lambda a: anp.sum(anp.abs(anp.fft.fft(a))))(INPUTS[0][0])
