"""Study 3: derivative / primal time against problem size, for every engine and peer.

The cheap-gradient principle says reverse mode costs a small constant factor
of f (Griewank & Walther: 3-4; the survey: c < 6) and forward mode 2-2.5 per
direction. We measure the ratio on chain, rosenbrock, mlp, gmm and lstm at
growing sizes, each tool against its own primal, through ``adcompare bench``.
"""

from __future__ import annotations

import math

import numpy as np

import adcompare as ad
from adcompare import workloads
from adcompare.measure import bench
from adcompare.measure.cell import Cell
from adcompare.measure.tools import available
from adcompare.report import plots
from adcompare.report.study import Claim, Context, Section, fmt, md_table, read_csv

PROBLEMS = ("chain", "rosenbrock", "mlp", "gmm", "lstm")
AXIS = {"chain": ("N (operations)", lambda v: v), "rosenbrock": ("n", lambda v: v),
        "mlp": ("width", lambda v: v), "gmm": ("N points x K x d", lambda v: math.prod(v)),
        "lstm": ("c (characters)", lambda v: v[2])}


def infeasible(tool: str, problem: str, size: str) -> str | None:
    """Cells we do not run, and why (the reason is written in their row)."""
    if tool.endswith("+jit") and problem in ("chain", "lstm") and size not in ("tiny", "small"):
        return "jax.jit unrolls the Python loop: compile time explodes (DESIGN.md: >6 min at c = 32)"
    if tool == "jax" and problem == "chain" and size == "large":
        return "JAX eager dispatch: ~200 µs per scalar op, hours at N = 10^6"
    if size == "large" and problem in ("gmm", "lstm"):
        return "not run at full scale: minutes per cell per tool (lstm's long sequences are in study 5)"
    if size == "large" and tool == "autograd" and problem == "chain":
        return "about 30 s per gradient: left out to keep the full run under an hour"
    return None


def cells(ctx: Context) -> tuple[list[Cell], list[dict]]:
    sizes = ctx.scale.pick(["tiny"], ["tiny", "small"], ["small", "medium", "large"])
    problems = ctx.scale.pick(("chain", "rosenbrock"), PROBLEMS, PROBLEMS)
    peers = [p for p in ("jax+jit", "autograd", "torch") if available(p)]
    if ctx.scale.name == "full":
        peers.insert(0, "jax")
    specs, skipped = [], []
    for problem in problems:
        for size in sizes:
            for tool, mode in [(e, m) for e in ad.ENGINES for m in ("grad", "jvp")] + [(p, "grad") for p in peers]:
                why = infeasible(tool, problem, size)
                spec = Cell("bench", tool, problem, size, mode, samples=ctx.scale.pick(3, 5, 7),
                            min_sample_s=ctx.scale.pick(0.002, 0.02, 0.1))
                if why:
                    skipped.append({**spec.row(), "status": "skipped", "note": why})
                else:
                    specs.append(spec)
    return specs, skipped


def run(ctx: Context) -> Section:
    specs, skipped = cells(ctx)
    ctx.say(f"scaling: {len(specs)} cells")
    path = ctx.data_dir / "scaling.csv"
    bench.run(specs, path, timeout=900, progress=ctx.progress, shared_process=ctx.scale.shared_process)
    rows = read_csv(path) + skipped
    ctx.write_csv("scaling.csv", rows)
    ok = [r for r in rows if r.get("status") == "ok" and r.get("ratio")]

    figures = {}
    for mode, bounds, label in (("grad", (3, 4), "reverse"), ("jvp", (2, 2.5), "forward")):
        problems = [p for p in PROBLEMS if any(r["problem"] == p and r["mode"] == mode for r in ok)]
        if not problems:
            continue
        fig, axes = plots.plt.subplots(1, len(problems), figsize=(3.1 * len(problems) + 1.6, 3.4), dpi=110,
                                       squeeze=False)
        for ax, problem in zip(axes[0], problems):
            w = workloads.get(problem)
            name, value = AXIS[problem]
            for tool in dict.fromkeys(r["tool"] for r in ok if r["mode"] == mode):
                pts = sorted((value(w.sizes[r["size"]]), r["ratio"]) for r in ok
                             if r["problem"] == problem and r["tool"] == tool and r["mode"] == mode)
                if pts:
                    ax.plot(*zip(*pts), **plots.style(tool))
            plots.band(ax, *bounds, f"cheap-gradient bound ({label} {bounds[0]}-{bounds[1]}x)")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(name)
            ax.set_title(problem, fontsize=9)
            ax.grid(True, which="both", alpha=0.25)
        axes[0][0].set_ylabel(f"{'grad' if mode == 'grad' else 'jvp'} time / f time")
        handles, labels = axes[0][-1].get_legend_handles_labels()
        for ax in axes[0][:-1]:
            h, lab = ax.get_legend_handles_labels()
            for hh, ll in zip(h, lab):
                if ll not in labels:
                    handles.append(hh)
                    labels.append(ll)
        fig.legend(handles, labels, loc="center left", bbox_to_anchor=(0.99, 0.5), fontsize=8, frameon=False)
        fig.tight_layout()
        figures[mode] = plots.save(fig, ctx.figure_path(f"ratio_vs_size_{label}.png"), legend_outside=False)

    table = [[r["problem"], r["size"], r["tool"], r["mode"], fmt(r["primal_s"] * 1e3, 3),
              fmt(r["derivative_s"] * 1e3, 3), f"**{fmt(r['ratio'], 1)}**", fmt(r.get("setup_s"), 2)]
             for r in ok]
    problems_text = ", ".join(f"`{p}`" for p in dict.fromkeys(r["problem"] for r in rows))
    text = (f"Each tool against its own primal, same process, on {problems_text}. Our engines take NumPy "
            f"inputs; `jax+jit` is `jax.jit(jax.grad(f))` against `jax.jit(f)`; `torch` is PyTorch eager; "
            f"`autograd` is HIPS autograd. "
            + ("Each cell ran in a fresh process. " if not ctx.scale.shared_process else
               "At this scale the cells of one tool share a process (fresh per cell at `--scale full`). ")
            + "setup is the first call's extra time (jit compile, SCT transform).\n\n"
            + "".join(f"![{m}]({p.relative_to(ctx.fig_dir.parent)})\n\n" for m, p in figures.items())
            + md_table(["problem", "size", "tool", "mode", "f ms", "derivative ms", "ratio", "setup s"], table)
            + ("\n\nNot run:\n\n" + "\n".join(f"- {r['tool']} on {r['problem']}/{r['size']}: {r['note']}"
                                              for r in skipped) if skipped else "")
            + "\n\nData: `reports/data/scaling.csv`.")
    relative = {m: str(p.relative_to(ctx.fig_dir.parent)) for m, p in figures.items()}
    return Section("3. Derivative / primal ratio against problem size", text, _claims(ok, relative))


def _claims(ok: list[dict], figures: dict) -> list[Claim]:
    claims = []
    rev = [r for r in ok if r["mode"] == "grad" and r["tool"] in ad.ENGINES]
    if rev:
        within = [r for r in rev if r["ratio"] <= 6]
        med = {e: float(np.median([r["ratio"] for r in rev if r["tool"] == e])) for e in ad.ENGINES
               if any(r["tool"] == e for r in rev)}
        claims.append(Claim(
            "Reverse mode costs a small constant factor of f (c < 6; 3-4 by the cheap-gradient bound).",
            "holds" if len(within) == len(rev) else ("partly" if within else "does not hold"),
            f"{len(within)}/{len(rev)} engine cells at <= 6x; median grad/f "
            + ", ".join(f"{e} {fmt(v, 1)}x" for e, v in med.items()),
            figures.get("grad", "")))
    sct = {(r["problem"], r["size"]): r["ratio"] for r in rev if r["tool"] == "sct"}
    oo = {(r["problem"], r["size"]): r["ratio"] for r in rev if r["tool"] == "overloading"}
    both = [k for k in sct if k in oo]
    if both:
        faster = [k for k in both if sct[k] < oo[k]]
        claims.append(Claim(
            "Source transformation is faster than operator overloading (no tape at run time).",
            "holds" if len(faster) == len(both) else ("partly" if faster else "does not hold"),
            f"SCT grad/f below overloading's in {len(faster)}/{len(both)} cells; e.g. "
            + ", ".join(f"{p}/{s} {fmt(sct[(p, s)], 1)} vs {fmt(oo[(p, s)], 1)}" for p, s in both[:4]),
            figures.get("grad", "")))
    return claims
