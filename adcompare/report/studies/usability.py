"""Study 8: what each approach asks of its user.

The elemental library has no operators, so its code grows long: we count the
lines and AST nodes of every problem in both forms. Source transformation
reads the user's code, so it must refuse what it cannot differentiate: we show
the messages a user meets on unsupported Python.
"""

from __future__ import annotations

import numpy as np

import adcompare as ad
import adcompare.numpy as anp
from adcompare.report import plots
from adcompare.report.study import Claim, Context, Section, fmt, md_table

# --- unsupported Python, as a user might write it -------------------------------


def uses_try(x):
    try:
        return anp.log(x)
    except ValueError:
        return x


def uses_lambda(x):
    square = lambda v: v * v  # noqa: E731
    return square(x)


def writes_in_place(x):
    y = x * 2.0
    y[0] = 1.0
    return anp.sum(y)


def calls_without_source(x):
    return np.linalg.norm(x)


UNSUPPORTED = (uses_try, uses_lambda, writes_in_place, calls_without_source)


def sct_messages() -> list[tuple[str, str]]:
    if "sct" not in ad.ENGINES:
        return [("(all)", "the SCT engine is not registered in this build")]
    eng = ad.engine("sct")
    out = []
    for fn in UNSUPPORTED:
        try:
            eng.grad(fn)(np.array([1.0, 2.0]))
            out.append((fn.__name__, "(no error: differentiated)"))
        except Exception as exc:
            out.append((fn.__name__, f"{type(exc).__name__}: {exc}"))
    return out


def run(ctx: Context) -> Section:
    from adcompare.measure.source_size import table

    rows = table()
    data = [{"problem": r.problem, "natural_lines": r.natural.lines, "natural_nodes": r.natural.nodes,
             "elemental_lines": r.elemental and r.elemental.lines, "elemental_nodes": r.elemental and r.elemental.nodes}
            for r in rows]
    ctx.write_csv("usability.csv", data)
    both = [d for d in data if d["elemental_nodes"]]
    fig, ax = plots.figure(8, 4)
    xs = np.arange(len(both))
    ax.bar(xs - 0.2, [d["natural_nodes"] for d in both], 0.4, color=plots.COLORS["overloading"],
           label="natural form (operators; overloading, SCT, JAX)")
    ax.bar(xs + 0.2, [d["elemental_nodes"] for d in both], 0.4, color=plots.COLORS["elemental"],
           label="elemental form (library calls)")
    ax.set_xticks(xs, [d["problem"] for d in both], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("AST nodes of the source")
    ax.set_title("Source size of each problem in natural and elemental form", fontsize=9)
    fig_path = plots.save(fig, ctx.figure_path("usability.png"))

    table_rows = [[d["problem"], d["natural_lines"], d["elemental_lines"] or "–", d["natural_nodes"],
                   d["elemental_nodes"] or "–",
                   fmt(d["elemental_nodes"] and d["elemental_nodes"] / d["natural_nodes"], 2)] for d in data]
    longer = [d for d in both if d["elemental_nodes"] > d["natural_nodes"]]
    ratios = [d["elemental_nodes"] / d["natural_nodes"] for d in both]
    messages = sct_messages()
    claims = [Claim(
        "Elemental-library code is longer than the same program with operators.",
        "holds" if both and len(longer) == len(both) else ("partly" if longer else "not measured"),
        f"elemental has more AST nodes on {len(longer)}/{len(both)} problems; ratio "
        f"{fmt(min(ratios), 2)}-{fmt(max(ratios), 2)}x (median {fmt(float(np.median(ratios)), 2)}x)"
        if ratios else "no elemental forms", "figures/usability.png")]
    text = ("Lines (blank lines, comments and docstrings left out) and AST nodes of each problem's source, "
            "helpers included.\n\n"
            f"![usability]({fig_path.relative_to(ctx.fig_dir.parent)})\n\n"
            + md_table(["problem", "natural lines", "elemental lines", "natural nodes", "elemental nodes",
                        "nodes ratio"], table_rows)
            + "\n\n**What SCT says about code it will not differentiate.** The messages below are produced by "
              "this run, on the functions of the same name in `adcompare/report/studies/usability.py`:\n\n"
            + "\n\n".join(f"`{name}`:\n\n```\n{msg}\n```" for name, msg in messages)
            + "\n\nData: `reports/data/usability.csv`.")
    return Section("8. Usability: source size and SCT's refusals", text, claims)
