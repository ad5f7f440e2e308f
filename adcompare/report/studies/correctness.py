"""Study 1: the correctness matrix, engines x problems x modes against JAX (:func:`adcompare.oracle.matrix`)."""

from __future__ import annotations

import adcompare as ad
from adcompare import workloads
from adcompare.oracle import CHECKED, TOLERANCE, matrix
from adcompare.report.study import Claim, Context, Section, fmt, md_table


def run(ctx: Context) -> Section:
    import jax

    jax.config.update("jax_enable_x64", True)
    seeds = ctx.scale.pick(1, 1, 3)
    problems = ctx.scale.pick(["seed", "rosenbrock", "piecewise", "det"], workloads.names(),
                              workloads.names())
    rows = []
    for problem in problems:
        ctx.say(f"correctness: {problem}")
        rows += matrix(ad.ENGINES, [problem], seeds)
    ctx.write_csv("correctness.csv", rows)
    table = []
    for problem in problems:
        cells = []
        for engine in ad.ENGINES:
            mine = [r for r in rows if r["problem"] == problem and r["engine"] == engine]
            worst = max((r["max_error"] for r in mine if r["max_error"] is not None), default=None)
            ok = sum(r["passed"] for r in mine)
            cells.append(f"{ok}/{len(mine)} ({fmt(worst, 1)})")
        table.append([problem] + cells)
    passed, total = sum(r["passed"] for r in rows), len(rows)
    failing = [r for r in rows if not r["passed"]]
    text = (f"Every engine, on every problem, in every mode ({', '.join(CHECKED)}; the Hessian both "
            f"forward-over-reverse and reverse-over-reverse), on NumPy and JAX inputs, over {seeds} "
            f"seed(s), against JAX in float64. A cell passes when the largest error, scaled by the "
            f"size of JAX's answer, is below {TOLERANCE:g}. Each entry: cells passed / cells "
            f"(worst error).\n\n" + md_table(["problem"] + list(ad.ENGINES), table) +
            f"\n\n**{passed} of {total} cells pass.**" +
            ("" if not failing else "\n\nFailing cells:\n\n" + "\n".join(
                f"- {r['engine']} / {r['problem']} / {r['mode']} / {r['backend']}: "
                f"{r['note'] or fmt(r['max_error'])}" for r in failing)) +
            "\n\nData: `reports/data/correctness.csv`.")
    claim = Claim("All three approaches compute the same derivatives (the math is shared; only "
                  "the mechanism differs).", "holds" if not failing else "partly",
                  f"{passed}/{total} cells agree with JAX to < {TOLERANCE:g}")
    return Section("1. Correctness against JAX", text, [claim])
