"""Elemental library against operator overloading on ``chain`` (N = 10^4 ops, Python floats).

In one process, interleaved round by round, this times the two primals (the
elemental form, made of library calls, and the natural form, made of Python
operators, which is what the overloading engine differentiates) and each
engine's ``grad`` and ``jvp``. It prints the medians (wall clock, and this
thread's CPU time, which a busy machine disturbs less) and the ratios grad/f
and jvp/f, each engine against its own primal and against the natural one.
Rows go to ``reports/data/elemental_speed.csv``.

The survey expects the elemental library to be the cheapest mechanism, since
nothing dispatches through operators. Run: ``.venv/bin/python experiments/elemental_speed.py``.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import gc
import os
import platform
import statistics
import sys
import time
from functools import partial
from pathlib import Path

# DESIGN.md's conditions: one thread, glibc's allocator thresholds fixed before start.
SETTINGS = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "1073741824",
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
if any(os.environ.get(k) != v for k, v in SETTINGS.items()):
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **SETTINGS})

import jax  # noqa: E402
import numpy as np  # noqa: E402

import adcompare as ad  # noqa: E402
from adcompare import workloads  # noqa: E402


def gc_seconds() -> list[float]:
    """A running total of the time spent in Python's cycle collector."""
    total, start = [0.0], [0.0]

    def callback(phase, info):
        if phase == "start":
            start[0] = time.perf_counter()
        else:
            total[0] += time.perf_counter() - start[0]

    gc.callbacks.append(callback)
    return total


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            return next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="chain length (default 10^4)")
    parser.add_argument("--repeats", type=int, default=31, help="timed rounds (default 31)")
    parser.add_argument("--csv", default="reports/data/elemental_speed.csv")
    args = parser.parse_args()

    w = workloads.get("chain")
    x, codes, consts = w.make_inputs(args.n, np.random.default_rng(0))
    forms = {"natural": w.natural, "elemental": w.elemental, "overloading": w.natural}
    jobs = {}
    for name, f in forms.items():
        f_x = partial(lambda f, x: f(x, codes, consts), f)
        jobs[(name, "f")] = partial(f_x, x)
        if name != "natural":
            eng = ad.engine(name)
            jobs[(name, "grad")] = partial(lambda eng, f_x: eng.grad(f_x)(x), eng, f_x)
            jobs[(name, "jvp")] = partial(lambda eng, f_x: eng.jvp(f_x, (x,), (1.0,)), eng, f_x)
    del jobs[("overloading", "f")]  # the overloading engine's f is the natural primal itself

    for job in jobs.values():  # warm-up, and a check that both engines agree
        job()
    g = [jobs[(name, "grad")]() for name in ("elemental", "overloading")]
    assert abs(g[0] - g[1]) <= 1e-12 * abs(g[1]), g

    wall = {key: [] for key in jobs}
    cpu = {key: [] for key in jobs}
    gc_spent = {key: [] for key in jobs}
    gc_total = gc_seconds()
    for _ in range(args.repeats):  # round-robin, so drift and load hit every job alike
        for key, job in jobs.items():
            gc_before, c0, t0 = gc_total[0], time.thread_time(), time.perf_counter()
            job()
            wall[key].append(time.perf_counter() - t0)
            cpu[key].append(time.thread_time() - c0)
            gc_spent[key].append(gc_total[0] - gc_before)

    device, load = cpu_model(), os.getloadavg()[0]
    print(f"chain, N = {args.n}, Python floats, median of {args.repeats} rounds; {device}, "
          f"Python {platform.python_version()}, load average {load:.1f}\n")
    print(f"{'engine':<13}{'mode':<6}{'wall ms':>9}{'IQR':>7}{'CPU ms':>9}{'GC ms':>7}"
          f"{'wall/own f':>12}{'CPU/own f':>11}{'wall/natural f':>16}")
    rows = []
    for name, mode in jobs:
        own = "natural" if name == "overloading" else name
        m, c = statistics.median(wall[(name, mode)]), statistics.median(cpu[(name, mode)])
        q1, _, q3 = statistics.quantiles(wall[(name, mode)], n=4)
        ratio = m / statistics.median(wall[(own, "f")])
        ratio_cpu = c / statistics.median(cpu[(own, "f")])
        ratio_natural = m / statistics.median(wall[("natural", "f")])
        gc_s = statistics.median(gc_spent[(name, mode)])
        print(f"{name:<13}{mode:<6}{1e3 * m:>9.2f}{1e3 * (q3 - q1):>7.2f}{1e3 * c:>9.2f}{1e3 * gc_s:>7.2f}"
              f"{ratio:>12.2f}{ratio_cpu:>11.2f}{ratio_natural:>16.2f}")
        rows.append({"engine": name, "workload": "chain", "size": args.n, "mode": mode,
                     "backend": "python-float", "device": device, "dtype": "float64",
                     "wall_median_s": m, "wall_q1_s": q1, "wall_q3_s": q3, "cpu_median_s": c,
                     "gc_median_s": gc_s, "ratio_own_f": ratio, "ratio_own_f_cpu": ratio_cpu,
                     "ratio_natural_f": ratio_natural, "repeats": args.repeats,
                     "load_average": load, "python": platform.python_version(),
                     "numpy": np.__version__, "jax": jax.__version__,
                     "date": datetime.date.today().isoformat(),
                     "settings": " ".join(f"{k}={v}" for k, v in SETTINGS.items())})

    path = Path(args.csv)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
