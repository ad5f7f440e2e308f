"""det's gradient by hand: the floors a reverse sweep in NumPy reaches on expansion by minors.

Issue 14 asks SCT's gradient ≤ 3× f on every problem at medium on NumPy. det
(ℓ = 7: 8,660 recursive calls on matrices of at most 7×7) is bound by the cost
of each small NumPy call, not by the number of operations. This script times, in
one process and interleaved rounds (process time, best of each round), f, SCT's
gradient and four gradients written by hand in the same NumPy style (the
workload's own ``minor``), each checked against ``jax.grad`` of ``jnp.linalg.det``:

* joint, buffers: one recursion that returns det(a) and adds its cotangent into a
  buffer the caller owns (a minor's cotangent: a zeros array added back by two slices);
* joint, index map: one recursion that adds every cotangent straight into the root's
  buffer at positions the same ``minor`` of an integer map gives (no buffer per call);
* split, buffers: SCT's shape of sweep (a forward recursion that saves each level's
  a[0, j], det(minor) and the callee's residuals, then a reverse recursion), a minor's
  cotangent as a zeros array added back by two slices;
* split, index map: the split sweep with cotangents routed through the integer map.

The joint forms need the cotangent of each call before the call (det's output is linear
in each minor's determinant); a reverse sweep in general has it only after, so SCT's
mechanism is the split one.

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


def joint_buffers(a, g, a_bar):
    """det(a), with g · ∂det/∂a added into a_bar."""
    n = len(a)
    if n == 1:
        a_bar[0, 0] += g
        return a[0, 0]
    total = 0.0
    for j in range(n):
        sign_g = g if j % 2 == 0 else -g
        m_bar = np.zeros((n - 1, n - 1))
        d = joint_buffers(minor(a, j), sign_g * a[0, j], m_bar)
        a_bar[0, j] += sign_g * d
        _add_minor_bar(a_bar, m_bar, j)
        total = total + d * a[0, j] if j % 2 == 0 else total - d * a[0, j]
    return total


def _add_minor_bar(a_bar, m_bar, j):
    """minor's adjoint: the cotangent of a[1:, :j] and a[1:, j+1:] added back."""
    if j > 0:
        a_bar[1:, :j] += m_bar[:, :j]
    if j < len(a_bar) - 1:
        a_bar[1:, j + 1:] += m_bar[:, j:]


def joint_map(a, g, flat, at):
    """det(a), with g · ∂det/∂a added into ``flat`` at the positions ``at`` (an integer array of a's shape)."""
    n = len(a)
    if n == 1:
        flat[at[0, 0]] += g
        return a[0, 0]
    total = 0.0
    for j in range(n):
        sign_g = g if j % 2 == 0 else -g
        d = joint_map(minor(a, j), sign_g * a[0, j], flat, minor(at, j))
        flat[at[0, j]] += sign_g * d
        total = total + d * a[0, j] if j % 2 == 0 else total - d * a[0, j]
    return total


def split_fwd(a):
    """det(a) and what the reverse sweep reads: each level's a[0, j], det(minor_j) and the callee's residuals."""
    n = len(a)
    if n == 1:
        return a[0, 0], None
    total, saved = 0.0, []
    for j in range(n):
        a0j = a[0, j]
        d, res = split_fwd(minor(a, j))
        saved.append((a0j, d, res))
        total = total + a0j * d if j % 2 == 0 else total - a0j * d
    return total, saved


def split_bwd_buffers(saved, g, n):
    """The cotangent of a (n×n), a new array, from the residuals ``saved`` and det's cotangent ``g``."""
    a_bar = np.zeros((n, n))
    if saved is None:
        a_bar[0, 0] = g
        return a_bar
    for j in reversed(range(n)):
        a0j, d, res = saved[j]
        term_bar = g if j % 2 == 0 else -g
        _add_minor_bar(a_bar, split_bwd_buffers(res, term_bar * a0j, n - 1), j)
        a_bar[0, j] += term_bar * d
    return a_bar


def split_bwd_map(saved, g, flat, at):
    if saved is None:
        flat[at[0, 0]] += g
        return
    for j in reversed(range(len(at))):
        a0j, d, res = saved[j]
        term_bar = g if j % 2 == 0 else -g
        split_bwd_map(res, term_bar * a0j, flat, minor(at, j))
        flat[at[0, j]] += term_bar * d


def _positions(a):
    return np.zeros(a.size), np.arange(a.size).reshape(a.shape)


def hand_joint_buffers(a):
    a_bar = np.zeros_like(a)
    joint_buffers(a, 1.0, a_bar)
    return a_bar


def hand_joint_map(a):
    flat, at = _positions(a)
    joint_map(a, 1.0, flat, at)
    return flat.reshape(a.shape)


def hand_split_buffers(a):
    return split_bwd_buffers(split_fwd(a)[1], 1.0, len(a))


def hand_split_map(a):
    flat, at = _positions(a)
    split_bwd_map(split_fwd(a)[1], 1.0, flat, at)
    return flat.reshape(a.shape)


HAND = {"joint, buffers": hand_joint_buffers, "joint, index map": hand_joint_map,
        "split, buffers": hand_split_buffers, "split, index map": hand_split_map}


def main(size: str = "medium", rounds: int = 5) -> None:
    (a,) = workloads.get("det").inputs(size)
    sct_grad = ad.engine("sct").grad(det)
    expected = np.asarray(jax.grad(jax.numpy.linalg.det)(a))
    calls = {"f": lambda: det(a), "sct grad": lambda: sct_grad(a)}
    calls.update({f"hand grad ({k})": (lambda g=g: g(a)) for k, g in HAND.items()})
    for name, g in calls.items():
        if name != "f":
            assert np.allclose(g(), expected, rtol=1e-10, atol=1e-10), f"{name}'s gradient disagrees with JAX's"
    number = max(1, int(0.2 / timeit.timeit(calls["sct grad"], number=1)))
    seen = {k: [] for k in calls}
    for _ in range(rounds):
        for k, fn in calls.items():
            seen[k].append(min(timeit.repeat(fn, number=number, repeat=5, timer=time.process_time)) / number)
    f = statistics.median(seen["f"])
    for k in calls:
        if k != "f":
            t = statistics.median(seen[k])
            print(f"det {size}: {k} {t * 1e3:.2f} ms = {t / f:.2f}x f (f {f * 1e3:.2f} ms; median of {rounds} rounds)")


if __name__ == "__main__":
    main(*sys.argv[1:2])
