"""Where SCT's det gradient spends its time: its forward and reverse sweeps, each beside the hand-written split sweep's.

Issue 14 item 5 (SCT's gradient ≤ 3× f at medium on NumPy) fails on det alone, and
``det_hand_adjoint.py`` shows that SCT's mechanism written by hand (a split sweep whose
cotangents are buffers added back by slices) runs in about two thirds of SCT's time. This script
says in which sweep the difference lies and what each sweep calls: in one process and interleaved
rounds (process time, the best of each round), it times f, SCT's forward sweep (``fwd``: value and
residuals), its reverse sweep on those residuals (``bwd``), and the hand-written split sweep's two
halves (``split_fwd``, ``split_bwd_buffers``, and the index-map reverse sweep); then it counts, exactly,
the Python functions and the C functions each gradient calls (``sys.setprofile``), by name. The
gradients are checked against ``jax.grad`` of ``jnp.linalg.det`` first.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/det_sct_profile.py [size]
"""

from __future__ import annotations

import collections
import statistics
import sys
import time
import timeit

import jax
import numpy as np

from adcompare import workloads
from adcompare.engines.sct import transform
from adcompare.workloads.det import det
from experiments.det_hand_adjoint import _positions, split_bwd_buffers, split_bwd_map, split_fwd

jax.config.update("jax_enable_x64", True)


def calls_made(fn) -> collections.Counter:
    """How many times ``fn()`` calls each function (Python or C), by name."""
    seen: collections.Counter = collections.Counter()

    def hook(frame, event, arg):
        if event == "call":
            seen[frame.f_code.co_name] += 1
        elif event == "c_call":
            seen[getattr(arg, "__qualname__", getattr(arg, "__name__", "?"))] += 1

    sys.setprofile(hook)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return seen


def main(size: str = "medium", rounds: int = 7) -> None:
    (a,) = workloads.get("det").inputs(size)
    functions = transform.transform(det, "reverse", (0,), 1).functions
    fwd, bwd = functions["fwd"], functions["bwd"]
    _, residuals = fwd(a)
    saved = split_fwd(a)[1]

    def hand_map() -> None:
        flat, at = _positions(a)
        split_bwd_map(saved, 1.0, flat, at)

    expected = np.asarray(jax.grad(jax.numpy.linalg.det)(a))
    assert np.allclose(bwd(fwd(a)[1], 1.0)[0], expected, rtol=1e-10, atol=1e-10), "SCT's gradient disagrees with JAX's"
    assert np.allclose(split_bwd_buffers(split_fwd(a)[1], 1.0, len(a)), expected, rtol=1e-10, atol=1e-10)
    calls = {"f": lambda: det(a), "sct fwd": lambda: fwd(a), "hand split fwd": lambda: split_fwd(a),
             "sct bwd": lambda: bwd(residuals, 1.0), "hand split bwd (buffers)": lambda: split_bwd_buffers(
                 saved, 1.0, len(a)), "hand split bwd (index map)": hand_map}
    seen = {k: [] for k in calls}
    for _ in range(rounds):
        for k, fn in calls.items():
            seen[k].append(min(timeit.repeat(fn, number=3, repeat=3, timer=time.process_time)) / 3)
    f = statistics.median(seen["f"])
    for k in calls:
        t = statistics.median(seen[k])
        print(f"det {size}: {k} {t * 1e3:.2f} ms = {t / f:.2f}x f (median of {rounds} rounds)")
    sct = calls_made(lambda: bwd(fwd(a)[1], 1.0))
    hand = calls_made(lambda: split_bwd_buffers(split_fwd(a)[1], 1.0, len(a)))
    print(f"calls per gradient: SCT {sum(sct.values())}, hand split (buffers) {sum(hand.values())}")
    for name, n in sct.most_common(25):
        print(f"  {n:7d}  {name}  (hand: {hand.get(name, 0)})")


if __name__ == "__main__":
    main(*sys.argv[1:2])
