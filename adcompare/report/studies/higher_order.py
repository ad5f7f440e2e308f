"""Study 7: Hessians and Hessian-vector products, in each composition, and SCT over SCT.

Forward over reverse (``jacfwd(jacrev f)``, ``jvp(grad f)``) and reverse over
reverse (``jacrev(jacrev f)``, ``grad <grad f, v>``), timed for SCT over SCT
(``sct:sct``: SCT transforms its own output), overloading over SCT
(``sct:boxes``: the generated code runs on the overloading engine's boxes),
the overloading and elemental engines, ``jax.jit``, PyTorch and autograd. The
SCT configurations' cells are held against ``jax.jit``'s answer in the cell itself
(``max_error``; the other engines' Hessians are checked in study 1), so the
claims count only cells that ran and were correct; a configuration the engine
does not build yet, or a composition it refuses, is an ``unsupported`` row
whose note is the engine's own message. :func:`claims` decides the verdicts
from the rows alone.
"""

from __future__ import annotations

import adcompare as ad
from adcompare.measure import bench
from adcompare.measure.cell import Cell
from adcompare.measure.modes import SECOND_ORDER
from adcompare.report import plots
from adcompare.report.study import Claim, Context, Section, fmt, md_table, read_csv, why

COMPOSITION = {"hessian": "H fwd-over-rev", "hessian-rr": "H rev-over-rev",
               "hvp": "Hv fwd-over-rev", "hvp-rr": "Hv rev-over-rev"}
SCT_SCT, SCT_BOXES = "sct:sct", "sct:boxes"
TOOLS = (SCT_SCT, SCT_BOXES, "overloading", "elemental", "jax+jit", "torch", "autograd")
NOISE = 1.3  # timings on these 2-core machines vary by about this factor run to run (the report's limits)
CHECKED = (SCT_SCT, SCT_BOXES)  # where a claim reads the answer; JAX's reference is jitted (eager: seconds a cell)


def correct(row: dict) -> bool:
    """A cell that ran and whose answer was held against JAX's and agreed (status ``wrong`` otherwise)."""
    return row.get("status") == "ok" and row.get("max_error") is not None


def _notes(rows: list[dict]) -> str:
    """The distinct reasons a tool's cells did not run, each once."""
    return "; ".join(dict.fromkeys(why(r) for r in rows if r.get("status") != "ok"))


def claims(rows: list[dict]) -> list[Claim]:
    """The verdicts, from the rows alone (see the module docstring)."""
    mine = [r for r in rows if r["tool"] == SCT_SCT]
    boxes = [r for r in rows if r["tool"] == SCT_BOXES]
    good, good_boxes = [r for r in mine if correct(r)], [r for r in boxes if correct(r)]
    wrong = [r for r in mine if r.get("status") == "wrong"]
    where = ", ".join(sorted({COMPOSITION.get(r["mode"], r["mode"]) for r in good}))
    evidence = (f"SCT over SCT ran and agreed with JAX in {len(good)}/{len(mine)} cells"
                + (f" ({where})" if good else "") + f"; overloading over SCT in {len(good_boxes)}/{len(boxes)}")
    if not mine:
        verdict = "not measured"
    elif wrong:
        verdict = "does not hold"
        evidence += "; wrong answers: " + ", ".join(f"{r['problem']}/{r['size']} {r['mode']}" for r in wrong)
    elif len(good) == len(mine):
        verdict = "holds"
    elif good:
        verdict = "partly"
    else:  # SCT's output differentiates again only as a program run on another engine's boxes
        verdict = "partly" if boxes and len(good_boxes) == len(boxes) else "does not hold"
    if len(good) < len(mine):
        evidence += f". SCT over SCT: {_notes(mine)}"
    out = [Claim("SCT makes higher-order derivatives easy: its output is a program that can be transformed again.",
                 verdict, evidence, "figures/higher_order.png")]
    pairs = [(a, b) for a in good for b in good_boxes
             if (a["problem"], a["size"], a["mode"]) == (b["problem"], b["size"], b["mode"])]
    if pairs:
        speedups = [b["derivative_s"] / a["derivative_s"] for a, b in pairs]
        faster = [q for q in speedups if q >= NOISE]
        slower = [q for q in speedups if q <= 1 / NOISE]
        out.append(Claim(
            "Second order by transforming the source again is faster than running generated code on a tape.",
            "holds" if len(faster) == len(pairs) else ("partly" if faster else "does not hold"),
            f"SCT over SCT faster than overloading over SCT by more than the run-to-run spread ({NOISE}x) in "
            f"{len(faster)}/{len(pairs)} cells, slower by as much in {len(slower)}; time of overloading over SCT "
            f"/ SCT over SCT {fmt(min(speedups))}-{fmt(max(speedups))}", "figures/higher_order.png"))
    return out


def _cell(r: dict | None) -> str:
    """One tool's entry in the table: ms and the ratio to f, or why there is none."""
    if r is None:
        return "–"
    if r.get("status") == "ok":
        return f"{fmt(r['derivative_s'] * 1e3, 3)} ({fmt(r.get('ratio'), 1)}×)"
    return r.get("status") or "–"


def _figure(ctx: Context, rows: list[dict], labels: list[str]):
    ok = [r for r in rows if r.get("status") == "ok"]
    fig, axes = plots.plt.subplots(1, len(SECOND_ORDER), figsize=(13, 3.6), dpi=110, sharey=True)
    for ax, mode in zip(axes, SECOND_ORDER):
        for tool in TOOLS:
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
    return plots.save(fig, ctx.figure_path("higher_order.png"), legend_outside=False)


def run(ctx: Context) -> Section:
    problems = ctx.scale.pick([("rosenbrock", "tiny")], [("rosenbrock", "tiny"), ("rosenbrock", "small"),
                                                         ("helmholtz", "small")],
                              [("rosenbrock", "small"), ("helmholtz", "small"), ("helmholtz", "medium"),
                               ("gmm", "tiny")])
    specs = [Cell("bench", t, p, s, m, samples=3, min_sample_s=ctx.scale.pick(0.001, 0.01, 0.05),
                  options={"check": "jax+jit" if t in CHECKED else False})
             for p, s in problems for t in TOOLS for m in SECOND_ORDER]
    ctx.say(f"higher order: {len(specs)} cells")
    path = ctx.data_dir / "higher_order.csv"
    bench.run(specs, path, timeout=900, progress=ctx.progress, shared_process=ctx.scale.shared_process)
    rows = read_csv(path)
    fig_path = _figure(ctx, rows, [f"{p}/{s}" for p, s in problems])

    by_key = {(r["problem"], r["size"], r["mode"], r["tool"]): r for r in rows}
    table = [[p, s, COMPOSITION[m]] + [_cell(by_key.get((p, s, m, t))) for t in TOOLS]
             for p, s in problems for m in SECOND_ORDER]
    notes = [f"- `{t}`: {n}" for t in TOOLS if (n := _notes([r for r in rows if r["tool"] == t]))]
    default = ", ".join(f"{k}={getattr(ad.engine('sct'), k, '?')!r}" for k in ("higher", "control"))
    text = ("Time of the full Hessian (one pass per input) and of one Hessian-vector product, in ms and "
            "relative to f, in both compositions. `sct:sct` is `SCTEngine(higher=\"sct\")` (SCT transforms its "
            "own output), `sct:boxes` is `SCTEngine(higher=\"boxes\")` (the generated code runs on the "
            "overloading engine's boxes); the default `sct` engine is "
            f"`SCTEngine({default})`. "
            "The SCT configurations' answers are held against `jax.jit`'s in each cell (`max_error` in the data; "
            "study 1 checks the engines); a cell that disagreed is `wrong`, a configuration or composition "
            "the engine does not do is `unsupported`.\n\n"
            f"![higher order]({fig_path.relative_to(ctx.fig_dir.parent)})\n\n"
            + md_table(["problem", "size", "composition"] + [f"`{t}` ms (× f)" for t in TOOLS], table)
            + ("\n\nCells that did not run:\n" + "\n".join(notes) if notes else "")
            + "\n\nData: `reports/data/higher_order.csv`.")
    return Section("7. Higher order: Hessians and HVPs", text, claims(rows))
