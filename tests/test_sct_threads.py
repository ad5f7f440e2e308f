"""SCT's transform cache under threads: threads that transform the same functions at once
get correct derivatives (checked against JAX), and no thread sees a half-built entry."""

from __future__ import annotations

import threading

import jax
import numpy as np

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import transform
from adcompare.oracle import max_error

sct = ad.engine("sct")
THREADS = 4
ROUNDS = 12


def _make(k: float):
    """A fresh function object per call (a cold cache), with a callee and a loop."""

    def inner(h, w):
        return anp.tanh(h * w) + k * h

    def outer(x, w):
        h = x
        for _ in range(3):
            h = inner(h, w) * x
        return anp.sin(h) + w * x

    return outer


def _run_together(work, n: int) -> list:
    """Run ``work(thread)`` on ``n`` threads released at the same moment; their results or errors."""
    start = threading.Barrier(n, timeout=60)
    results: list = [None] * n

    def target(t: int) -> None:
        try:
            start.wait()
            results[t] = work(t)
        except BaseException as exc:  # reported by the test, not lost in the thread
            results[t] = exc

    threads = [threading.Thread(target=target, args=(t,)) for t in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not any(th.is_alive() for th in threads)
    return results


def test_threads_transforming_the_same_function_agree_with_jax():
    rng = np.random.default_rng(0)
    for r in range(ROUNDS):
        f = _make(0.1 * r)
        x, w = rng.uniform(0.2, 1.2, size=2)
        grad = jax.grad(f, (0, 1))(x, w)
        jvp = jax.jvp(f, (x, w), (1.0, -0.5))

        def work(t: int):
            if t % 2:  # half the threads start in reverse mode, half in forward mode
                g = sct.grad(f, (0, 1))(x, w)
                return sct.jvp(f, (x, w), (1.0, -0.5)), g
            return sct.jvp(f, (x, w), (1.0, -0.5)), sct.grad(f, (0, 1))(x, w)

        for result in _run_together(work, THREADS):
            assert not isinstance(result, BaseException), repr(result)
            ours_jvp, ours_grad = result
            assert max_error(ours_grad, grad) < 1e-12
            assert max_error(ours_jvp, jvp) < 1e-12


def test_threads_asking_for_one_transformation_get_one_entry():
    for r in range(ROUNDS):
        f = _make(0.2 * r)
        entries = _run_together(lambda t: transform.transform(f, "reverse", (0, 1), 2), THREADS)
        assert all(e is entries[0] for e in entries), entries
        assert set(entries[0].functions) == {"fwd", "bwd"}
