"""SCT speed: chain's grad/f on floats, jit(sct.grad) against jit(jax.grad), transform times.

Three measurements, in one process under DESIGN.md's settings (one thread,
fixed allocator thresholds), each against its baseline in the same run:

1. ``chain`` with N = 10^4 operations on Python floats: SCT's grad / f and
   jvp / f, timed in interleaved rounds (wall clock and this thread's CPU
   time). The goal is grad / f <= 4, the cheap-gradient bound.
2. ``rosenbrock`` and ``mlp`` on jax inputs: ``jax.jit(sct.grad(f))`` against
   ``jax.jit(jax.grad(f))``, run time (and compile time, reported apart). The
   goal is within 1.1x.
3. The transform time of every problem, forward and reverse: uncached (the
   cache cleared; parse to compiled code, callees included) and cached (a
   lookup), in milliseconds.

Rows go to ``reports/data/sct_speed.csv``. Run: ``.venv/bin/python experiments/sct_speed.py``.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

from adcompare.measure.cell import SETTINGS_ENV

if any(os.environ.get(k) != v for k, v in SETTINGS_ENV.items()):
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **SETTINGS_ENV})

import jax  # noqa: E402
import numpy as np  # noqa: E402

jax.config.update("jax_enable_x64", True)

import adcompare as ad  # noqa: E402
from adcompare import workloads  # noqa: E402
from adcompare.engine import partial_args  # noqa: E402
from adcompare.engines.sct import transform  # noqa: E402
from adcompare.measure.cell import machine  # noqa: E402
from adcompare.measure.timing import time_call  # noqa: E402

sct = ad.engine("sct")


def chain_ratio(n: int, rounds: int) -> list[dict]:
    w = workloads.get("chain")
    x, codes, consts = w.make_inputs(n, np.random.default_rng(0))
    grad = sct.grad(w.natural)
    f_x = partial_args(w.natural, (x, codes, consts), (0,))
    jobs = {"f": lambda: w.natural(x, codes, consts),
            "grad": lambda: grad(x, codes, consts),
            "jvp": lambda: sct.jvp(f_x, (x,), (1.0,))}
    for job in jobs.values():
        job()
    wall = {k: [] for k in jobs}
    cpu = {k: [] for k in jobs}
    for _ in range(rounds):  # round-robin: load and drift hit every job alike
        for key, job in jobs.items():
            c0, t0 = time.thread_time(), time.perf_counter()
            job()
            wall[key].append(time.perf_counter() - t0)
            cpu[key].append(time.thread_time() - c0)
    f_wall, f_cpu = statistics.median(wall["f"]), statistics.median(cpu["f"])
    print(f"1. chain, N = {n}, Python floats, median of {rounds} interleaved rounds")
    rows = []
    for key in jobs:
        m, c = statistics.median(wall[key]), statistics.median(cpu[key])
        q1, _, q3 = statistics.quantiles(wall[key], n=4)
        print(f"   {key:<5} {1e3 * m:8.2f} ms (IQR {1e3 * (q3 - q1):.2f})  CPU {1e3 * c:8.2f} ms"
              f"   /f: wall {m / f_wall:5.2f}  CPU {c / f_cpu:5.2f}")
        rows.append({"study": "chain", "problem": "chain", "size": n, "backend": "python-float",
                     "mode": key, "median_s": m, "q1_s": q1, "q3_s": q3, "cpu_s": c,
                     "ratio": m / f_wall, "ratio_cpu": c / f_cpu, "baseline": "f"})
    return rows


def jit_ratio(problem: str, size: str) -> list[dict]:
    w = workloads.get(problem)
    args = w.inputs(size, backend="jax")
    rows, times = [], {}
    for tool, grad in (("sct", sct.grad), ("jax", jax.grad)):
        g = jax.jit(grad(w.natural, w.argnums))
        t0 = time.perf_counter()
        jax.block_until_ready(g(*args))
        first = time.perf_counter() - t0
        timing = time_call(lambda g=g: g(*args))
        times[tool] = timing.median
        rows.append({"study": "jit", "problem": problem, "size": size, "backend": "jax",
                     "mode": f"jit({tool}.grad)", "median_s": timing.median, "q1_s": timing.q1,
                     "q3_s": timing.q3, "compile_s": first - timing.median, "baseline": "jit(jax.grad)"})
    ratio = times["sct"] / times["jax"]
    for row in rows:
        row["ratio"] = row["median_s"] / times["jax"]
    print(f"   {problem:<11}{size:<8} jit(sct.grad) {1e3 * times['sct']:9.3f} ms   jit(jax.grad) "
          f"{1e3 * times['jax']:9.3f} ms   ratio {ratio:5.2f}   compile {rows[0]['compile_s']:.2f} s "
          f"vs {rows[1]['compile_s']:.2f} s")
    return rows


def transform_times(repeats: int) -> list[dict]:
    print("3. transform time per problem: uncached (ms, median of repeats) / cached lookup (us)")
    rows = []
    transform.transform(workloads.get("seed").natural, "reverse", (0,))  # imports and first-use costs
    for name in workloads.names():
        w = workloads.get(name)
        cells = []
        for mode in ("forward", "reverse"):
            spent = []
            for _ in range(repeats):
                transform.clear_cache()
                t0 = time.perf_counter()
                transform.transform(w.natural, mode, w.argnums)
                spent.append(time.perf_counter() - t0)
            cached = time_call(lambda m=mode: transform.transform(w.natural, m, w.argnums), samples=5,
                               min_sample_s=0.01)
            uncached = statistics.median(spent)
            cells.append(f"{mode} {1e3 * uncached:7.2f} ms / {1e6 * cached.median:5.2f} us")
            rows.append({"study": "transform", "problem": name, "size": "", "backend": "",
                         "mode": mode, "median_s": uncached, "cached_s": cached.median,
                         "baseline": ""})
        print(f"   {name:<16}" + "   ".join(cells))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="chain length (default 10^4)")
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument("--jit-sizes", nargs="*", default=["medium", "large"])
    parser.add_argument("--transform-repeats", type=int, default=5)
    parser.add_argument("--csv", default="reports/data/sct_speed.csv")
    args = parser.parse_args()
    info = machine()
    print(f"{info['cpu']}, Python {info['python']}, jax {info['jax']}, load {os.getloadavg()[0]:.1f}\n")

    rows = chain_ratio(args.n, args.rounds)
    print("\n2. jax.jit(sct.grad(f)) against jax.jit(jax.grad(f)), jax inputs, same run")
    for problem in ("rosenbrock", "mlp"):
        for size in args.jit_sizes:
            rows += jit_ratio(problem, size)
    print()
    rows += transform_times(args.transform_repeats)

    for row in rows:
        row.update(info, load_average=os.getloadavg()[0], dtype="float64")
    fields = sorted({k for row in rows for k in row})
    path = Path(args.csv)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
