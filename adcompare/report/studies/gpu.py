"""Study 9: CPU against GPU, from the GPU CSVs committed in ``reports/data/``.

A GPU run (``experiments/gpu_run.sh`` on a machine with one) writes
``reports/data/gpu_<device>_*.csv``. This study never measures a GPU itself and
never states a GPU number it did not read from those files; each number is
labelled with the device named in its row.
"""

from __future__ import annotations

from pathlib import Path

from adcompare.report import plots
from adcompare.report.study import Claim, Context, Section, fmt, md_table, read_csv


def gpu_files(data_dir: Path) -> list[Path]:
    return sorted(data_dir.glob("gpu_*.csv"))


def run(ctx: Context) -> Section:
    files = gpu_files(ctx.data_dir)
    if not files:
        return Section("9. CPU against GPU", (
            "No GPU results are committed in `reports/data/` (files named `gpu_*.csv`), so this report "
            "states no GPU number. On a machine with a GPU, `bash experiments/gpu_run.sh` writes them; "
            "the next `adcompare report` then shows them here beside the CPU numbers."),
            [Claim("On an accelerator, launch cost replaces Python dispatch and the mechanisms' gaps shrink.",
                   "not measured", "no GPU data committed")])
    gpu_rows = [dict(r, source=f.name) for f in files for r in read_csv(f) if r.get("status") == "ok"]
    cpu_path = ctx.data_dir / "scaling.csv"
    cpu_rows = [r for r in read_csv(cpu_path) if r.get("status") == "ok"] if cpu_path.exists() else []
    cpu = {(r["tool"], r["problem"], r["size"], r["mode"]): r for r in cpu_rows}
    table, pairs = [], []
    for r in gpu_rows:
        key = (r.get("tool"), r.get("problem"), r.get("size"), r.get("mode"))
        c = cpu.get(key)
        device = r.get("gpu") or r.get("device")
        table.append([r.get("problem"), r.get("size"), r.get("tool"), r.get("mode"), device,
                      fmt(r.get("derivative_s") and r["derivative_s"] * 1e3, 3), fmt(r.get("ratio"), 1),
                      fmt(c and c["derivative_s"] * 1e3, 3), fmt(c and c["ratio"], 1), r["source"]])
        if c and r.get("ratio"):
            pairs.append((key, c["ratio"], r["ratio"], device))
    text = ("GPU rows read from: " + ", ".join(f"`{f.name}`" for f in files) + ". CPU rows are this run's "
            "`scaling.csv` (same tool, problem, size and mode) where one exists.\n\n"
            + md_table(["problem", "size", "tool", "mode", "GPU device", "GPU deriv ms", "GPU ratio",
                        "CPU deriv ms", "CPU ratio", "GPU file"], table))
    if pairs:
        fig, ax = plots.figure(6, 5)
        for (tool, *_), c_ratio, g_ratio, _ in pairs:
            ax.scatter(c_ratio, g_ratio, **{k: v for k, v in plots.style(tool).items() if k != "linestyle"})
        lim = [min(min(p[1], p[2]) for p in pairs) * 0.8, max(max(p[1], p[2]) for p in pairs) * 1.2]
        ax.plot(lim, lim, color="#888888", linestyle=":", label="same ratio")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("CPU derivative / primal")
        ax.set_ylabel(f"GPU ({pairs[0][3]}) derivative / primal")
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(dict(zip(labels, handles)).values(), dict(zip(labels, handles)).keys(), fontsize=7,
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        path = plots.save(fig, ctx.figure_path("cpu_vs_gpu.png"), legend_outside=False)
        text += f"\n\n![cpu vs gpu]({path.relative_to(ctx.fig_dir.parent)})"
    return Section("9. CPU against GPU", text, [])
