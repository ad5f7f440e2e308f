"""Probe 17 (review): a write into ``ravel``/``reshape(order="F")``'s result on the overloading engine, JAX inputs.

NumPy's ``ravel(x, order="F")`` of a C-ordered 2-d ``x`` is a copy: a write into it leaves ``x`` alone. The
overloading engine runs NumPy's meaning of writes (views.py), and on JAX inputs, which have no memory, it linked
"where NumPy's would be a view" by the primitive alone: order F is a transpose, a reshape and a transpose, each
a view by itself, so the write went into ``x`` and the program's value and gradient were neither NumPy's (the same
program on NumPy inputs) nor JAX's, silently (``x.T.reshape(-1)`` too). A view of a JAX-backed box is linked now
where NumPy's would be one for a C-ordered array of its root's shape, as NumPy itself says on a stand-in of that
layout. Where NumPy's is a view (``x.T.ravel(order="F")``, a 1-d array's F reshape) the write still reaches ``x``,
as on NumPy inputs. Checked against JAX in float64 (the program written functionally) and against the same run
on NumPy inputs: value and gradient.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-13)
INPUTS = [np.random.default_rng(seed).normal(size=(2, 3)) for seed in (17, 71)]
W6 = np.arange(1.0, 7.0)


def ravel_f(x):  # a copy in NumPy: x is left alone
    x = x * 1.0
    y = anp.ravel(x, order="F")
    y[1] = 0.0
    return anp.sum(x * x * W6.reshape(2, 3)) + anp.sum(y * W6)


def ravel_f_jax(x):
    y = jnp.ravel(x, order="F").at[1].set(0.0)
    return jnp.sum(x * x * W6.reshape(2, 3)) + jnp.sum(y * W6)


def transposed_flat(x):  # x.T.reshape(-1): a copy in NumPy too
    x = x * 1.0
    y = x.T.reshape(-1)
    y[2] = 0.0
    return anp.sum(x * x * W6.reshape(2, 3)) + anp.sum(y * W6)


def transposed_flat_jax(x):
    y = x.T.reshape(-1).at[2].set(0.0)
    return jnp.sum(x * x * W6.reshape(2, 3)) + jnp.sum(y * W6)


def viewed(x):  # x.T.ravel(order="F") is a view of x in NumPy: the write reaches x
    x = x * 1.0
    y = x.T.ravel(order="F")
    y[1] = 0.0
    return anp.sum(x * x * W6.reshape(2, 3)) + anp.sum(y * W6)


def viewed_jax(x):
    x = x.at[0, 1].set(0.0)  # y[1] of x.T's F order is x[0, 1]
    return jnp.sum(x * x * W6.reshape(2, 3)) + jnp.sum(x.ravel() * W6)


@pytest.mark.parametrize("f, oracle", [(ravel_f, ravel_f_jax), (transposed_flat, transposed_flat_jax),
                                       (viewed, viewed_jax)], ids=["ravel_f", "transposed_flat", "viewed"])
def test_a_write_into_a_fortran_ravel_on_jax_inputs_is_numpys(f, oracle):
    eng = ad.engine("overloading")
    for x in INPUTS:
        want_value, want_grad = jax.value_and_grad(oracle)(jnp.asarray(x))
        for given in (x, jnp.asarray(x)):
            value, grad = eng.value_and_grad(f)(given)
            np.testing.assert_allclose(value, want_value, **TOL)
            np.testing.assert_allclose(grad, want_grad, **TOL)
        np.testing.assert_allclose(f(x), want_value, **TOL)  # NumPy's own run of the program
