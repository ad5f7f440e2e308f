"""Probe 16 (elemental): a float32 value combined with a float64 constant has a float64 tangent, as in JAX.

``el.sum(el.add(x32, np.float64(0.5)))`` (or a 0-d float64 array) is float64, and so was its tangent at
the end, but the tangent itself was ``x32``'s float32 one (the rule of ``add`` passes the tangent
through) and was summed in float32: the JVP differed from JAX's by float32 rounding (about 4e-8),
no error, on every engine. JAX converts the operand first, so its tangent is float64 from there on.
So did ``el.concatenate([x32, c64])`` and ``el.stack``: the constant's zeros took the tangent's dtype.
The rules' ``broadcast`` (rules/base.py) now gives an elementwise tangent the result's float dtype, and
concatenate's and stack's JVP (rules/shapes.py) cast the tangent so (``in_dtype_of``).
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

X32 = np.random.default_rng(0).normal(size=5).astype(np.float32)
T32 = np.cos(np.arange(1.0, 6.0)).astype(np.float32)


def program(m):
    def f(x):
        shifted = m.subtract(m.add(x, np.float64(0.5)), np.array(0.25))  # tangents passed through
        joined = m.concatenate([x, np.ones(2)])  # the constant's zeros came in x's dtype
        return m.add(m.sum(m.negative(shifted)), m.sum(m.add(joined, m.sum(m.stack([x, np.ones(5)])))))

    return f


@pytest.mark.parametrize("name, m", [("elemental", el), ("overloading", anp), ("sct", anp)])
def test_tangent_of_a_float32_input_promoted_by_a_float64_constant(name, m):
    y, y_dot = ad.engine(name).jvp(program(m), (X32,), (T32,))
    want_y, want_dot = jax.jvp(program(jnp), (X32,), (T32,))
    assert np.asarray(y_dot).dtype == np.float64
    np.testing.assert_allclose(y, want_y, rtol=1e-13)
    np.testing.assert_allclose(y_dot, want_dot, rtol=1e-13)  # float32 rounding was ~4e-8
    grad = ad.engine(name).grad(program(m))(X32)  # reverse mode: the input's dtype, as JAX's
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, jax.grad(program(jnp))(X32), rtol=1e-6)
