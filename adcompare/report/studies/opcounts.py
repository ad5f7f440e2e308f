"""Study 4: operation counts of jvp and vjp relative to f, held against the bounds.

Counting primitive applications is deterministic: no noise, no machine. The
bounds are Griewank & Walther's: forward about 2-2.5 ops(f) per direction,
reverse about 3-4 ops(f). The counting is :mod:`adcompare.measure.opcount`'s, in one fresh process.
"""

from __future__ import annotations

import numpy as np

import adcompare as ad
from adcompare import workloads
from adcompare.measure import fresh
from adcompare.measure.cell import Cell
from adcompare.report import plots
from adcompare.report.study import Claim, Context, Section, fmt, md_table


def run(ctx: Context) -> Section:
    size = ctx.scale.pick("tiny", "small", "small")
    problems = ctx.scale.pick(["seed", "chain", "rosenbrock"], workloads.names(), workloads.names())
    ctx.say(f"opcounts: {', '.join(problems)}")
    cells = [Cell("opcounts", engine, problem, size if size in workloads.get(problem).sizes else "tiny")
             for problem in problems for engine in ad.ENGINES]
    rows = [row for rows_ in fresh.run(cells, timeout=1800) for row in rows_]
    ctx.write_csv("opcounts.csv", rows)

    fig, ax = plots.figure(9, 4.2)
    xs = np.arange(len(problems))
    slots = 2 * len(ad.ENGINES)
    width = 0.84 / slots
    for k, engine in enumerate(ad.ENGINES):
        for j, (mode, hatch) in enumerate((("grad", None), ("jvp", "//"))):
            ys = [next((r.get(f"{mode}_ratio") for r in rows if r["engine"] == engine and r["problem"] == p),
                       None) or np.nan for p in problems]
            st = plots.style(engine)
            ax.bar(xs + (2 * k + j - (slots - 1) / 2) * width, ys, width * 0.92, color=st["color"],
                   alpha=1.0 if mode == "grad" else 0.45, hatch=hatch,
                   label=f"{engine} {'vjp' if mode == 'grad' else 'jvp'}")
    plots.band(ax, 3, 4, "reverse bound 3-4x", "#7570b3")
    plots.band(ax, 2, 2.5, "forward bound 2-2.5x", "#1b9e77")
    ax.set_xticks(xs, problems, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("primitive applications / those of f")
    ax.set_title("Operation counts of jvp and vjp (grad) relative to f", fontsize=9)
    path = plots.save(fig, ctx.figure_path("opcounts.png"))

    table = [[r["problem"], r["engine"], r.get("ops_f", "–"), r.get("ops_jvp", "–"), fmt(r.get("jvp_ratio")),
              r.get("ops_grad", "–"), fmt(r.get("grad_ratio"))] for r in rows]
    rev = [r["grad_ratio"] for r in rows if r.get("grad_ratio")]
    fwd = [r["jvp_ratio"] for r in rows if r.get("jvp_ratio")]
    in_rev = sum(r <= 4 for r in rev)
    in_fwd = sum(r <= 2.5 for r in fwd)
    claims = [Claim(
        "The gradient costs at most 3-4 times the operations of f (cheap-gradient principle).",
        "holds" if in_rev == len(rev) else ("partly" if in_rev else "does not hold"),
        f"{in_rev}/{len(rev)} (engine, problem) pairs at <= 4x; range {fmt(min(rev), 2)}-{fmt(max(rev), 2)}x"
        if rev else "no data", "figures/opcounts.png"), Claim(
        "A forward-mode directional derivative costs at most 2-2.5 times the operations of f.",
        "holds" if in_fwd == len(fwd) else ("partly" if in_fwd else "does not hold"),
        f"{in_fwd}/{len(fwd)} pairs at <= 2.5x; range {fmt(min(fwd), 2)}-{fmt(max(fwd), 2)}x"
        if fwd else "no data", "figures/opcounts.png")]
    text = ("Primitive applications, counted exactly: f run on pass-through boxes so that every operator "
            "is counted; jvp (one direction) and grad (forward sweep plus reverse sweep) counted the same "
            f"way, at size `{size}`.\n\n![op counts]({path.relative_to(ctx.fig_dir.parent)})\n\n"
            + md_table(["problem", "engine", "ops f", "ops jvp", "jvp/f", "ops grad", "grad/f"], table)
            + "\n\nRatios above the bound come from shape bookkeeping in the rules (broadcast and "
              "unbroadcast, reshapes of reductions) and from accumulation adds where a value is used "
              "more than once; each is one cheap primitive but counts the same as an exp.\n\n"
              "Data: `reports/data/opcounts.csv`.")
    return Section("4. Operation counts against the cheap-gradient bounds", text, claims)
