"""Review of h16-probe: a write by index into a new array made by a vocabulary function (``a = anp.copy(x)``,
``anp.append``, ``anp.pad``, ``anp.sort``, ``x.astype(float)``, ...) runs on JAX inputs while ``x`` is read
afterwards, as it ran before the JAX-view refusal (1636a2b): SCT took the callee's result for one that may
be a view of ``x``, and refused the copy-then-modify pattern. NumPy documents these functions as returning
a new array (without ``out=``), so nothing else sees the write; a view (``x.reshape``) is still refused.
Checked against JAX float64 (a functional ``.at[].set`` reference)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)


def copied(x):
    a = anp.copy(x)
    a[0, 0] = x[1, 1] * 2.0
    return anp.sum(a * a) + anp.sum(x * x)


def sorted_rows(x):
    a = anp.sort(x)
    a[0] = anp.sin(x[1])
    return anp.sum(a * x)


def appended(x):
    a = anp.append(x, x[:1] * 3.0, axis=0)
    a[1:, 0] = x[:, 2]
    return anp.sum(a * a) + anp.sum(x)


def cast(x):
    a = x.astype(anp.float64)
    for i in range(2):
        a[i] = a[i] * x[i]
    return anp.sum(a) + anp.sum(x[0])


def reshaped(x):
    a = x.reshape(3, 2)
    a[0, 0] = 5.0
    return anp.sum(a * a) + anp.sum(x)


def ref_copied(x):
    return jnp.sum(x.at[0, 0].set(x[1, 1] * 2.0) ** 2) + jnp.sum(x * x)


def ref_sorted_rows(x):
    return jnp.sum(jnp.sort(x).at[0].set(jnp.sin(x[1])) * x)


def ref_appended(x):
    a = jnp.append(x, x[:1] * 3.0, axis=0).at[1:, 0].set(x[:, 2])
    return jnp.sum(a * a) + jnp.sum(x)


def ref_cast(x):
    return jnp.sum(x * x) + jnp.sum(x[0])


CASES = [(copied, ref_copied), (sorted_rows, ref_sorted_rows), (appended, ref_appended), (cast, ref_cast)]
ENGINES = {"sct": ad.engine("sct"), "lax": ad.engine("sct", control="lax")}


@pytest.mark.parametrize("f,ref", CASES, ids=[f.__name__ for f, _ in CASES])
@pytest.mark.parametrize("name", list(ENGINES))
def test_write_into_a_copy_on_jax_inputs(f, ref, name):
    eng = ENGINES[name]
    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=(2, 3))
        want = jax.grad(ref)(x)
        np.testing.assert_allclose(eng.grad(f)(jnp.asarray(x)), want, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(eng.grad(f)(x), want, rtol=1e-10, atol=1e-12)


def test_write_into_a_view_on_jax_inputs_still_refused():
    with pytest.raises(SCTError, match="another name may hold the same array"):
        ad.engine("sct").grad(reshaped)(jnp.ones((2, 3)))
