"""Elemental library against operator overloading on ``chain`` (N = 10^4 ops, Python floats).

For each engine, in the same process and interleaved round by round, this times
f (the form that engine differentiates: elemental calls, or natural Python
operators), ``grad`` and ``jvp``, and prints the medians and the ratios
grad/f and jvp/f, each engine against its own primal and against the natural
primal. Rows go to ``reports/data/elemental_speed.csv``.

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="chain length (default 10^4)")
    parser.add_argument("--repeats", type=int, default=31, help="timed rounds (default 31)")
    parser.add_argument("--csv", default="reports/data/elemental_speed.csv")
    args = parser.parse_args()

    w = workloads.get("chain")
    x, codes, consts = w.make_inputs(args.n, np.random.default_rng(0))
    engines = {name: ad.engine(name) for name in ("elemental", "overloading")}
    forms = {"elemental": w.elemental, "overloading": w.natural}

    jobs = {("natural", "f"): lambda: w.natural(x, codes, consts)}
    for name, eng in engines.items():
        f = forms[name]
        f_x = (lambda f: lambda x: f(x, codes, consts))(f)
        jobs[(name, "f")] = (lambda f_x: lambda: f_x(x))(f_x)
        jobs[(name, "grad")] = (lambda eng, f_x: lambda: eng.grad(f_x)(x))(eng, f_x)
        jobs[(name, "jvp")] = (lambda eng, f_x: lambda: eng.jvp(f_x, (x,), (1.0,)))(eng, f_x)

    for job in jobs.values():  # warm-up, and a check that both engines agree
        job()
    g = {name: jobs[(name, "grad")]() for name in engines}
    assert abs(g["elemental"] - g["overloading"]) <= 1e-12 * abs(g["overloading"]), g

    times = {key: [] for key in jobs}
    gc_times = {key: [] for key in jobs}
    gc_total = gc_seconds()
    for _ in range(args.repeats):  # round-robin, so drift hits every job alike
        for key, job in jobs.items():
            gc_before = gc_total[0]
            t0 = time.perf_counter()
            job()
            times[key].append(time.perf_counter() - t0)
            gc_times[key].append(gc_total[0] - gc_before)

    median = {key: statistics.median(v) for key, v in times.items()}
    print(f"chain, N = {args.n}, Python floats, median of {args.repeats} rounds "
          f"(Python {platform.python_version()}, {platform.processor() or platform.machine()})\n")
    print(f"{'engine':<13}{'mode':<6}{'median ms':>11}{'IQR ms':>9}{'GC ms':>8}"
          f"{'/ own f':>9}{'/ natural f':>13}")
    rows = []
    for (name, mode), m in median.items():
        q = statistics.quantiles(times[(name, mode)], n=4)
        own = m / median[(name, "f")]
        natural = m / median[("natural", "f")]
        gc_ms = 1e3 * statistics.median(gc_times[(name, mode)])
        print(f"{name:<13}{mode:<6}{1e3 * m:>11.3f}{1e3 * (q[2] - q[0]):>9.3f}{gc_ms:>8.3f}"
              f"{own:>9.2f}{natural:>13.2f}")
        rows.append({"engine": name, "workload": "chain", "size": args.n, "mode": mode,
                     "backend": "python-float", "device": platform.processor() or platform.machine(),
                     "dtype": "float64", "median_s": m, "q1_s": q[0], "q3_s": q[2],
                     "gc_median_s": gc_ms / 1e3, "ratio_own_f": own, "ratio_natural_f": natural,
                     "repeats": args.repeats, "python": platform.python_version(),
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
