"""Two mechanisms of the reverse sweep together: a callee that adds into its caller's cotangents
(:mod:`adcompare.engines.sct.emit.into`) and has specialized sweeps behind a guard
(:mod:`adcompare.engines.sct.emit.specialize`). The general sweep hands the caller's cotangents on
to the specialized one; checked against JAX where the guard holds (a 1-D float64 or float32 NumPy
array) and where it does not (a JAX array), on several seeds.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp


def _part(np_):
    def part(x, n):
        s = 0.0
        for i in range(n):
            s = s + x[i] * x[i] * 1.5
        return s
    return part


part, part_jax = _part(anp), _part(jnp)


def f(x):
    return part(x, 3) + part(x, 2) * x[0] + anp.sum(x[1:] ** 2) * part(x, 4)


def f_jax(x):
    return part_jax(x, 3) + part_jax(x, 2) * x[0] + jnp.sum(x[1:] ** 2) * part_jax(x, 4)


def test_the_callee_takes_into_and_is_specialized():
    eng = ad.engine("sct")
    assert "into" in eng.source(f, "reverse")  # the caller hands its cotangent over
    src = eng.source(part, "reverse")
    assert "if vector(x):" in src and "into=None" in src  # the callee: guarded, and takes into


@pytest.mark.parametrize("kind", ["numpy", "float32", "jax"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_through_both_matches_jax(kind, seed):
    x = np.random.default_rng(seed).normal(size=5)
    want = np.asarray(jax.grad(f_jax)(jnp.asarray(x)))
    inp = {"numpy": x, "float32": x.astype(np.float32), "jax": jnp.asarray(x)}[kind]
    got = np.asarray(ad.engine("sct").grad(f)(inp))
    tol = dict(rtol=1e-5, atol=1e-5) if kind == "float32" else dict(rtol=1e-13, atol=1e-13)
    assert got.dtype == np.asarray(inp).dtype
    np.testing.assert_allclose(got, want, **tol)
