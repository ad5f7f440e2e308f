"""``gmm``: Gaussian mixture log-likelihood with a Wishart prior (GradBench's GMM).

For K components in d dimensions and N points x_i, with α ∈ ℝ^K and, per
component k, μ_k ∈ ℝ^d, q_k ∈ ℝ^d and l_k ∈ ℝ^{d(d−1)/2}:

* Q_k = diag(exp q_k) + L_k, where the strictly lower triangle of L_k is
  filled column by column from l_k (column 0, rows 1..d−1; column 1, rows
  2..d−1; ...);
* β_ik = α_k + Σ_j q_kj − ½ ‖Q_k (x_i − μ_k)‖²;
* E = −(N d/2) log 2π + Σ_i lse_k(β_ik) − N lse(α) − P + K C, with the
  Wishart terms (γ = 1, m = 0, n′ = d + m + 1)
  P = Σ_k [(γ²/2)(‖exp q_k‖² + ‖l_k‖²) − m Σ_j q_kj] and
  C = n′ d (log γ − ½ log 2) − log Γ_d(n′/2).

The signs of P and C are GradBench's, which corrects ADBench's. The natural
form is vectorized over points and components: (K, N, d) arrays.

Arguments: α (K), μ (K×d), q (K×d), l (K×d(d−1)/2), all differentiated:
K(1 + d + d(d+1)/2) values, 30 at d = 2, K = 5. Then the constants x (N×d)
and ``lower_index`` (d×d ints: 1 + the position in l_k of each strictly lower
entry, 0 elsewhere; see :func:`lower_index`).

Inputs follow GradBench's generator: ``numpy.random.default_rng(31337)`` for
the (d, K, N) at hand (the workload's ``base_seed``; seed s uses 31337 + s),
drawing in this order x (N×d normal), α (K normal), μ (K×d uniform [0, 1),
row by row), q (K×d normal), l (K×d(d−1)/2 normal).

Sizes (d, K, N): (3, 2, 4) tiny (d = 3 so that l's column order matters);
(2, 5, 100) small; (64, 100, 1000) medium, the configuration of the peer
measurements in WORKLOADS.md; (64, 100, 10000) large, GradBench's largest.
"""

from __future__ import annotations

import math

import numpy as np

import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.workloads.registry import Workload, register

WISHART_GAMMA = 1.0
WISHART_M = 0
LOG_GAMMA = math.log(WISHART_GAMMA)
LOG_2PI = math.log(2.0 * math.pi)
LOG_PI = math.log(math.pi)
LOG_2 = math.log(2.0)


def lower_index(d: int) -> np.ndarray:
    """The d×d gather map from [0, l_k] to L_k: entry (r, c), r > c, is 1 + its index in l_k."""
    index = np.zeros((d, d), dtype=np.int64)
    position = 1
    for c in range(d):
        for r in range(c + 1, d):
            index[r, c] = position
            position += 1
    return index


def log_multigamma(a, d):
    """log Γ_d(a) = d(d−1)/4 · log π + Σ_{j=1..d} log Γ(a + (1 − j)/2); a constant."""
    total = d * (d - 1) / 4.0 * LOG_PI
    for j in range(1, d + 1):
        total = total + anp.gammaln(a + (1.0 - j) / 2.0)
    return total


def wishart_constant(d):
    """C = n′ d (log γ − ½ log 2) − log Γ_d(n′/2), with n′ = d + m + 1."""
    dof = d + WISHART_M + 1
    return dof * d * (LOG_GAMMA - 0.5 * LOG_2) - log_multigamma(0.5 * dof, d)


def gmm(alpha, mu, q, l, x, lower_index):
    n, d = anp.shape(x)
    k = len(alpha)
    exp_q = anp.exp(q)
    padded = anp.concatenate([anp.zeros((k, 1), like=l), l], axis=1)
    lower = padded[:, lower_index]  # (K, d, d): the strictly lower part of each Q_k
    centered = anp.reshape(x, (1, n, d)) - anp.reshape(mu, (k, 1, d))  # (K, N, d)
    scaled = centered * anp.reshape(exp_q, (k, 1, d)) + centered @ anp.transpose(lower, (0, 2, 1))
    beta = anp.reshape(alpha + anp.sum(q, axis=1), (k, 1)) - 0.5 * anp.sum(scaled * scaled, axis=2)
    prior = 0.5 * WISHART_GAMMA**2 * (anp.sum(exp_q * exp_q) + anp.sum(l * l)) - WISHART_M * anp.sum(q)
    return (-0.5 * n * d * LOG_2PI + anp.sum(anp.logsumexp(beta, axis=0)) - n * anp.logsumexp(alpha)
            - prior + k * wishart_constant(d))


def log_multigamma_elemental(a, d):
    total = d * (d - 1) / 4.0 * LOG_PI
    for j in range(1, d + 1):
        total = el.add(total, el.gammaln(a + (1.0 - j) / 2.0))
    return total


def wishart_constant_elemental(d):
    dof = d + WISHART_M + 1
    return el.subtract(dof * d * (LOG_GAMMA - 0.5 * LOG_2), log_multigamma_elemental(0.5 * dof, d))


def gmm_elemental(alpha, mu, q, l, x, lower_index):
    n, d = np.shape(x)
    k = el.shape(alpha)[0]
    exp_q = el.exp(q)
    padded = el.concatenate([el.zeros((k, 1), like=l), l], axis=1)
    lower = el.getitem(padded, (slice(None), lower_index))
    centered = el.subtract(el.reshape(x, (1, n, d)), el.reshape(mu, (k, 1, d)))
    scaled = el.add(el.multiply(centered, el.reshape(exp_q, (k, 1, d))),
                    el.matmul(centered, el.transpose(lower, (0, 2, 1))))
    beta = el.subtract(el.reshape(el.add(alpha, el.sum(q, axis=1)), (k, 1)),
                       el.multiply(0.5, el.sum(el.multiply(scaled, scaled), axis=2)))
    squares = el.add(el.sum(el.multiply(exp_q, exp_q)), el.sum(el.multiply(l, l)))
    prior = el.subtract(el.multiply(0.5 * WISHART_GAMMA**2, squares), el.multiply(WISHART_M, el.sum(q)))
    data_term = el.subtract(el.sum(el.logsumexp(beta, axis=0)), el.multiply(n, el.logsumexp(alpha)))
    total = el.subtract(el.add(-0.5 * n * d * LOG_2PI, data_term), prior)
    return el.add(total, el.multiply(k, wishart_constant_elemental(d)))


def gmm_inputs(size: tuple[int, int, int], rng) -> tuple:
    d, k, n = size
    x = rng.standard_normal((n, d))
    alpha = rng.standard_normal(k)
    mu = rng.uniform(size=(k, d))
    q = rng.standard_normal((k, d))
    l = rng.standard_normal((k, d * (d - 1) // 2))
    return alpha, mu, q, l, x, lower_index(d)


register(Workload(
    "gmm", gmm, gmm_inputs,
    {"tiny": (3, 2, 4), "small": (2, 5, 100), "medium": (64, 100, 1000), "large": (64, 100, 10000)},
    argnums=(0, 1, 2, 3), tags=frozenset({"array"}), elemental=gmm_elemental, base_seed=31337))
