"""Study 10: checkpointing trades kept memory for recomputation, on lstm and ode.

Griewank's and Chen et al.'s point: a reverse sweep need not keep every
intermediate; it can keep a few states and recompute the rest, at the price of
about one more forward sweep. Each engine differentiates each problem three
ways: without checkpointing, with every step an ``ad.checkpoint`` function
(``lstm@step``), and with the loop cut into checkpointed segments of √n steps
(``lstm@sqrt``). We measure the bytes kept for the reverse sweep, the
tracemalloc peak of the gradient (NumPy backend) and the gradient time.

Next to them is JAX with ``jax.checkpoint`` on the same problem and schedule:
``jax.jit`` of the loss written as one ``lax.scan`` (checkpointed steps, or a
scan over checkpointed √n-step scans), because ``jax.jit`` of the unrolled loop
does not compile in reasonable time at these lengths and eager ``jax.grad``
took about half a minute at c = 1024 on these machines. Its kept bytes are the residuals of an eager
``jax.vjp`` of that scan. The SCT engine gets rows whenever it is in
``ad.ENGINES``; a schedule it cannot differentiate yet shows as an error row.
"""

from __future__ import annotations

from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

import adcompare as ad
from adcompare.measure import bench
from adcompare.measure.cell import Cell
from adcompare.report import plots
from adcompare.report.study import Claim, Context, Section, fmt, md_table, read_csv

SCHEDULES = {"none": "", "step": "@step", "sqrt": "@sqrt"}
MARKERS = {"none": "o", "step": "s", "sqrt": "^"}
PROBLEMS = {
    "lstm": ("c", lambda c: (2, 14, c)),
    "ode": ("s", lambda s: (10, s)),
}
ENGINES = ("overloading", "elemental", "sct")


def lengths(ctx: Context, problem: str) -> list[int]:
    if problem == "lstm":
        return ctx.scale.pick([16], [256], [256, 1024, 4096])
    return ctx.scale.pick([8], [100], [100, 300, 1000])


def tools() -> list[str]:
    return [e for e in ENGINES if e in ad.ENGINES] + ["jax+scan"]


def run(ctx: Context) -> Section:
    specs = []
    for problem, (_, value) in PROBLEMS.items():
        for n in lengths(ctx, problem):
            for schedule, suffix in SCHEDULES.items():
                for tool in tools():
                    specs.append(Cell("bench", tool, problem + suffix, value(n), samples=3,
                                      min_sample_s=ctx.scale.pick(0.001, 0.01, 0.05),
                                      tags={"base": problem, "length": n, "schedule": schedule}))
    ctx.say(f"checkpointing: {len(specs)} cells")
    path = ctx.data_dir / "checkpointing.csv"
    bench.run(specs, path, timeout=1800, progress=ctx.progress, shared_process=ctx.scale.shared_process)
    return section(ctx, read_csv(path))


def section(ctx: Context, rows: list[dict]) -> Section:
    """The report section from the rows of ``checkpointing.csv`` (tagged with base, length and schedule)."""
    ok = [r for r in rows if r.get("status") == "ok"]
    plain = {(r["base"], r["length"], r["tool"]): r for r in ok if r["schedule"] == "none"}
    for r in ok:
        p = plain.get((r["base"], r["length"], r["tool"]))
        r["kept_cut"] = _ratio(p, r, "kept_bytes")
        r["peak_cut"] = _ratio(p, r, "derivative_peak_bytes")
        r["time_cost"] = _ratio(r, p, "derivative_s")

    figure = _figure(ctx, ok)
    table = [[r["base"], r["length"], r["tool"], r["schedule"],
              fmt(r.get("kept_bytes") and r["kept_bytes"] / 1024), fmt(r.get("kept_cut"), 1),
              fmt(r.get("derivative_peak_bytes") and r["derivative_peak_bytes"] / 1024), fmt(r.get("peak_cut"), 1),
              fmt(r.get("derivative_s") and r["derivative_s"] * 1e3, 1), fmt(r.get("time_cost"))]
             for r in ok]
    failed = [f"{r['tool']} on {r['problem']} ({r['size']}): {r.get('status')}: {str(r.get('note'))[:120]}"
              for r in rows if r.get("status") != "ok"]
    text = ("Kept bytes are what the reverse sweep holds after the forward sweep (our tapes; JAX's `vjp` "
            "residuals); the peak is tracemalloc's over the whole gradient (NumPy backend, so none for JAX). "
            "Per step and √n segments are `ad.checkpoint` calls: in the overloading and elemental engines "
            "their pull-back re-runs the segment under the same engine, and in SCT the generated adjoint code "
            "re-runs the segment's generated forward sweep before its reverse sweep; JAX is `jax.jit` of a "
            "`lax.scan` form with `jax.checkpoint` (not eager `jax.grad`). 'kept ÷' is the cut in kept bytes "
            "and 'time ×' the gradient time, both against the same tool without checkpointing; 'peak ÷' the "
            "cut in the peak.\n\n"
            f"![kept bytes and peak against time]({figure.relative_to(ctx.fig_dir.parent)})\n\n"
            + md_table(["problem", "length", "tool", "schedule", "kept KiB", "kept ÷", "peak KiB", "peak ÷",
                        "grad ms", "time ×"], table)
            + ("\n\nCells that did not run: " + "; ".join(failed) if failed else "")
            + "\n\nData: `reports/data/checkpointing.csv`.")
    return Section("10. Checkpointing: memory for time", text, [_claim(ctx, ok, failed)])


def _ratio(a: dict | None, b: dict | None, key: str) -> float | None:
    """a[key] / b[key], where both are there."""
    return a[key] / b[key] if a and b and a.get(key) and b.get(key) else None


def _figure(ctx: Context, ok: list[dict]):
    fig, axes = plots.plt.subplots(2, 2, figsize=(10, 7), dpi=110)
    for col, problem in enumerate(PROBLEMS):
        mine = [r for r in ok if r["base"] == problem]
        longest = max((r["length"] for r in mine), default=None)
        for row, (key, label) in enumerate((("kept_bytes", "bytes kept for the reverse sweep"),
                                            ("derivative_peak_bytes", "peak bytes of grad (tracemalloc)"))):
            ax = axes[row][col]
            for tool in dict.fromkeys(r["tool"] for r in mine):
                pts = [(r["derivative_s"], r[key], r["schedule"]) for s in SCHEDULES for r in mine
                       if r["tool"] == tool and r["length"] == longest and r["schedule"] == s and r.get(key)]
                if not pts:
                    continue
                st = plots.style(tool)
                ax.plot([p[0] for p in pts], [p[1] for p in pts], color=st["color"], linestyle=st["linestyle"],
                        label=tool, alpha=0.7)
                for t, b, schedule in pts:
                    ax.plot([t], [b], color=st["color"], marker=MARKERS[schedule], linestyle="none")
            ax.set_xscale("log")
            ax.set_yscale("log")
            for axis in (ax.xaxis, ax.yaxis):
                low, high = sorted(axis.get_view_interval())
                if low > 0 and high / low < 30:  # less than 1.5 decades: label 1, 2, 5 x 10^k only
                    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
                    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                    axis.set_minor_formatter(NullFormatter())
            ax.set_xlabel("gradient time (s)")
            ax.set_ylabel(label)
            ax.set_title(f"{problem}, {PROBLEMS[problem][0]} = {longest}", fontsize=9)
            ax.grid(True, which="both", alpha=0.25)
    handles, labels = axes[0][0].get_legend_handles_labels()
    for schedule, marker in MARKERS.items():
        handles.append(plots.plt.Line2D([], [], color="black", marker=marker, linestyle="none"))
        labels.append({"none": "no checkpointing", "step": "each step", "sqrt": "√n segments"}[schedule])
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(0.99, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    return plots.save(fig, ctx.figure_path("checkpointing.png"), legend_outside=False)


def _claim(ctx: Context, ok: list[dict], failed: list[str]) -> Claim:
    claim = "√n checkpointing on lstm at c = 4096 cuts kept bytes by ≥10× for ≤2× the gradient time."
    sqrt = [r for r in ok if r["base"] == "lstm" and r["schedule"] == "sqrt" and r.get("kept_cut")
            and r.get("time_cost")]
    if not sqrt:
        return Claim(claim, "not measured", "no lstm √n cell ran", "figures/checkpointing.png")
    c = max(r["length"] for r in sqrt)
    at_c = [r for r in sqrt if r["length"] == c]
    ours = [r for r in at_c if r["tool"] in ad.ENGINES]
    met = [r for r in ours if r["kept_cut"] >= 10 and r["time_cost"] <= 2]
    verdict = ("holds" if ours and len(met) == len(ours) else "partly" if met else
               "does not hold" if ours else "not measured")
    where = f"at c = {c}" + ("" if c == 4096 else f" ({ctx.scale.name} scale: the largest c run, not 4096)")
    evidence = f"{where}: " + ", ".join(
        f"{r['tool']} kept ÷ {fmt(r['kept_cut'], 1)}"
        + (f" (peak ÷ {fmt(r['peak_cut'], 1)})" if r.get("peak_cut") else "")
        + f" for time × {fmt(r['time_cost'])}" for r in at_c)
    missing = [e for e in ad.ENGINES if e not in {r["tool"] for r in at_c}]
    if missing:
        evidence += f"; no √n result for {', '.join(missing)}"
    return Claim(claim, verdict, evidence, "figures/checkpointing.png")
