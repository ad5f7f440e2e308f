"""Probe 19: ``x.astype(dtype, copy=False)``, as course dropout code ends (``out = out.astype(x.dtype, copy=False)``).

The overloading engine's ``astype`` method took no ``copy=`` (a TypeError at the user's line), and SCT refused
the call ("the expression ... on a differentiated value", with a hint about modules). ``anp.astype`` and the
method now take ``copy=``: with ``copy=False`` and the dtype already right, the result is ``x`` itself, as NumPy's,
so a write into it is a write into ``x`` (the overloading engine follows it; SCT, which writes functionally,
refuses the write at its line instead of giving the other name's old value).
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

MASK = (np.random.RandomState(19).rand(4, 3) < 0.6) / 0.6
TOL = dict(rtol=1e-10, atol=1e-12)


def dropout(x):
    out = x * MASK
    out = out.astype(x.dtype, copy=False)
    return anp.sum(anp.sin(out) * out)


def dropout_jax(x):
    out = x * MASK
    return jnp.sum(jnp.sin(out) * out)


def written_through(x):
    y = x * 2.0
    z = y.astype(y.dtype, copy=False)
    z[0] = 5.0 * x[1]  # NumPy: y[0] is now 5 x[1] as well
    return anp.sum(y * x) + anp.sum(z)


def written_through_jax(x):
    y = (x * 2.0).at[0].set(5.0 * x[1])
    return jnp.sum(y * x) + jnp.sum(y)


@pytest.mark.parametrize("engine", ["overloading", "sct"])
@pytest.mark.parametrize("seed", [0, 1])
def test_astype_copy_false(engine, seed):
    rng = np.random.RandomState(seed)
    x, t = rng.randn(4, 3), rng.randn(4, 3)
    eng = ad.engine(engine)
    np.testing.assert_allclose(eng.grad(dropout)(x), jax.grad(dropout_jax)(x), **TOL)
    for a, b in zip(eng.jvp(dropout, (x,), (t,)), jax.jvp(dropout_jax, (x,), (t,))):
        np.testing.assert_allclose(a, b, **TOL)


def test_write_through_the_same_array():
    x = np.random.RandomState(3).randn(4)
    assert written_through(x) == pytest.approx(float(written_through_jax(jnp.asarray(x))), rel=1e-12)
    got = ad.engine("overloading").grad(written_through)(x)
    np.testing.assert_allclose(got, jax.grad(written_through_jax)(x), **TOL)
    line = inspect.getsourcelines(written_through)[1] + 3
    with pytest.raises(ad.SCTError, match=rf"(?s)another name may hold the same array.*line {line}"):
        ad.engine("sct").grad(written_through)(x)
