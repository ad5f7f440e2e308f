"""Probe 17 (fixes): ``anp.full(shape, 0.5)`` (and ``el.full``) is weakly typed, as ``jnp.full`` is.

``jnp.full(3, 0.5)`` is a weakly typed float64 array: beside float32 data the result is float32. Ours was a plain
float64 NumPy array, so a float32 program that used it computed in float64 on every engine: its value, its JVP and
its ``jacfwd`` came out float64 where JAX's are float32, and ``vjp`` refused JAX's float32 cotangent ("the cotangent
has dtype float32 but the output has dtype float64"), silently otherwise (the gradient was cast back). ``anp.full``
of a Python number makes a weak array now (primitives/weak.WeakArray), which takes its partner's dtype in NumPy's
operators and ufuncs and beside JAX arrays. Checked against JAX's dtypes and values (float32 tolerances) on
NumPy and JAX inputs, all three engines; float64 programs are unchanged.
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
RNG = np.random.default_rng(1717)
INPUTS = [RNG.normal(size=3).astype(np.float32) for _ in range(3)]
TOL32 = dict(rtol=2e-6, atol=1e-6)

# (name, natural form, elemental form, JAX's): a vector-valued function of a float32 vector
CASES = [
    ("times", lambda x: anp.full(3, 0.5) * anp.sin(x), lambda x: el.multiply(el.full(3, 0.5), el.sin(x)),
     lambda x: jnp.full(3, 0.5) * jnp.sin(x)),
    ("an int fill", lambda x: x * anp.full((3,), 2) + x, lambda x: el.add(el.multiply(x, el.full((3,), 2)), x),
     lambda x: x * jnp.full((3,), 2) + x),
    ("weak with weak", lambda x: (anp.full(3, 0.5) * 2.0 + anp.full(3, 1.0)) * x,
     lambda x: el.multiply(el.add(el.multiply(el.full(3, 0.5), 2.0), el.full(3, 1.0)), x),
     lambda x: (jnp.full(3, 0.5) * 2.0 + jnp.full(3, 1.0)) * x),
    ("like a fill", lambda x: (anp.zeros_like(anp.full(3, 0.5)) + anp.full_like(anp.full(3, 1.0), 0.5)) * x,
     lambda x: el.multiply(el.add(el.zeros_like(el.full(3, 0.5)), el.full_like(el.full(3, 1.0), 0.5)), x),
     lambda x: (jnp.zeros_like(jnp.full(3, 0.5)) + jnp.full_like(jnp.full(3, 1.0), 0.5)) * x),
    ("stacked", lambda x: anp.sum(anp.stack([anp.full(3, 0.5), x]) ** 2, axis=0),
     lambda x: el.sum(el.square(el.stack([el.full(3, 0.5), x])), axis=0),
     lambda x: jnp.sum(jnp.stack([jnp.full(3, 0.5), x]) ** 2, axis=0)),
    ("a reduced fill", lambda x: anp.sum(anp.full((2, 3), 0.25)) * anp.exp(x),  # (typed: float64, as JAX's)
     lambda x: el.multiply(el.sum(el.full((2, 3), 0.25)), el.exp(x)),
     lambda x: jnp.sum(jnp.full((2, 3), 0.25)) * jnp.exp(x)),
]


def _backend(x, backend):
    return x if backend == "numpy" else jnp.asarray(x)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("name", ["overloading", "sct", "elemental"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_a_float32_program_has_jaxs_dtypes(case, name, backend):
    _, f, f_el, ref = case
    f = f_el if name == "elemental" else f
    eng = ad.engine(name)
    for x in INPUTS:
        arg, t = _backend(x, backend), _backend(np.cos(x), backend)
        want, want_dot = jax.jvp(ref, (jnp.asarray(x),), (jnp.asarray(np.cos(x)),))
        y, y_dot = eng.jvp(f, (arg,), (t,))
        assert y.dtype == y_dot.dtype == want.dtype
        np.testing.assert_allclose(y, want, **TOL32)
        np.testing.assert_allclose(y_dot, want_dot, **TOL32)
        y, pullback = eng.vjp(f, arg)
        bar = _backend(np.ones(3, want.dtype), backend)  # JAX's own cotangent: its output's dtype
        (x_bar,) = pullback(bar)
        assert x_bar.dtype == np.float32
        np.testing.assert_allclose(x_bar, jax.vjp(ref, jnp.asarray(x))[1](bar.astype(want.dtype))[0], **TOL32)
        jac = eng.jacfwd(f)(arg)
        assert jac.dtype == want.dtype
        np.testing.assert_allclose(jac, jax.jacfwd(ref)(jnp.asarray(x)), **TOL32)


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_a_float64_program_is_unchanged(name):
    for x in INPUTS:
        x64 = x.astype(np.float64)
        f, ref = CASES[0][1], CASES[0][3]
        y, y_dot = ad.engine(name).jvp(f, (x64,), (np.cos(x64),))
        want, want_dot = jax.jvp(ref, (jnp.asarray(x64),), (jnp.asarray(np.cos(x64)),))
        assert y.dtype == y_dot.dtype == np.float64
        np.testing.assert_allclose(y_dot, want_dot, rtol=1e-13)


def test_the_weak_array_alone_and_its_typed_fills():
    assert anp.full(3, 0.5).dtype == np.float64 and anp.full(3, 2).dtype == np.int64  # JAX's defaults
    assert (anp.full(3, 0.5) > 0.2).dtype == np.bool_
    assert anp.full(3, 0.5, dtype=np.float32).dtype == np.float32
    assert (anp.full(3, np.float64(0.5)) * INPUTS[0]).dtype == np.float64  # a NumPy scalar is typed, as in JAX
    assert (anp.full(3, 2) * np.arange(3, dtype=np.int32)).dtype == np.int32
