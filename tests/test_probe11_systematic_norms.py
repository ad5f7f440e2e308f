"""Probe 11 (autograd's test_linalg.py norm checks / JAX's linalg_test.py adapted): ``anp.linalg.norm``'s vector
norms at entries that are exactly zero, against JAX.

The rule weighted ``ord=1``, ``ord=-inf`` and the p-norms by ``sign(x)``, which is 0 at 0, where ``abs``'s own
rule (and JAX's, whose norm is a sum of ``|x|^p``) takes ``d|x|/dx`` as 1 at 0 (and at -0.0): the gradient of
``norm(x, 1)`` at a zero entry was 0 instead of JAX's 1, ``norm(x, -inf)`` with a zero entry (its minimum)
had a zero gradient, and ``norm(x, 0.5)`` at a zero entry gave nan instead of JAX's inf, on every engine,
with no error. The norm rule now takes ``abs``'s derivative from the rule table. Checked against JAX in float64
on several seeded vectors with zeros in them (and a row-wise ``axis``): the JVP and the VJP.
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
ORDS = [1, -np.inf, 0.5]


def vector_norm(np_, ord):
    def f(x):
        return np_.linalg.norm(x, ord)
    return f


def row_norms(np_, ord):
    def f(x):
        return np_.linalg.norm(x, ord, 1)
    return f


def _with_zeros(shape, seed):
    x = np.random.default_rng(seed).uniform(0.5, 2.0, size=shape) * np.where(np.arange(np.prod(shape)) % 2, 1, -1
                                                                               ).reshape(shape)
    x.flat[seed % x.size] = 0.0
    x.flat[-1] = -0.0
    return x


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's, where |x|^(p - 1) is 0^(-0.5): inf, as JAX's
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case, shape", [(vector_norm, (5,)), (row_norms, (2, 4))], ids=["vector", "rows"])
@pytest.mark.parametrize("ord", ORDS, ids=str)
def test_norm_at_zero_entries_as_jax(ord, case, shape, engine):
    f, f_jax = case(el if engine == "elemental" else anp, ord), case(jnp, ord)
    eng = ad.engine(engine)
    for seed in range(3):
        x = _with_zeros(shape, seed)
        rng = np.random.default_rng(10 + seed)
        t = rng.normal(size=shape)
        y, y_dot = eng.jvp(f, (x,), (t,))
        y_jax, y_dot_jax = jax.jvp(f_jax, (jnp.asarray(x),), (jnp.asarray(t),))
        np.testing.assert_allclose(y, y_jax, rtol=1e-12)
        np.testing.assert_allclose(y_dot, y_dot_jax, rtol=1e-10)
        g = rng.normal(size=np.shape(y_jax))
        np.testing.assert_allclose(eng.vjp(f, x)[1](g)[0], jax.vjp(f_jax, jnp.asarray(x))[1](jnp.asarray(g))[0],
                                   rtol=1e-10)
