"""det's gradient by hand: the floor a reverse sweep in NumPy reaches on expansion by minors.

Issue 14 asks SCT's gradient ≤ 3× f on every problem at medium on NumPy. det
(ℓ = 7: 8,660 recursive calls on matrices of at most 7×7) is bound by the cost
of each small NumPy call, not by the number of operations (SCT does 2.48× f's
operations there). This script times, in one process and interleaved rounds
(process time, best of each round), f, SCT's gradient and a gradient written
by hand in the same NumPy style (the workload's own ``minor``): one recursion that returns det(a) and adds
its cotangent into a buffer the caller owns (no tape, no residuals, nothing
saved), checked against ``jax.grad`` of ``jnp.linalg.det``.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/det_hand_adjoint.py [size]
"""

from __future__ import annotations

import statistics
import sys
import time
import timeit

import jax
import numpy as np

import adcompare as ad
from adcompare import workloads
from adcompare.workloads.det import det, minor

jax.config.update("jax_enable_x64", True)


def det_and_adjoint(a, g, a_bar):
    """det(a), with g · ∂det/∂a added into a_bar: the cofactor expansion and its adjoint in one recursion."""
    n = len(a)
    if n == 1:
        a_bar[0, 0] += g
        return a[0, 0]
    total = 0.0
    for j in range(n):
        sign_g = g if j % 2 == 0 else -g
        m_bar = np.zeros((n - 1, n - 1))
        d = det_and_adjoint(minor(a, j), sign_g * a[0, j], m_bar)
        a_bar[0, j] += sign_g * d
        if j > 0:
            a_bar[1:, :j] += m_bar[:, :j]
        if j < n - 1:
            a_bar[1:, j + 1:] += m_bar[:, j:]
        total = total + d * a[0, j] if j % 2 == 0 else total - d * a[0, j]
    return total


def hand_grad(a):
    a_bar = np.zeros_like(a)
    det_and_adjoint(a, 1.0, a_bar)
    return a_bar


def main(size: str = "medium", rounds: int = 5) -> None:
    (a,) = workloads.get("det").inputs(size)
    sct_grad = ad.engine("sct").grad(det)
    expected = np.asarray(jax.grad(jax.numpy.linalg.det)(a))
    for name, g in (("hand", hand_grad(a)), ("sct", sct_grad(a))):
        assert np.allclose(g, expected, rtol=1e-10, atol=1e-10), f"{name}'s gradient disagrees with JAX's"
    calls = {"f": lambda: det(a), "sct grad": lambda: sct_grad(a), "hand grad": lambda: hand_grad(a)}
    number = max(1, int(0.2 / timeit.timeit(calls["sct grad"], number=1)))
    seen = {k: [] for k in calls}
    for _ in range(rounds):
        for k, fn in calls.items():
            seen[k].append(min(timeit.repeat(fn, number=number, repeat=5, timer=time.process_time)) / number)
    f = statistics.median(seen["f"])
    for k in ("sct grad", "hand grad"):
        t = statistics.median(seen[k])
        print(f"det {size}: {k} {t * 1e3:.2f} ms = {t / f:.2f}x f (f {f * 1e3:.2f} ms; median of {rounds} rounds)")


if __name__ == "__main__":
    main(*sys.argv[1:2])
