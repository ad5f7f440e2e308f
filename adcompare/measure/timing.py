"""Wall-clock timing with warm-up and adaptive repeats.

The protocol follows ADBench: after a warm-up call, the number of calls per
sample doubles until one sample takes at least ``min_sample_s``; then
``samples`` samples are taken and the per-call median and quartiles reported.
A JAX result is blocked on (``block_until_ready``) inside every timed call, so
asynchronous dispatch is never mistaken for speed.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax


@dataclass(frozen=True)
class Timing:
    """Per-call seconds: median and quartiles over ``samples`` samples of ``calls`` calls."""

    median: float
    q1: float
    q3: float
    samples: int
    calls: int
    gc_seconds: float  # time the cycle collector ran during the samples, per call


def block(x: Any) -> Any:
    """Wait for JAX's asynchronous results (a no-op on anything else)."""
    return jax.block_until_ready(x)


def time_call(fn: Callable[[], Any], samples: int = 7, min_sample_s: float = 0.05,
              max_calls: int = 1 << 20) -> Timing:
    """Time ``fn()`` per call (its result is blocked on)."""
    block(fn())  # warm-up: caches, compilation, first-touch page faults
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            block(fn())
        elapsed = time.perf_counter() - start
        if elapsed >= min_sample_s or calls >= max_calls:
            break
        calls *= 2
    per_call, gc_time = [], _GCClock()
    with gc_time:
        for _ in range(samples):
            start = time.perf_counter()
            for _ in range(calls):
                block(fn())
            per_call.append((time.perf_counter() - start) / calls)
    q1, _, q3 = statistics.quantiles(per_call, n=4) if len(per_call) > 1 else (per_call[0],) * 3
    return Timing(statistics.median(per_call), q1, q3, samples, calls,
                  gc_time.seconds / (samples * calls))


def time_once(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds of one call (compile or transform time), and its result."""
    start = time.perf_counter()
    out = block(fn())
    return time.perf_counter() - start, out


class _GCClock:
    """Adds up the time Python's cycle collector runs (via ``gc.callbacks``)."""

    def __init__(self):
        self.seconds, self._start = 0.0, 0.0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start

    def __enter__(self):
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self._callback)
