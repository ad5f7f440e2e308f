"""Study 2: per-operation overhead of each mechanism, by the cost of the base operation.

The survey says operator overloading can cost an order of magnitude. Whether
it does depends on what one operation costs to begin with: a Python float
multiply is ~50 ns, a NumPy scalar op ~1 us, a small array op a few us, a JAX
eager op tens of us, and under ``jax.jit`` the mechanism runs once at trace
time and not at all afterwards. So we time the same ``chain`` of N scalar
operations on each base and report time per operation: f, forward (jvp) and
reverse (grad). Each tool runs in its own fresh process; the measuring is in
:mod:`adcompare.measure.overhead`.
"""

from __future__ import annotations

import numpy as np

import adcompare as ad
from adcompare.measure import fresh
from adcompare.measure.cell import Cell
from adcompare.measure.overhead import BASES, JIT_OPS
from adcompare.report import plots
from adcompare.report.study import Claim, Context, Section, fmt, md_table


def run(ctx: Context) -> Section:
    n = ctx.scale.pick(200, 1000, 10_000)
    samples, min_s = ctx.scale.pick((3, 0.005), (5, 0.02), (7, 0.1))
    tools = list(ad.ENGINES) + ["jax", "autograd", "torch", "python"]
    rows = []
    for tool in tools:
        ctx.say(f"overhead: {tool}")
        rows += fresh.run_one(Cell("overhead", tool, "chain", samples=samples, min_sample_s=min_s,
                                   options={"n": n}), timeout=900)
    ctx.write_csv("overhead.csv", rows)
    plain = next((r["f"] for r in rows if r.get("tool") == "python" and r.get("f")), None)

    fig, ax = plots.figure(8, 4.5)
    xs = np.arange(len(BASES))
    measured = [r for r in rows if r.get("grad")]
    for tool in dict.fromkeys(r["tool"] for r in measured):
        ys = [next((r["grad"] / r["f"] for r in measured if r["tool"] == tool and r["base"] == b), np.nan)
              for b in BASES]
        ax.plot(xs, ys, **plots.style(tool))
    plots.band(ax, 3, 4, "cheap-gradient bound (reverse 3-4x)")
    ax.axhline(10, color="#444444", linewidth=0.8, linestyle=":", label="10x: 'an order of magnitude'")
    ax.set_yscale("log")
    ax.set_xticks(xs, BASES, fontsize=8)
    ax.set_ylabel("grad time / f time (same tool, same base)")
    ax.set_title(f"Reverse-mode overhead by base operation cost (chain, N = {n}; jit: N = {JIT_OPS})",
                 fontsize=9)
    fig_ratio = plots.save(fig, ctx.figure_path("overhead_ratio.png"))

    fig, ax = plots.figure(8, 4.5)
    for tool in dict.fromkeys(r["tool"] for r in measured):
        ys = [next((r["grad"] * 1e6 for r in measured if r["tool"] == tool and r["base"] == b), np.nan)
              for b in BASES]
        ax.plot(xs, ys, **plots.style(tool))
    if plain:
        ax.axhline(plain * 1e6, **{**plots.style("python"), "marker": None,
                                   "label": "plain Python f (math module)"})
    ax.set_yscale("log")
    ax.set_xticks(xs, BASES, fontsize=8)
    ax.set_ylabel("grad time per operation (µs)")
    ax.set_title("Absolute reverse-mode cost per operation", fontsize=9)
    fig_abs = plots.save(fig, ctx.figure_path("overhead_per_op.png"))

    table = []
    for r in rows:
        if r.get("tool") == "python":
            continue
        f, fwd, rev = r.get("f"), r.get("jvp"), r.get("grad")
        table.append([r["tool"], r["base"], fmt(f and f * 1e6), fmt(fwd and fwd * 1e6),
                      fmt(rev and rev * 1e6), fmt(fwd and f and fwd / f, 1), fmt(rev and f and rev / f, 1),
                      r.get("note", "") or ""])
    oo = {r["base"]: r for r in rows if r.get("tool") == "overloading" and r.get("grad")}
    el = {r["base"]: r for r in rows if r.get("tool") == "elemental" and r.get("grad")}
    ratio = {b: r["grad"] / r["f"] for b, r in oo.items()}
    scalar_ratio = ratio.get("float")
    jit_ratio = ratio.get("jax.jit")
    big = [b for b, v in ratio.items() if v >= 10]
    small = [b for b, v in ratio.items() if v < 10]
    claims = [Claim(
        "Operator overloading costs about an order of magnitude over the function.",
        "partly" if big and small else ("holds" if big else "does not hold"),
        f"overloading grad/f: {', '.join(f'{b} {fmt(v, 1)}x' for b, v in ratio.items())}; "
        f">= 10x on {', '.join(big) or 'no base'}, < 10x on {', '.join(small) or 'no base'}",
        "figures/overhead_ratio.png")]
    # under jax.jit neither mechanism runs after tracing: both time the same compiled arithmetic
    eager = [b for b in el if b in oo and b != "jax.jit"]
    if eager:
        faster = [b for b in eager if el[b]["grad"] < oo[b]["grad"]]
        claims.append(Claim(
            "The elemental library is the cheapest mechanism (no dispatch through operators).",
            "holds" if len(faster) == len(eager) else ("partly" if faster else "does not hold"),
            "elemental vs overloading grad µs/op, on the bases where a mechanism runs: " + ", ".join(
                f"{b} {fmt(el[b]['grad'] * 1e6)} vs {fmt(oo[b]['grad'] * 1e6)}" for b in eager)
            + ". Under jax.jit neither mechanism runs after tracing (both time the same compiled arithmetic), "
              "so that base is left out", "figures/overhead_per_op.png"))
    text = (
        f"Time per operation on `chain` (N = {n} scalar operations; N = {JIT_OPS} under jit, which "
        f"unrolls the loop), for f, forward mode (jvp) and reverse mode (grad), by the base the values "
        f"live on. Each tool ran in its own fresh process; medians of {samples} samples. "
        f"Plain Python with the `math` module runs f at {fmt(plain and plain * 1e6)} µs/op: the floor.\n\n"
        + md_table(["tool", "base", "f µs/op", "jvp µs/op", "grad µs/op", "jvp/f", "grad/f", "note"], table)
        + f"\n\n![grad/f by base]({fig_ratio.relative_to(ctx.fig_dir.parent)})\n\n"
        f"![grad per op]({fig_abs.relative_to(ctx.fig_dir.parent)})\n\n"
        f"**Reading.** The overloading engine's reverse sweep costs {fmt(scalar_ratio, 1)}x f on Python "
        f"floats, where f itself is cheap, and {fmt(jit_ratio, 1)}x under `jax.jit`, where the tape "
        f"runs once at trace time and XLA sees only the arithmetic. The order-of-magnitude claim is a "
        f"claim about cheap base operations.\n\nData: `reports/data/overhead.csv`.")
    return Section("2. Per-operation overhead by base cost", text, claims)
