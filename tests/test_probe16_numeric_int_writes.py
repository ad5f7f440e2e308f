"""Probe 16 (scientists' NumPy programs ported to anp): a differentiated value written into an integer array.

``x = np.array([1, 2, 3]); x[0] = p[0] * 2.5`` stores ``int(2.5 p0)`` (NumPy casts to the array's dtype, as JAX's
``x.at[0].set(v)``), so the write has no derivative. SCT's primal cast it, but index_update_p's rules (rules/shapes)
passed the value's tangent and cotangent through: ``grad`` of ``sum(x * p)`` was ``x0 + 2.5 p0`` in ``p0`` where JAX
gives ``x0``, silently, on NumPy and JAX inputs. The rules take the written value as a constant when the result is
not float now. The overloading engine refuses the write at the user's line (anp.index_update). Checked against JAX
in float64, seeded inputs: grad, jvp, vjp, and the Hessian on both of SCT's second orders.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from probe16_check import TOL, agree

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
SCT = {"sct": ad.engine("sct"), "boxes": ad.engine("sct", higher="boxes")}


def f(p):
    x = anp.array([1, 2, 3])
    x[0] = p[0] * 2.5
    x[1:] = p[1:] ** 2 + 1.0
    return anp.sum(x * p ** 2)


def f_jax(p):
    x = jnp.array([1, 2, 3])
    x = x.at[0].set((p[0] * 2.5).astype(x.dtype)).at[1:].set((p[1:] ** 2 + 1.0).astype(x.dtype))
    return jnp.sum(x * p ** 2)


def _p(seed):
    return np.random.default_rng(seed).uniform(1.0, 2.0, 3)


@pytest.mark.parametrize("engine", SCT)
def test_a_write_into_integers_is_a_constant_on_sct(engine):
    agree(SCT[engine], f, f_jax, _p(0), hessian=engine == "sct")


def test_a_write_into_integers_on_jax_inputs():
    p = jnp.asarray(_p(2))
    np.testing.assert_allclose(ad.engine("sct", control="lax").grad(f)(p), jax.grad(f_jax)(p), **TOL)


def test_overloading_refuses_the_write_at_the_users_line():
    line = f.__code__.co_firstlineno + 2  # x[0] = p[0] * 2.5
    with pytest.raises(Exception, match=rf"int\(\) of an active value.*test_probe16_numeric_int_writes\.py:{line}"):
        ad.engine("overloading").grad(f)(_p(0))
