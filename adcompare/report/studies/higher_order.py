"""Study 7: Hessians and Hessian-vector products, in each composition.

Forward over reverse (``jacfwd(jacrev f)``, ``jvp(grad f)``) and reverse over
reverse (``jacrev(jacrev f)``, ``grad <grad f, v>``), for each engine and the
peers that can. Every engine composes with itself because every rule is
written with primitives.
"""

from __future__ import annotations

import adcompare as ad
from adcompare.measure import bench
from adcompare.measure.cell import Cell
from adcompare.measure.modes import SECOND_ORDER
from adcompare.measure.tools import available
from adcompare.report import plots
from adcompare.report.study import Claim, Context, Section, fmt, md_table, read_csv

COMPOSITION = {"hessian": "H fwd-over-rev", "hessian-rr": "H rev-over-rev",
               "hvp": "Hv fwd-over-rev", "hvp-rr": "Hv rev-over-rev"}


def run(ctx: Context) -> Section:
    problems = ctx.scale.pick([("rosenbrock", "tiny")], [("rosenbrock", "tiny"), ("rosenbrock", "small"),
                                                         ("helmholtz", "small")],
                              [("rosenbrock", "small"), ("helmholtz", "small"), ("helmholtz", "medium"),
                               ("gmm", "tiny")])
    tools = list(ad.ENGINES) + [p for p in ("jax+jit", "torch", "autograd") if available(p)]
    specs = [Cell("bench", t, p, s, m, samples=3, min_sample_s=ctx.scale.pick(0.001, 0.01, 0.05))
             for p, s in problems for t in tools for m in SECOND_ORDER]
    ctx.say(f"higher order: {len(specs)} cells")
    path = ctx.data_dir / "higher_order.csv"
    bench.run(specs, path, timeout=900, progress=ctx.progress, shared_process=ctx.scale.shared_process)
    rows = read_csv(path)
    ok = [r for r in rows if r.get("status") == "ok"]

    labels = [f"{p}/{s}" for p, s in problems]
    fig, axes = plots.plt.subplots(1, len(SECOND_ORDER), figsize=(13, 3.6), dpi=110, sharey=True)
    for ax, mode in zip(axes, SECOND_ORDER):
        for tool in tools:
            ys = [next((r["ratio"] for r in ok if r["tool"] == tool and r["mode"] == mode
                        and f"{r['problem']}/{r['size']}" == lab), float("nan")) for lab in labels]
            ax.plot(range(len(labels)), ys, **plots.style(tool))
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=7)
        ax.set_yscale("log")
        ax.set_title(COMPOSITION[mode], fontsize=9)
        ax.grid(True, which="both", alpha=0.25)
    axes[0].set_ylabel("derivative time / f time")
    handles, labs = axes[0].get_legend_handles_labels()
    fig.legend(handles, labs, loc="center left", bbox_to_anchor=(0.99, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    fig_path = plots.save(fig, ctx.figure_path("higher_order.png"), legend_outside=False)

    table = [[r["problem"], r["size"], r["tool"], COMPOSITION.get(r["mode"], r["mode"]),
              fmt(r.get("derivative_s") and r["derivative_s"] * 1e3, 3), fmt(r.get("ratio"), 1),
              r["status"] + (f": {r['note']}" if r.get("note") else "")] for r in rows]
    sct_rows = [r for r in rows if r["tool"] == "sct"]
    sct_ok = [r for r in sct_rows if r["status"] == "ok"]
    engines_ok = {e: sum(r["status"] == "ok" for r in rows if r["tool"] == e) for e in ad.ENGINES}
    claims = [Claim(
        "SCT makes higher-order derivatives easy: its output is a program that can be transformed again.",
        ("holds" if sct_rows and len(sct_ok) == len(sct_rows) else "partly" if sct_ok else "not measured"),
        f"SCT ran {len(sct_ok)}/{len(sct_rows)} Hessian and HVP cells in both compositions; "
        + ", ".join(f"{e} {n}/{sum(r['tool'] == e for r in rows)}" for e, n in engines_ok.items())
        + " (correctness of every engine's Hessians: study 1). SCT's outer derivative runs its generated "
          "code on the overloading engine's boxes: the output is a program that differentiates again, "
          "but SCT does not transform its own output, and reverse over reverse through a user function "
          "that calls an SCT derivative is refused", "figures/higher_order.png")]
    text = ("Time of the full Hessian (one pass per input) and of one Hessian-vector product, relative to f, "
            "in both compositions. The correctness of these compositions is checked in study 1 (the Hessian "
            "both ways) and in the test suite.\n\n"
            f"![higher order]({fig_path.relative_to(ctx.fig_dir.parent)})\n\n"
            + md_table(["problem", "size", "tool", "composition", "ms", "x f", "status"], table)
            + "\n\nData: `reports/data/higher_order.csv`.")
    return Section("7. Higher order: Hessians and HVPs", text, claims)
