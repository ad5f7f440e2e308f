"""Probe 10 (realistic NumPy programs): ``einsum`` with an ellipsis (``"...ij,...jk->...ik"``, batched matrix
products as models write them) and with an implicit output (``"ij,jk"``, ``"ii"``, ``"i,i"``).

Both were refused ("einsum: ellipsis ('...') ... is not supported: name every axis with a letter", "implicit
output ... is not supported"). The subscripts are now rewritten as NumPy reads them, on shapes only: each
operand's ``...`` becomes letters it does not use, right-aligned (operands with fewer such axes broadcast),
and an implicit output is the ellipsis's axes, then the letters named once, in alphabetical order. Checked
against NumPy's values, and against JAX in float64 (gradient, and the Hessian on the overloading engine), on
the overloading engine and SCT.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as onp
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = {"overloading": ad.engine("overloading"), "sct": ad.engine("sct"),
           "sct-boxes": ad.engine("sct", higher="boxes")}
RNG = onp.random.default_rng(0)
A, B, V, W = (RNG.standard_normal(s) for s in [(2, 3, 3), (2, 3, 2), (3,), (1, 3)])
CASES = [("...ij,...jk->...ik", (A, B)), ("...ij,...jk", (A, B)), ("ij,jk", (A[0], B[0])), ("ii", (A[0],)),
         ("i,i", (V, V)), ("ji", (A[0],)), ("bij->...", (A,)), ("...i,i->...", (A, V)), ("i...->...", (A,)),
         ("...i,...i->...i", (A, W)), ("ij...,jk", (onp.moveaxis(A, 0, -1), B[0]))]


@pytest.mark.parametrize("subscripts, operands", CASES, ids=[c[0] for c in CASES])
def test_einsum_reads_an_ellipsis_and_an_implicit_output_as_numpy(subscripts, operands):
    expected = onp.einsum(subscripts, *operands)
    got = anp.einsum(subscripts, *operands)
    assert onp.shape(got) == onp.shape(expected)
    onp.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def batched(a, b):
    c = anp.einsum("...ij,...jk->...ik", a, b)
    return anp.sum(anp.sin(c)) + anp.einsum("...ii", a @ a).sum() + anp.einsum("ij,ij", a[0], a[1] * a[0])


def batched_jax(a, b):
    c = jnp.einsum("...ij,...jk->...ik", a, b)
    return jnp.sum(jnp.sin(c)) + jnp.einsum("...ii", a @ a).sum() + jnp.einsum("ij,ij", a[0], a[1] * a[0])


@pytest.mark.parametrize("engine", list(ENGINES))
def test_derivatives_through_an_ellipsis_are_jax_s(engine):
    eng = ENGINES[engine]
    grad = jax.jit(jax.grad(batched_jax, argnums=(0, 1)))
    for seed in (1, 2):
        rng = onp.random.default_rng(seed)
        a, b = rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 2))
        for got, want in zip(eng.grad(batched, argnums=(0, 1))(a, b), grad(a, b)):
            onp.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    if engine == "overloading":
        onp.testing.assert_allclose(eng.hessian(batched)(a, b), jax.jit(jax.hessian(batched_jax))(a, b),
                                    rtol=1e-10, atol=1e-12)
