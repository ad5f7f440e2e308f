"""Study 6: compile and transform cost, and how it amortizes over calls.

Staging has a one-off price: SCT parses and transforms the source once per
(function, mode, argnums); ``jax.jit`` traces the Python function and XLA
compiles it. We time each stage separately with JAX's ahead-of-time API
(trace, lower, compile), then the steady call, and report the number of calls
after which staging has paid for itself against the same tool run eagerly.

A second part times SCT's transform against function length: generated
straight-line functions of 100 to 5,000 statements and one expression of many
terms (:mod:`adcompare.measure.longsource`), forward and reverse, with the peak
memory the transform allocates (tracemalloc, measured in a run of its own).
A third part (:func:`sequence_part`) times ``jax.jit`` of lstm's gradient as the
sequence grows: SCT's structured output (``sct:lax+jit``: ``lax.scan`` in both
sweeps), SCT's plain output unrolled by tracing (``sct+jit``) and JAX's own
gradient of the ``lax.scan`` form (``jax+scan``); a tool stops at the first length
whose trace+compile passes the scale's cap, and :func:`sequence_claims` decides
from the rows whether compile time stays flat. The measuring is in
:mod:`adcompare.measure.staging`; this module runs its cells and reports.
"""

from __future__ import annotations

import adcompare as ad
from adcompare.measure import fresh
from adcompare.measure.cell import Cell
from adcompare.report import plots
from adcompare.report.study import Claim, Context, Section, fmt, loglog_slope, md_table, why


def length_part(ctx: Context) -> tuple[str, list[Claim]]:
    """Transform time and memory against function length: rows, figure, text and claim."""
    sizes = ctx.scale.pick([100, 300], [100, 300, 1000, 2000], [100, 300, 1000, 2000, 5000])
    terms = ctx.scale.pick([200], [200, 1000], [200, 1000, 2000])
    modes = ["forward", "reverse"]
    jobs = [{"sizes": sizes, "modes": modes}] if ctx.scale.shared_process else [
        {"sizes": [n], "modes": [m]} for n in sizes for m in modes]
    jobs.append({"sizes": terms, "modes": modes, "kind": "expression"})
    rows = []
    for options in jobs:
        ctx.say(f"compile: SCT transform of {options.get('kind', 'straight-line')} functions, "
                f"sizes {options['sizes']}, {options['modes']}")
        rows += fresh.run_one(Cell("transform-length", "sct", options=options), timeout=900)
    ctx.write_csv("compile_length.csv", rows)

    lines = [{**r, "statements": r["size"]} for r in rows if r.get("kind") == "straight-line" and r.get("transform_s")]
    fig, ax_t = plots.figure(8, 3.8)
    ax_m = ax_t.twinx()
    for mode, ls in (("forward", "-"), ("reverse", "--")):
        pts = sorted((r["statements"], r["transform_s"], r.get("peak_mb")) for r in lines if r["mode"] == mode)
        if pts:
            ax_t.plot([p[0] for p in pts], [p[1] for p in pts], color=plots.COLORS["sct"], linestyle=ls,
                      marker="o", label=f"{mode}: transform s")
            ax_m.plot([p[0] for p in pts], [p[2] or float("nan") for p in pts], color="#888888", linestyle=ls,
                      marker="x", label=f"{mode}: peak MB")
    if lines:
        top = max(r["statements"] for r in lines)
        low = min(r["statements"] for r in lines)
        base = min(r["transform_s"] for r in lines if r["statements"] == low)
        ax_t.plot([low, top], [base, base * top / low], color="#cccccc", linestyle=":", label="linear")
    for ax in (ax_t, ax_m):
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax_t.set_xlabel("statements (generated straight-line function)")
    ax_t.set_ylabel("SCT transform, seconds")
    ax_m.set_ylabel("peak traced memory, MB")
    ax_t.set_title("SCT transform against function length", fontsize=9)
    handles = ax_t.get_legend_handles_labels()
    more = ax_m.get_legend_handles_labels()
    ax_t.legend(handles[0] + more[0], handles[1] + more[1], fontsize=7, loc="upper left")
    fig_path = plots.save(fig, ctx.figure_path("compile_length.png"), legend_outside=False)

    claims = []
    for mode in modes:
        pts = sorted((r["statements"], r["transform_s"]) for r in lines if r["mode"] == mode)
        if len(pts) >= 2:
            (n0, t0), (n1, t1) = pts[0], pts[-1]
            slope = loglog_slope(pts)
            claims.append(Claim(
                f"SCT's {mode} transform is near-linear in function length.",
                "holds" if slope < 1.25 else ("partly" if slope < 1.6 else "does not hold"),
                f"{n0} to {n1} statements: {fmt(t0, 3)} s to {fmt(t1, 3)} s, log-log slope {fmt(slope, 2)}",
                "figures/compile_length.png"))
    table = [[r.get("kind"), r.get("size"), r.get("mode"), fmt(r.get("transform_s"), 3),
              fmt(r.get("peak_mb"), 1), r.get("generated_lines", ""), r.get("note", "")] for r in rows]
    text = ("**Transform time against function length.** Generated straight-line functions (each statement "
            "reads two of the last twelve variables; one in five overwrites an earlier one, so the reverse sweep "
            "must save values) and one `return` expression of many terms, transformed uncached in a fresh "
            "process; the peak is the memory the transform allocates (tracemalloc, in a second, separate "
            "transform).\n\n"
            f"![compile length]({fig_path.relative_to(ctx.fig_dir.parent)})\n\n"
            + md_table(["kind", "statements / terms", "mode", "transform s", "peak MB", "generated lines", "note"],
                       table)
            + "\n\nData: `reports/data/compile_length.csv`.")
    return text, claims


SEQUENCE_TOOLS = ("sct:lax+jit", "sct+jit", "jax+scan")  # structured, unrolled, JAX's scan
STRUCTURED, SCAN = "sct:lax+jit", "jax+scan"


def sequence_claims(rows: list[dict]) -> list[Claim]:
    """Verdicts on SCT's structured output, from the sequence rows alone (status ``ok`` means it ran and,
    where checked, agreed with JAX's scan gradient)."""
    ok = [r for r in rows if r.get("status") == "ok" and r.get("staging_s")]
    by_tool = {t: sorted((r["length"], r["staging_s"], r["jit_s"]) for r in ok if r["tool"] == t)
               for t in SEQUENCE_TOOLS}
    mine = by_tool[STRUCTURED]
    others = "; ".join(f"{t} {fmt(loglog_slope([(c, s) for c, s, _ in pts]), 2)} ({pts[0][0]:.0f}-{pts[-1][0]:.0f})"
                       for t, pts in by_tool.items() if t != STRUCTURED and len(pts) >= 2)
    failed = [r for r in rows if r["tool"] == STRUCTURED and r.get("status") != "ok"]
    reason = f"; {STRUCTURED}: {why(failed[0])}" if failed else ""
    if len(mine) >= 2:
        # growth from the shortest to the longest sequence: run-to-run noise is a fraction of a second,
        # whatever the range of c, where a log-log slope of a short range would magnify it
        growth = mine[-1][1] / mine[0][1]
        verdict = "holds" if growth <= 1.5 else ("partly" if growth <= 3.0 else "does not hold")
        evidence = (f"{STRUCTURED} trace+compile {fmt(mine[0][1])} s at c = {mine[0][0]:.0f} to {fmt(mine[-1][1])} s "
                    f"at c = {mine[-1][0]:.0f} ({fmt(growth)}x for {mine[-1][0] / mine[0][0]:.0f}x the length; "
                    f"flat: at most 1.5x), log-log slope {fmt(loglog_slope([(c, s) for c, s, _ in mine]), 2)}")
    else:
        verdict = "not measured"
        evidence = f"{STRUCTURED} ran at {len(mine)} length(s)"
    claims = [Claim("SCT's output handed whole to a compiler: compile time stays flat as the sequence grows.",
                    verdict, evidence + (f"; slopes of the others: {others}" if others else "") + reason,
                    "figures/compile_sequence.png")]
    scan = {c: t for c, _, t in by_tool[SCAN]}
    pairs = [(c, t / scan[c]) for c, _, t in mine if c in scan]
    if pairs:
        within = [c for c, q in pairs if q <= 1.1]
        claims.append(Claim(
            "SCT's structured gradient runs as fast as JAX's own gradient of the scan (within 1.1x, jit).",
            "holds" if len(within) == len(pairs) else ("partly" if within else "does not hold"),
            f"run time {STRUCTURED} / {SCAN}: " + ", ".join(f"c = {c:.0f} {fmt(q)}" for c, q in pairs),
            "figures/compile_sequence.png"))
    return claims


def sequence_part(ctx: Context) -> tuple[str, list[Claim]]:
    """Compile and run time of jit(grad) on lstm (2, 14, c) against c: rows, figure, text and claims."""
    lengths = ctx.scale.pick([4], [8, 32], [64, 128, 256, 512, 1024, 2048, 4096])
    cap = ctx.scale.pick(60.0, 60.0, 120.0)
    samples, min_s = ctx.scale.pick((3, 0.002), (3, 0.01), (7, 0.05))
    rows = []
    for tool in SEQUENCE_TOOLS:
        over = ""
        for c in lengths:
            cell = Cell("jit-stages", tool, "lstm", (2, 14, c), "grad", samples=samples, min_sample_s=min_s,
                        options={"check": SCAN if tool != SCAN else False}, tags={"length": c})
            if over:
                rows.append({**cell.row(), "status": "skipped", "note": over})
                continue
            ctx.say(f"compile: jit of {tool} grad on lstm c = {c}")
            (row,) = fresh.run_one(cell, timeout=2 * cap + 60)
            rows.append(row)
            if row.get("status") == "timeout" or (row.get("staging_s") or 0) > cap:
                over = f"not run: trace+compile at c = {c} passed the {cap:.0f} s cap"
    ctx.write_csv("compile_sequence.csv", rows)

    fig, (ax_c, ax_r) = plots.plt.subplots(1, 2, figsize=(10, 3.6), dpi=110)
    for tool in SEQUENCE_TOOLS:
        pts = sorted((r["length"], r["staging_s"], r["jit_s"]) for r in rows
                     if r["tool"] == tool and r.get("status") == "ok")
        if pts:
            ax_c.plot([p[0] for p in pts], [p[1] for p in pts], **plots.style(tool))
            ax_r.plot([p[0] for p in pts], [p[2] * 1e3 for p in pts], **plots.style(tool))
    for ax, label in ((ax_c, "trace + lower + compile, s"), (ax_r, "jitted grad call, ms")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("c (characters), lstm (2, 14, c)")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.25)
    ax_c.legend(fontsize=7)
    fig_path = plots.save(fig, ctx.figure_path("compile_sequence.png"), legend_outside=False)

    table = [[r.get("length"), r["tool"], fmt(r.get("trace_s"), 3), fmt(r.get("lower_s"), 3),
              fmt(r.get("compile_s"), 3), fmt(r.get("staging_s"), 3), fmt(r.get("jit_s") and r["jit_s"] * 1e3, 3),
              fmt(r.get("max_error")), r.get("status", "") + (f": {r['note']}" if r.get("note") else "")]
             for r in rows]
    text = ("**Compile time against sequence length.** `jax.jit` of lstm's gradient at (2, 14, c): "
            "SCT's structured output (`sct:lax+jit`, `SCTEngine(control=\"lax\")`: loops "
            "emitted as `lax.scan`), SCT's plain Python output, which tracing unrolls (`sct+jit`), and JAX's "
            "own gradient of the workload's `lax.scan` form (`jax+scan`). Each SCT answer is held against "
            "`jax+scan`'s (max error). A fresh process per length keeps JAX's caches from flattening the curve. "
            f"A tool is run only up to the first c whose trace+compile passes {cap:.0f} s "
            "(the cap at this scale): the longer lengths of that tool are marked skipped.\n\n"
            f"![compile against sequence length]({fig_path.relative_to(ctx.fig_dir.parent)})\n\n"
            + md_table(["c", "tool", "trace s", "lower s", "compile s", "total s", "run ms", "max error", "status"],
                       table)
            + "\n\nData: `reports/data/compile_sequence.csv`.")
    return text, sequence_claims(rows)


def run(ctx: Context) -> Section:
    problems = ctx.scale.pick([("rosenbrock", "tiny")],
                              [("rosenbrock", "small"), ("mlp", "small"), ("gmm", "small"), ("lstm", "tiny")],
                              [("rosenbrock", "medium"), ("mlp", "medium"), ("gmm", "small"), ("lstm", "small"),
                               ("det", "small")])
    tools = ["jax"] + list(ad.ENGINES)
    samples, min_s = ctx.scale.pick((3, 0.002), (5, 0.01), (7, 0.05))
    rows = []
    for problem, size in problems:
        for tool in tools:
            ctx.say(f"compile: {problem}/{size} {tool}")
            rows += fresh.run_one(Cell("staging", tool, problem, size, samples=samples, min_sample_s=min_s),
                                  timeout=900)
    ctx.write_csv("compile.csv", rows)

    fig, ax = plots.figure(8, 4)
    labels = [f"{p}/{s}" for p, s in problems]
    for tool in tools:
        for key, ls in (("compile_s", "-"), ("trace_s", ":")):
            ys = [next((r.get(key) for r in rows if r["tool"] == tool and f"{r['problem']}/{r['size']}" == lab),
                       None) or float("nan") for lab in labels]
            st = plots.style(tool)
            st.update(linestyle=ls, label=f"{tool} {'XLA compile' if key == 'compile_s' else 'trace'}")
            ax.plot(range(len(labels)), ys, **st)
    sct_t = [r.get("transform_s") or float("nan") for lab in labels for r in rows
             if r["tool"] == "sct" and f"{r['problem']}/{r['size']}" == lab]
    if len(sct_t) == len(labels):
        ax.plot(range(len(labels)), sct_t, color=plots.COLORS["sct"], linestyle="--", marker="*",
                label="sct source transform (first eager call)")
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("seconds (one-off)")
    ax.set_title("Staging costs of grad: trace, XLA compile, SCT transform", fontsize=9)
    fig_path = plots.save(fig, ctx.figure_path("compile.png"))

    table = [[r["problem"], r["size"], r["tool"], fmt(r.get("transform_s"), 4), fmt(r.get("trace_s"), 3),
              fmt(r.get("lower_s"), 3), fmt(r.get("compile_s"), 3), fmt(r.get("eager_s") and r["eager_s"] * 1e3, 3),
              fmt(r.get("jit_s") and r["jit_s"] * 1e3, 4), fmt(r.get("break_even_calls"), 0), r.get("note", "")]
             for r in rows]
    sct = [r for r in rows if r["tool"] == "sct" and r.get("transform_s") is not None]
    jx = {(r["problem"], r["size"]): r for r in rows if r["tool"] == "jax" and r.get("compile_s")}
    claims = []
    staged = {k: r["trace_s"] + r["compile_s"] for k, r in jx.items()}
    if sct and jx:
        cheaper = [r for r in sct if (r["problem"], r["size"]) in jx and
                   r["transform_s"] < staged[(r["problem"], r["size"])]]
        claims.append(Claim(
            "Source transformation pays its cost once, ahead of time, and is cheap next to a compiler's.",
            "holds" if len(cheaper) == len(sct) else ("partly" if cheaper else "does not hold"),
            "SCT transform vs JAX trace+compile (s): " + ", ".join(
                f"{r['problem']} {fmt(r['transform_s'], 3)} vs {fmt(staged[(r['problem'], r['size'])], 3)}"
                for r in sct if (r["problem"], r["size"]) in jx), "figures/compile.png"))
    text = ("One-off costs of `grad`, each in a fresh process on JAX inputs (CPU): SCT's source transform "
            "(parse to generated code, uncached), and for `jax.jit` of each tool's grad, the trace, lowering and XLA "
            "compile times from JAX's ahead-of-time API. Break-even is the number of calls after which jit's "
            "staging cost is repaid by its faster calls against the same tool run eagerly.\n\n"
            f"![compile]({fig_path.relative_to(ctx.fig_dir.parent)})\n\n"
            + md_table(["problem", "size", "tool", "SCT transform s", "trace s", "lower s", "compile s", "eager ms",
                        "jit ms", "break-even calls", "note"], table)
            + "\n\nData: `reports/data/compile.csv`.")
    length_text, length_claims = length_part(ctx)
    sequence_text, sequence_claims_ = sequence_part(ctx)
    return Section("6. Compile and transform cost", "\n\n".join((text, length_text, sequence_text)),
                   claims + length_claims + sequence_claims_)
