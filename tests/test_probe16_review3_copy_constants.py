"""Review 3 of stop 16: SCT's ``v.copy()`` (a call known when it runs, 0889fb7) held the objects it copied, so a
write into the copy of a parameter that is not differentiated, the parameter read afterwards, was refused on JAX
inputs ("another name may hold the same array"), where the base ran it (its ``.copy()`` was a new object). The
copy is now a new object that may hold its source's items (front/calls marks the call ``shallow_copy``;
analysis/aliasing): a write into the copy itself runs, a write into an item it shares with a list is still
refused (a list's copy is shallow). Against JAX float64 on NumPy and JAX inputs, default, own second order and
control="lax"."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = {"sct": dict(), "higher": dict(higher="sct"), "lax": dict(control="lax")}
TOL = dict(rtol=1e-10, atol=1e-12)


def copy_of_constant(x, c):
    b = c.copy()
    b[0] = x[0] * 2.0
    b[1:] *= x[:-1]
    return anp.sum(b * c * x) + anp.sum(c ** 2)  # c read after the writes into its copy: unchanged


def copy_of_constant_jax(x, c):
    b = c.at[0].set(x[0] * 2.0)
    b = b.at[1:].multiply(x[:-1])
    return jnp.sum(b * c * x) + jnp.sum(c ** 2)


def item_of_shallow_copy(x, c):
    xs = [anp.array(c), c * 2.0]
    ys = xs.copy()
    z = xs[0]
    z[0] = x[1] * 3.0  # line: refused (ys[0] is the same array, read afterwards)
    return anp.sum(ys[0] * x)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("on_jax", [False, True])
def test_a_written_copy_of_a_constant_parameter_runs(engine, seed, on_jax):
    rng = np.random.default_rng(seed)
    x, c = jnp.asarray(rng.normal(size=4)), jnp.asarray(rng.normal(size=4))
    eng = ad.engine("sct", **ENGINES[engine])
    wrap = jnp.asarray if on_jax or engine == "lax" else np.asarray
    np.testing.assert_allclose(eng.grad(copy_of_constant)(wrap(x), wrap(c)),
                               jax.grad(copy_of_constant_jax)(x, c), **TOL)
    t = jnp.cos(x)
    value, tangent = eng.jvp(lambda v: copy_of_constant(v, wrap(c)), (wrap(x),), (wrap(t),))
    ref = jax.jvp(lambda v: copy_of_constant_jax(v, c), (x,), (t,))
    np.testing.assert_allclose(value, ref[0], **TOL)
    np.testing.assert_allclose(tangent, ref[1], **TOL)
    if engine == "higher":
        np.testing.assert_allclose(eng.hessian(copy_of_constant)(wrap(x), wrap(c)),
                                   jax.hessian(copy_of_constant_jax)(x, c), **TOL)


@pytest.mark.parametrize("on_jax", [False, True])
def test_a_write_into_an_item_a_list_copy_shares_is_refused(on_jax):
    wrap = jnp.asarray if on_jax else np.asarray
    x, c = wrap([0.3, -1.2, 0.7]), wrap([1.5, 2.5, -0.5])
    with pytest.raises(ad.SCTError, match=r"(?s)a write into z\[\.\.\.\].*ys, read afterwards.*review3_copy"):
        ad.engine("sct").grad(item_of_shallow_copy)(x, c)


def tuple_copied(x):
    t = (x, x * 2.0)
    u = t.copy()  # line: Python raises AttributeError (a tuple has no copy)
    return anp.sum(u[0])


def test_a_tuple_has_no_copy_and_sct_says_so():
    x = np.array([0.3, -1.2])
    with pytest.raises(AttributeError, match="copy"):
        ad.engine("overloading").grad(tuple_copied)(x)
    with pytest.raises(ad.SCTError, match=r"(?s)\.copy\(\) of a tuple, which has no such method.*AttributeError"
                                          r".*review3_copy_constants\.py"):
        ad.engine("sct").grad(tuple_copied)(x)


def copied_in_order(x):
    y = x.copy(order="F")  # NumPy's ndarray.copy takes the memory order
    y[0] = 3.0 * x[1]
    return anp.sum(y * x)


def test_a_box_copies_in_an_order_as_an_array_does():
    x = jnp.asarray(np.random.default_rng(2).normal(size=3))
    ref = jax.grad(lambda v: jnp.sum(v.at[0].set(3.0 * v[1]) * v))(x)
    np.testing.assert_allclose(ad.engine("overloading").grad(copied_in_order)(np.asarray(x)), ref, **TOL)
