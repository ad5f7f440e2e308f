"""``vjp`` and ``hessian`` of a lambda closing over a differentiated value, inside code SCT transforms (nest3 probe).

* ``e.vjp(lambda b: e.grad(lambda c: ...)(b), a)`` differentiated again: the pull-back's closure holds the
  lambda's closure, and the boxes (which take that one call) met the nested closure as a leaf ("Tuple must
  have size 2", from NumPy); ``boxed_callee`` now hands them nested closures' data at any depth.
* ``e.hessian(lambda b: ..., argnums=..., mode=...)``: not among the derivatives the closure conversion
  rewrote, so SCT transformed ``Engine.hessian``'s own source and refused "an expression statement";
  it is now ``jacfwd`` (``rev-rev``: ``jacrev``) of ``jacrev``, as ``Engine.hessian`` is.

JAX (float64) is the oracle, several inputs.
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
    grad, vjp, hessian = jax.grad, jax.vjp, jax.hessian


def vjp_of_grad(E, m, x):
    def g(a):
        y, pull = E.vjp(lambda b: E.grad(lambda c: m.sin(a * b * c))(b), a)
        return pull(1.0)[0] * y

    return E.grad(g)(x)


def hessian_of_closure(E, m, x):
    return E.grad(lambda a: E.hessian(lambda b: m.sin(a * b) * b)(a + 1.0))(x)


def hessian_argnums(E, m, x):
    return E.grad(lambda a: E.hessian(lambda b, c: m.sin(a * b) * c * c * b, argnums=1)(a + 1.0, a))(x)


def hessian_of_vector(E, m, x):
    return E.grad(lambda a: m.sum(E.hessian(lambda v: m.sum(m.sin(a * v) * v))(m.array([a, 2.0 * a]))))(x)


CASES = [(vjp_of_grad, (0.7, -1.3)), (hessian_of_closure, (0.6,)), (hessian_argnums, (1.2,)),
         (hessian_of_vector, (-0.7,))]


@pytest.mark.parametrize(("program", "xs"), CASES, ids=[p.__name__ for p, _ in CASES])
def test_as_jax(program, xs):
    e, oracle = ad.engine("sct"), jax.jit(lambda x: program(Jax, jnp, x))  # jitted: JAX's eager nesting is slow
    for x in xs:
        np.testing.assert_allclose(program(e, anp, x), oracle(x), rtol=1e-10, atol=1e-12)


def test_hessian_rev_rev():
    e = ad.engine("sct")
    for x in (-1.5,):
        got = e.grad(lambda a: e.hessian(lambda b: anp.sin(a * b) * b, mode="rev-rev")(a + 1.0))(x)
        np.testing.assert_allclose(got, jax.jit(lambda x: hessian_of_closure(Jax, jnp, x))(x), rtol=1e-10)
