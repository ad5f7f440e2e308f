"""Probe 10 (autograd's test_linalg.py adapted): ``anp.linalg.eigh(a, "U")`` gives the eigenvectors NumPy and JAX give.

``UPLO`` was accepted and dropped, so the eigenvectors were always LAPACK's from the lower triangle: with
``UPLO="U"`` (autograd's ``test_eigvalh_upper``, ``..._upper_broadcasting``) some columns came out with the
other sign than ``np.linalg.eigh(a, "U")`` and ``jnp.linalg.eigh(a, UPLO="U")``, and their derivatives with
them, with no error. ``UPLO`` now reaches LAPACK, as in NumPy and JAX (the value read is still the symmetric
part, as JAX's). Checked against JAX in float64 on several seeds, on every engine: the values and a VJP.
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

ENGINES = ["overloading", "sct", "elemental"]


def upper(a):
    return anp.linalg.eigh(a, "U")


def upper_keyword(a):
    return anp.linalg.eigh(a, UPLO="U")


def upper_elemental(a):
    return el.linalg.eigh(a, "U")


def upper_jax(a):
    return tuple(jnp.linalg.eigh(a, UPLO="U"))


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3)])
def test_eigh_upper_triangle(name, shape):
    eng = ad.engine(name)
    funs = [upper_elemental] if name == "elemental" else [upper, upper_keyword]
    for seed in (0, 1, 2):
        rng = np.random.RandomState(seed)
        a = rng.randn(*shape)
        a = a + np.swapaxes(a, -1, -2)
        want, want_vjp = jax.vjp(upper_jax, a)
        bars = (rng.randn(*shape[:-1]), rng.randn(*shape))
        for f in funs:
            got, f_vjp = eng.vjp(f, a)
            for g, w in zip(got, want):
                np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(f_vjp(type(got)(*bars))[0], want_vjp(bars)[0], rtol=1e-9, atol=1e-11)
