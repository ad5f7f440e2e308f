"""A helper that writes by index into a new array made from its parameter, under SCT's first and second order.

Probe 17 (second order on programs in the styles of public AD suites) called helpers such as
``out = anp.zeros_like(x); out[i] = ...; return out`` from a differentiated function. SCT refused them,
"a call of helper, which writes into its parameter x[...]", though nothing writes into ``x``: the may-share
analysis (``front.sharing.may_share``) took the result of any vocabulary function for a possible view of its
operands (``zeros_like``, ``full_like``, ``ones_like``, ``empty_like``, ``copy``, ``concatenate``, ``where``
make new arrays). The same analysis read ``anp.reshape(y, n)`` (a view) as the method ``.reshape`` of the
module ``anp``, so a helper writing into ``anp.reshape(y, ...)`` of its parameter ran, functionally, and the
caller's ``y`` kept its old values, where NumPy (and the overloading engine) see the write: a silently
different gradient. Now the new arrays are taken (against JAX, float64, first and second order, several
seeds) and the view is refused at the call, naming the helper. Likewise ``h = anp.stop_gradient(c)`` is ``c``
itself on NumPy, which SCT took for a new array (``sharing._fresh``): a write into ``h`` is now refused.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import SCTError

jax.config.update("jax_enable_x64", True)

TOL = dict(rtol=1e-10, atol=1e-12)


def zeros_like(x):
    out = anp.zeros_like(x)
    out[0] = x[0]
    for i in range(1, 3):
        out[i] = out[i - 1] * x[i] + anp.sin(x[i])
    return out


def zeros_like_jax(x):
    out = jnp.zeros_like(x).at[0].set(x[0])
    for i in range(1, 3):
        out = out.at[i].set(out[i - 1] * x[i] + jnp.sin(x[i]))
    return out


def full_like(x):
    out = anp.full_like(x, 0.5)
    out[1] = x[0] * x[2]
    return out


def full_like_jax(x):
    return jnp.full_like(x, 0.5).at[1].set(x[0] * x[2])


def ones_like(x):
    out = anp.ones_like(x)
    out[2] = anp.exp(x[1])
    return out * x


def ones_like_jax(x):
    return jnp.ones_like(x).at[2].set(jnp.exp(x[1])) * x


def copy(x):
    out = anp.copy(x)
    out[1] = anp.exp(x[0])
    return out


def copy_jax(x):
    return x.at[1].set(jnp.exp(x[0]))


def concatenate(x):
    out = anp.concatenate([x, x * x])
    out[0] = anp.sin(x[1])
    return out


def concatenate_jax(x):
    return jnp.concatenate([x, x * x]).at[0].set(jnp.sin(x[1]))


def where(x):
    out = anp.where(x > 0.0, x, 0.1 * x)
    out[2] = x[0] ** 3
    return out


def where_jax(x):
    return jnp.where(x > 0.0, x, 0.1 * x).at[2].set(x[0] ** 3)


HELPERS = [zeros_like, full_like, ones_like, copy, concatenate, where]
TWINS = {zeros_like: zeros_like_jax, full_like: full_like_jax, ones_like: ones_like_jax, copy: copy_jax,
         concatenate: concatenate_jax, where: where_jax}


def _caller(helper):
    def f(x):
        return anp.sum(helper(x) ** 2) * anp.cos(x[0])

    return f


@pytest.mark.parametrize("helper", HELPERS, ids=lambda h: h.__name__)
def test_a_helper_writing_into_a_new_array_is_differentiated_twice(helper):
    sct = ad.engine("sct")
    f = _caller(helper)

    def f_jax(x):
        return jnp.sum(TWINS[helper](x) ** 2) * jnp.cos(x[0])

    for seed in range(2):
        rng = np.random.default_rng(seed)
        x, v = rng.normal(size=3), rng.normal(size=3)
        xj, vj = jnp.asarray(x), jnp.asarray(v)
        np.testing.assert_allclose(f(x), f_jax(xj), **TOL)  # NumPy: the caller's x is not written
        np.testing.assert_allclose(sct.hessian(f)(x), jax.hessian(f_jax)(xj), **TOL)
        expected = jax.grad(jax.grad(lambda t: f_jax(xj + t * vj)))(0.25)
        np.testing.assert_allclose(sct.grad(sct.grad(lambda t: f(x + t * v)))(0.25), expected, **TOL)


def into_reshape(y):
    z = anp.reshape(y, (3,))
    z[0] = 0.0
    return anp.sum(z)


def into_transpose(y):
    z = anp.transpose(y)
    z[1] = 0.0
    return anp.sum(z)


def into_numpy_ravel(y):
    z = np.ravel(y)
    z[2] = 0.0
    return anp.sum(z)


@pytest.mark.parametrize("helper", [into_reshape, into_transpose, into_numpy_ravel], ids=lambda h: h.__name__)
def test_a_helper_writing_into_a_view_of_its_parameter_is_refused_at_the_call(helper):
    def f(x):
        y = x * 1.0
        s = helper(y)
        return anp.sum(y * x) + s  # NumPy: y saw the helper's write

    x = np.array([1.0, 2.0, 3.0])
    if helper is not into_numpy_ravel:  # (np.ravel of a box is refused)
        expected = ad.engine("overloading").grad(f)(x)  # as NumPy runs it: y[k] is 0 after the call
        assert expected[{into_reshape: 0, into_transpose: 1}[helper]] == 0.0
    with pytest.raises(SCTError, match=f"a call of {helper.__name__}, which writes into its parameter y"):
        ad.engine("sct").grad(f)(x)


def write_through_stop_gradient(x, c):
    h = anp.stop_gradient(c)  # c itself on NumPy: h[0] = 5.0 writes into c
    h[0] = 5.0
    return anp.sum(c * x)


def test_a_write_into_stop_gradient_of_an_array_is_a_write_into_that_array():
    """``anp.stop_gradient(c)`` hands ``c`` back on NumPy; SCT took it for a new array, wrote functionally,
    and the gradient read the old ``c`` ([1, 1, 1] where NumPy and the overloading engine give [5, 1, 1])."""
    x, c = np.array([1.0, 2.0, 3.0]), np.ones(3)
    np.testing.assert_array_equal(ad.engine("overloading").grad(write_through_stop_gradient)(x, c.copy()),
                                  [5.0, 1.0, 1.0])
    with pytest.raises(SCTError, match=r"a write into h\[\.\.\.\], and another name may hold the same array \(c"):
        ad.engine("sct").grad(write_through_stop_gradient)(x, c)
