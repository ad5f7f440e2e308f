"""``gp``: the negative log-likelihood of a Gaussian process, by Cholesky factor and solve.

With n points x_i ∈ R^d (rows of ``x``), targets y ∈ R^n, and the parameters
θ = (log ℓ, log σ_f, log σ_n) of a squared-exponential kernel plus noise,

    K_ij = σ_f² exp(−|x_i − x_j|² / (2ℓ²)) + σ_n² δ_ij,   K = L Lᵀ (Cholesky),
    z = L⁻¹ y,
    nll(θ) = ½ zᵀz + Σ_i log L_ii + (n/2) log 2π
           = ½ yᵀK⁻¹y + ½ log det K + (n/2) log 2π.

Both forms take θ (3 values, differentiated), then the constants x and y; they
compute K with the vocabulary, factor it with ``linalg.cholesky`` and get z with
``linalg.solve``. The derivative passes through both rules (and the Hessian
through the rules differentiated again). JAX's reference runs the natural form
on ``jax.numpy`` (``jnp.linalg.cholesky``, ``jnp.linalg.solve``).

Sizes (n, d): (4, 2) tiny, (16, 2) small, (128, 3) medium, (512, 3) large.
Inputs, seeded: x ~ U(−2, 2), y = sin(Σ_k x_k) + 0.1 N(0, 1), and
θ = (0, 0, log 0.3) + 0.1 N(0, 1), so that σ_n² ≈ 0.09 keeps K well conditioned.
"""

from __future__ import annotations

import math

import numpy as np

import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.workloads.registry import Workload, register

LOG_2PI = math.log(2.0 * math.pi)


def squared_distances(x):
    """|x_i − x_j|² for every pair of rows (a constant: x is data)."""
    return anp.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)


def gp_nll(theta, x, y):
    n = len(y)
    ell2 = anp.exp(2.0 * theta[0])
    sf2 = anp.exp(2.0 * theta[1])
    sn2 = anp.exp(2.0 * theta[2])
    k = sf2 * anp.exp(-0.5 * squared_distances(x) / ell2) + sn2 * np.eye(n)
    chol = anp.linalg.cholesky(k)
    z = anp.linalg.solve(chol, y)
    diagonal = chol[np.arange(n), np.arange(n)]
    return 0.5 * anp.sum(z * z) + anp.sum(anp.log(diagonal)) + 0.5 * n * LOG_2PI


def gp_nll_elemental(theta, x, y):
    n = el.shape(y)[0]
    ell2 = el.exp(el.multiply(2.0, el.getitem(theta, 0)))
    sf2 = el.exp(el.multiply(2.0, el.getitem(theta, 1)))
    sn2 = el.exp(el.multiply(2.0, el.getitem(theta, 2)))
    scaled = el.divide(-0.5 * squared_distances(x), ell2)  # the distances are constants: plain numpy
    k = el.add(el.multiply(sf2, el.exp(scaled)), el.multiply(sn2, np.eye(n)))
    chol = el.linalg.cholesky(k)
    z = el.linalg.solve(chol, y)
    diagonal = el.getitem(chol, (np.arange(n), np.arange(n)))
    fit = el.multiply(0.5, el.sum(el.multiply(z, z)))
    return el.add(el.add(fit, el.sum(el.log(diagonal))), 0.5 * n * LOG_2PI)


def gp_inputs(size: tuple[int, int], rng) -> tuple:
    n, d = size
    x = rng.uniform(-2.0, 2.0, size=(n, d))
    y = np.sin(x.sum(axis=1)) + 0.1 * rng.normal(size=n)
    theta = np.array([0.0, 0.0, math.log(0.3)]) + 0.1 * rng.normal(size=3)
    return theta, x, y


register(Workload(
    "gp", gp_nll, gp_inputs, {"tiny": (4, 2), "small": (16, 2), "medium": (128, 3), "large": (512, 3)},
    tags=frozenset({"array", "linalg"}), elemental=gp_nll_elemental))
