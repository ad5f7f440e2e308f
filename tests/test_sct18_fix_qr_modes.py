"""``anp.linalg.qr`` in each mode against JAX (0.10's rule). Its derivative of a wide matrix (fewer rows than
columns) was refused ("not supported (as in JAX)"), where JAX takes it: A = [A₁ | A₂], Q, R₁ the QR of the square
A₁, R₂ = Qᵀ A₂ (rules/linalg_qr.py). Now ``mode='r'``, ``'reduced'`` and ``'complete'`` (the same for m ≤ n) agree
with JAX on tall and wide matrices and stacks, first and second order, on SCT and overloading;
``mode='raw'`` (JAX cannot differentiate it either) and ``'complete'`` of a tall matrix are refused by name."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def r_only(a):
    return anp.sum(anp.sin(anp.linalg.qr(a, mode="r")))


def reduced(a):
    q, r = anp.linalg.qr(a)
    return anp.sum(anp.sin(q) * 1.3) + anp.sum(r ** 2 * anp.cos(r))


def complete(a):
    q, r = anp.linalg.qr(a, mode="complete")
    return anp.sum(anp.sin(q) * 1.3) + anp.sum(r ** 2 * anp.cos(r))


def jax_twin(mode):
    def f(a):
        out = jnp.linalg.qr(a, mode=mode)
        return jnp.sum(jnp.sin(out)) if mode == "r" else jnp.sum(jnp.sin(out[0]) * 1.3) + jnp.sum(
            out[1] ** 2 * jnp.cos(out[1]))
    return f


@pytest.mark.parametrize(("f", "mode", "shape", "engine"), [
    (r_only, "r", (3, 5), "sct"), (reduced, "reduced", (3, 5), "sct"), (complete, "complete", (2, 3, 5), "sct"),
    (r_only, "r", (2, 3, 5), "overloading"),
    (complete, "complete", (3, 5), "overloading")])
def test_qr_of_a_wide_matrix_or_stack_agrees_with_jax(f, mode, shape, engine):
    rng = np.random.default_rng(sum(shape))
    a, t = rng.normal(size=shape), rng.normal(size=shape)
    eng, fj = ad.engine(engine), jax_twin(mode)
    np.testing.assert_allclose(eng.grad(f)(a), jax.grad(fj)(a), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(eng.jvp(f, (a,), (t,))[1], jax.jvp(fj, (a,), (t,))[1], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize(("f", "mode", "engine"), [(reduced, "reduced", "sct"), (r_only, "r", "overloading")])
def test_the_second_derivative_of_qr_of_a_wide_matrix_agrees_with_jax(f, mode, engine):
    a = np.random.default_rng(3).normal(size=(2, 4))
    np.testing.assert_allclose(ad.engine(engine).hessian(f)(a), jax.hessian(jax_twin(mode))(a), rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize(("f", "mode"), [(r_only, "r"), (reduced, "reduced")])
def test_qr_of_a_tall_matrix_agrees_with_jax(f, mode):
    a = np.random.default_rng(4).normal(size=(4, 3))
    np.testing.assert_allclose(ad.engine("sct").grad(f)(a), jax.grad(jax_twin(mode))(a), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("engine", ["sct", "overloading"])
def test_raw_and_a_tall_matrixs_complete_mode_are_refused_by_name(engine):
    a = np.random.default_rng(5).normal(size=(4, 3))
    with pytest.raises(NotImplementedError, match="mode='raw' is not supported"):
        ad.engine(engine).grad(lambda a: anp.sum(anp.linalg.qr(a, mode="raw")[0]))(a)
    with pytest.raises(NotImplementedError, match=r"mode='complete' on a tall matrix \(4, 3\) is not supported"):
        ad.engine(engine).grad(complete)(a)
