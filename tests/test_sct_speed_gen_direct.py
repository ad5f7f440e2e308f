"""Inline rules in code that is run call their primitives directly (:mod:`adcompare.engines.sct.emit.direct`).

``direct(prim)`` must equal ``prim`` on every input: NumPy arrays and float64 scalars take the
short path, anything else (Python floats, which may take a primitive's scalar path; float32
scalars; JAX arrays; boxes) the primitive itself. The generated reverse sweep binds it; code
transformed again (second order) calls the primitive, and both give JAX's derivatives.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.engines.sct import transform
from adcompare.engines.sct.emit.direct import direct

UNARY = [p.sin_p, p.cos_p, p.sinh_p, p.cosh_p, p.sqrt_p, p.square_p]


def _inputs():
    rng = np.random.default_rng(3)
    v = rng.uniform(0.2, 1.5, size=(3, 2))
    return [v, np.float64(v[0, 0]), float(v[0, 1]), np.asarray(v[1, 0]), v.astype(np.float32),
            np.float32(v[1, 1]), jnp.asarray(v), 0.0, np.zeros((0,))]


@pytest.mark.parametrize("prim", UNARY, ids=lambda q: q.name)
def test_direct_equals_primitive(prim):
    for x in _inputs():
        got, want = direct(prim)(x), prim(x)
        assert type(got) is type(want)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_direct_binary_and_boxes():
    f = direct(p.multiply_p)
    x = np.arange(3.0)
    assert f(x, np.float64(2.0)).tolist() == [0.0, 2.0, 4.0]
    assert type(f(2.0, 3.0)) is type(p.multiply_p(2.0, 3.0))
    # a box goes through the primitive: its derivative is taken
    ov = ad.engine("overloading")
    np.testing.assert_allclose(ov.grad(lambda t: direct(p.sin_p)(t))(0.3), np.cos(0.3), rtol=1e-15)


def trig(x):
    acc = 0.0
    for i in range(len(x)):
        acc = 0.5 * acc + x[i] * anp.cos(acc) + anp.sinh(x[i]) * anp.sqrt(x[i])
    return acc


@pytest.mark.parametrize("seed", [0, 1])
def test_generated_code_against_jax(seed):
    sct = ad.engine("sct")
    bwd = transform.transform(trig, "reverse", (0,), 1).functions["bwd"]
    bound = [c.cell_contents for c in bwd.__closure__ or ()]
    assert {"sin_direct", "cosh_direct"} <= {getattr(v, "__name__", "") for v in bound}
    x = np.random.default_rng(seed).uniform(0.2, 1.4, size=5)
    np.testing.assert_allclose(sct.grad(trig)(x), jax.grad(trig)(jnp.asarray(x)), rtol=1e-12)
    np.testing.assert_allclose(sct.hessian(trig)(x), jax.hessian(trig)(jnp.asarray(x)), rtol=1e-10)
    np.testing.assert_allclose(sct.grad(trig)(jnp.asarray(x)), jax.grad(trig)(jnp.asarray(x)), rtol=1e-12)
    x2 = np.random.default_rng(seed).uniform(0.2, 1.4, size=(4, 3))  # acc grows from () to (3,)
    def total(x):
        return anp.sum(trig(x))

    np.testing.assert_allclose(sct.grad(total)(x2), jax.grad(total)(jnp.asarray(x2)), rtol=1e-12)
