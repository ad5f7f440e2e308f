"""Study 5: memory against sequence length, on lstm (c characters) and ode (s steps).

The survey: reverse mode's memory grows with the number of operations, because
every intermediate the reverse sweep needs must be kept. We measure, for each
engine and peer, the bytes kept alive for the reverse sweep and the peak
(tracemalloc, NumPy backend) as the sequence grows, next to the bytes of all
the intermediates f computes. :func:`tape_claim` decides, per (problem, length),
whether SCT keeps no more than the overloading engine's tape.
"""

from __future__ import annotations

import numpy as np

import adcompare as ad
from adcompare.measure import bench
from adcompare.measure.cell import Cell
from adcompare.measure.tools import available
from adcompare.report import plots
from adcompare.report.study import Claim, Context, Section, fmt, md_table, read_csv

SWEEPS = {
    "lstm": ("c (characters)", lambda c: (2, 14, c)),
    "ode": ("s (RK4 steps)", lambda s: (10, s)),
}


def lengths(ctx: Context, problem: str) -> list[int]:
    if problem == "lstm":
        return ctx.scale.pick([4, 16], [4, 16, 64], [8, 64, 256, 1024, 4096])
    return ctx.scale.pick([2, 8], [2, 8, 32], [1, 10, 100, 1000])


def sct_over_tape(rows: list[dict]) -> list[tuple[str, float, float]]:
    """(problem, length, SCT's kept bytes / the overloading tape's) wherever both ran."""
    kept = {(r["problem"], r["length"], r["tool"]): r["kept_bytes"] for r in rows
            if r.get("status") == "ok" and r.get("kept_bytes") is not None}
    return sorted((p, n, b / kept[(p, n, "overloading")]) for (p, n, t), b in kept.items()
                  if t == "sct" and kept.get((p, n, "overloading")))


def tape_claim(rows: list[dict]) -> Claim | None:
    """'SCT keeps no more than a tape', decided per (problem, length) from the cells where both ran
    (None where there are none)."""
    pairs = sct_over_tape(rows)
    if not pairs:
        return None
    within = [q for _, _, q in pairs if q <= 1.0]
    worst = max(pairs, key=lambda x: x[2])
    return Claim(
        "Source transformation keeps no more than a tape (SCT's kept bytes <= the overloading tape's).",
        "holds" if len(within) == len(pairs) else ("partly" if within else "does not hold"),
        f"{len(within)}/{len(pairs)} (problem, length) cells; SCT / tape kept bytes "
        f"{fmt(min(q for _, _, q in pairs))}-{fmt(worst[2])}, the most at {worst[0]} length {worst[1]:.0f}",
        "figures/memory_kept.png")


def run(ctx: Context) -> Section:
    tools = list(ad.ENGINES) + [p for p in ("jax", "torch") if available(p)]
    specs = []
    for problem, (_, value) in SWEEPS.items():
        for n in lengths(ctx, problem):
            for tool in tools:
                if tool == "jax" and problem == "lstm" and n > 256:
                    continue  # JAX eager: ~13 s per gradient at c = 1024 (DESIGN.md), minutes beyond
                specs.append(Cell("bench", tool, problem, value(n), samples=3,
                                  min_sample_s=ctx.scale.pick(0.001, 0.01, 0.05), tags={"length": n}))
    ctx.say(f"memory: {len(specs)} cells")
    path = ctx.data_dir / "memory.csv"
    bench.run(specs, path, timeout=1800, progress=ctx.progress, shared_process=ctx.scale.shared_process)
    rows = read_csv(path)
    ok = [r for r in rows if r.get("status") == "ok"]

    fig, axes = plots.plt.subplots(1, 2, figsize=(10, 3.8), dpi=110)
    for ax, (problem, (label, _)) in zip(axes, SWEEPS.items()):
        mine = [r for r in ok if r["problem"] == problem]
        for tool in dict.fromkeys(r["tool"] for r in mine):
            pts = sorted((r["length"], r["kept_bytes"]) for r in mine if r["tool"] == tool and r.get("kept_bytes"))
            if pts:
                ax.plot(*zip(*pts), **plots.style(tool))
        inter = sorted({(r["length"], r["intermediate_bytes"]) for r in mine if r.get("intermediate_bytes")})
        if inter:
            ax.plot(*zip(*inter), color="black", linestyle=":", label="all intermediates of f")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("bytes kept for the reverse sweep")
        ax.set_title(problem, fontsize=9)
        ax.grid(True, which="both", alpha=0.25)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(0.99, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    kept_fig = plots.save(fig, ctx.figure_path("memory_kept.png"), legend_outside=False)

    fig, ax = plots.figure(7, 3.8)
    for (problem, tool) in dict.fromkeys((r["problem"], r["tool"]) for r in ok if r.get("peak_ratio")):
        pts = sorted((r["length"], r["peak_ratio"]) for r in ok
                     if r["problem"] == problem and r["tool"] == tool and r.get("peak_ratio"))
        st = plots.style(tool)
        st.update(label=f"{tool} ({problem})", linestyle="-" if problem == "lstm" else ":")
        ax.plot(*zip(*pts), **st)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sequence length (c or s)")
    ax.set_ylabel("peak memory: derivative / primal (tracemalloc)")
    ax.set_title("Peak memory of grad relative to f", fontsize=9)
    peak_fig = plots.save(fig, ctx.figure_path("memory_peak_ratio.png"))

    slopes, table = {}, []
    for (problem, tool) in dict.fromkeys((r["problem"], r["tool"]) for r in ok):
        pts = sorted((r["length"], r["kept_bytes"]) for r in ok
                     if r["problem"] == problem and r["tool"] == tool and r.get("kept_bytes"))
        if len(pts) >= 2 and pts[-2][0] != pts[-1][0]:  # the asymptotic slope: the two longest runs
            (n0, b0), (n1, b1) = pts[-2:]
            slopes[(problem, tool)] = float(np.log(b1 / b0) / np.log(n1 / n0))
    for r in ok:
        table.append([r["problem"], int(r["length"]), r["tool"], fmt(r.get("kept_bytes") and r["kept_bytes"] / 1024),
                      fmt(r.get("intermediate_bytes") and r["intermediate_bytes"] / 1024),
                      fmt(r.get("kept_ratio")), fmt(r.get("peak_ratio"), 1), fmt(r.get("derivative_s"), 3)])
    engine_slopes = {k: v for k, v in slopes.items() if k[1] in ad.ENGINES}
    linear = [k for k, v in engine_slopes.items() if 0.8 <= v <= 1.2]
    lstm_kept = [r for r in ok if r["problem"] == "lstm" and r["tool"] in ad.ENGINES and r.get("kept_ratio")]
    within = [r for r in lstm_kept if r["kept_ratio"] <= 1.5]
    claims = [Claim(
        "Reverse-mode memory grows with the number of operations (the tape keeps every intermediate).",
        "holds" if engine_slopes and len(linear) == len(engine_slopes) else ("partly" if linear else "does not hold"),
        "log-log slope of kept bytes against length (two longest runs): " + ", ".join(
            f"{t} on {p} {fmt(v, 2)}" for (p, t), v in slopes.items()), "figures/memory_kept.png")]
    if lstm_kept:
        claims.append(Claim(
            "A tape keeps no more than the intermediates f computes (kept / intermediates <= 1.5 on lstm).",
            "holds" if len(within) == len(lstm_kept) else ("partly" if within else "does not hold"),
            f"{len(within)}/{len(lstm_kept)} engine cells; range {fmt(min(r['kept_ratio'] for r in lstm_kept))}"
            f"-{fmt(max(r['kept_ratio'] for r in lstm_kept))}", "figures/memory_kept.png"))
    claims += [c for c in (tape_claim(rows),) if c is not None]
    text = ("Kept bytes are counted from each mechanism's own structures: our engines' tapes, stacks and "
            "residuals; JAX's `vjp` residuals (eager); PyTorch's saved tensors. Intermediates are the bytes of "
            "every primitive result f computes. Peaks come from tracemalloc on the NumPy backend (PyTorch's "
            "and JAX's allocators are outside its view, so they have no peak here).\n\n"
            f"![kept bytes]({kept_fig.relative_to(ctx.fig_dir.parent)})\n\n"
            f"![peak ratio]({peak_fig.relative_to(ctx.fig_dir.parent)})\n\n"
            + md_table(["problem", "length", "tool", "kept KiB", "intermediates KiB", "kept / intermediates",
                        "peak grad / f", "grad s"], table)
            + "\n\nSCT's kept bytes / the overloading tape's: "
            + (", ".join(f"{p} {n:.0f}: {fmt(q)}" for p, n, q in sct_over_tape(rows)) or "no cell where both ran")
            + ".\n\nData: `reports/data/memory.csv`.")
    return Section("5. Memory against sequence length", text, claims)
