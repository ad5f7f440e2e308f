"""Study 9: CPU against GPU, from the GPU CSVs committed in ``reports/data/``.

A GPU run (``experiments/gpu_run.sh`` on a machine with one) writes
``gpu_<device>_<kind>.csv`` for the kinds in :data:`KINDS`; they are committed in
the repository's ``reports/data/``. This study never measures a GPU itself and
never states a GPU number it did not read from those files; each number is
labelled with the device named in its row. The CPU numbers beside them come
from the committed reference CSVs of the same kind (full scale), or this run's
where the repository has none.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from adcompare.report import plots
from adcompare.report.studies.compile import SEQUENCE_TOOLS, sequence_claims
from adcompare.report.study import Claim, Context, Section, fmt, md_table, read_csv

KINDS = ("scaling", "compile_sequence", "higher_order", "overhead")
EAGER = ("overloading", "elemental", "sct", "torch")  # the tools that run op by op on both devices
GAP_CLAIM = "On an accelerator, launch cost replaces Python dispatch and the mechanisms' gaps shrink."
REPO_DATA = Path(__file__).resolve().parents[3] / "reports" / "data"


def data_dirs(ctx: Context) -> list[Path]:
    """Where committed CSVs are looked for: the repository's ``reports/data/`` first, then this run's."""
    return list(dict.fromkeys(p for p in (REPO_DATA, ctx.data_dir) if p.is_dir()))


def gpu_files(dirs: list[Path]) -> dict[str, list[Path]]:
    """The GPU CSVs by kind (``gpu_<device>_<kind>.csv``); a file name found in an earlier folder wins."""
    found: dict[str, Path] = {}
    for d in dirs:
        for path in sorted(d.glob("gpu_*.csv")):
            found.setdefault(path.name, path)
    return {kind: [p for name, p in sorted(found.items()) if name.endswith(f"_{kind}.csv")] for kind in KINDS}


def rows_of(paths: list[Path]) -> list[dict]:
    return [dict(r, source=p.name) for p in paths for r in read_csv(p)]


def cpu_rows(dirs: list[Path], name: str) -> tuple[list[dict], str]:
    """The CPU reference rows of ``name`` (the first folder that has the file) and where they came from."""
    for d in dirs:
        if (d / name).exists():
            where = "reports/data" if d == REPO_DATA else str(d)
            return [r for r in read_csv(d / name) if r.get("status", "ok") == "ok"], f"`{where}/{name}`"
    return [], "no CPU file"


def device_of(rows: list[dict]) -> str:
    return next((str(r["gpu"]) for r in rows if r.get("gpu")), "GPU")


def gap_claim(pairs: dict[tuple, dict[str, tuple[float, float]]], device: str) -> Claim:
    """Whether the eager tools' grad/f ratios lie closer together on the GPU than on the CPU, cell by cell."""
    spreads = []
    for cell, by_tool in pairs.items():
        if len(by_tool) >= 2:
            cpu, gpu = [r[0] for r in by_tool.values()], [r[1] for r in by_tool.values()]
            spreads.append((cell, max(cpu) / min(cpu), max(gpu) / min(gpu)))
    if not spreads:
        return Claim(GAP_CLAIM, "not measured", "no cell with two eager tools measured on both devices")
    narrower = sum(g < c for _, c, g in spreads)
    share = narrower / len(spreads)
    verdict = "holds" if share >= 0.75 else ("partly" if share >= 0.25 else "does not hold")
    return Claim(GAP_CLAIM, verdict,
                 f"spread (largest / smallest grad/f) across the eager tools ({', '.join(EAGER)}) per problem "
                 f"and size: median {fmt(statistics.median(c for _, c, _ in spreads))} on the CPU, "
                 f"{fmt(statistics.median(g for _, _, g in spreads))} on the {device}; narrower on the GPU in "
                 f"{narrower}/{len(spreads)} cells", "figures/cpu_vs_gpu.png")


def scaling_part(ctx: Context, gpu: list[dict], dirs: list[Path]) -> tuple[str, list[Claim]]:
    cpu_list, cpu_source = cpu_rows(dirs, "scaling.csv")
    cpu = {(r["tool"], r["problem"], r["size"], r["mode"]): r for r in cpu_list}
    table, pairs, points = [], {}, []
    for r in gpu:
        key = (r.get("tool"), r.get("problem"), r.get("size"), r.get("mode"))
        c = cpu.get(key)
        table.append([r.get("problem"), r.get("size"), r.get("tool"), r.get("mode"),
                      fmt(r.get("derivative_s") and r["derivative_s"] * 1e3, 3), fmt(r.get("ratio"), 2),
                      fmt(c and c["derivative_s"] * 1e3, 3), fmt(c and c["ratio"], 2)])
        if c and r.get("ratio") and c.get("ratio"):
            points.append((key[0], c["ratio"], r["ratio"]))
            if key[0] in EAGER:
                pairs.setdefault(key[1:], {})[key[0]] = (c["ratio"], r["ratio"])
    device = device_of(gpu)
    text = (f"**Derivative / primal against size.** GPU: {device} (our engines on `jax.Array`s, their `jax.jit` "
            f"forms, JAX, PyTorch CUDA). CPU: {cpu_source}, the same tool, problem, size and mode (our engines "
            "on NumPy there).\n\n"
            + md_table(["problem", "size", "tool", "mode", f"{device} grad ms", f"{device} grad/f",
                        "CPU grad ms", "CPU grad/f"], table))
    if points:
        fig, ax = plots.figure(6, 5)
        for tool, c_ratio, g_ratio in points:
            ax.scatter(c_ratio, g_ratio, **{k: v for k, v in plots.style(tool).items() if k != "linestyle"})
        low = min(min(p[1], p[2]) for p in points) * 0.8
        high = max(max(p[1], p[2]) for p in points) * 1.2
        ax.plot([low, high], [low, high], color="#888888", linestyle=":", label="same ratio")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("CPU derivative / primal")
        ax.set_ylabel(f"{device} derivative / primal")
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles))
        ax.legend(unique.values(), unique.keys(), fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  frameon=False)
        path = plots.save(fig, ctx.figure_path("cpu_vs_gpu.png"), legend_outside=False)
        text += f"\n\n![cpu vs gpu]({path.relative_to(ctx.fig_dir.parent)})"
    return text, [gap_claim(pairs, device)]


def sequence_part(gpu: list[dict]) -> tuple[str, list[Claim]]:
    device = device_of(gpu)
    rows = [r for r in gpu if r.get("tool") in SEQUENCE_TOOLS]
    table = [[f"{r.get('length'):.0f}" if r.get("length") else "–", r["tool"], fmt(r.get("staging_s"), 3),
              fmt(r.get("jit_s") and r["jit_s"] * 1e3, 3), fmt(r.get("max_error")), r.get("status")]
             for r in rows]
    claims = [Claim(f"{c.claim} ({device})", c.verdict, c.evidence, "") for c in sequence_claims(rows)]
    text = (f"**`jax.jit` of lstm's gradient against sequence length on the {device}** (as study 6 measures it "
            "on the CPU, a fresh process per cell; each SCT answer held against `jax+scan`'s).\n\n"
            + md_table(["c", "tool", "trace+lower+compile s", "run ms", "max error", "status"], table))
    return text, claims


def higher_part(gpu: list[dict], dirs: list[Path]) -> str:
    device = device_of(gpu)
    cpu = {(r["tool"], r["problem"], r["size"], r["mode"]): r for r in cpu_rows(dirs, "higher_order.csv")[0]}
    table = []
    for r in gpu:
        c = cpu.get((r.get("tool"), r.get("problem"), r.get("size"), r.get("mode")))
        table.append([r.get("problem"), r.get("size"), r.get("mode"), r.get("tool"),
                      fmt(r.get("derivative_s") and r["derivative_s"] * 1e3, 3), fmt(r.get("ratio"), 1),
                      fmt(c and c["derivative_s"] * 1e3, 3), r.get("status")])
    return (f"**Hessians and HVPs on the {device}**: SCT over SCT (`sct:sct`, and staged by `jax.jit`), the "
            "overloading engine, `jax.jit` and PyTorch CUDA (forward over reverse), those of them the run reached; "
            "CPU: the committed reference where it has the same cell.\n\n"
            + md_table(["problem", "size", "mode", "tool", f"{device} ms", f"{device} / f", "CPU ms", "status"],
                       table))


def overhead_part(gpu: list[dict], dirs: list[Path]) -> str:
    device = device_of(gpu)
    cpu = {(r["tool"], r["base"]): r for r in cpu_rows(dirs, "overhead.csv")[0]}
    us = lambda r, k: fmt(r and r.get(k) and r[k] * 1e6, 2)  # noqa: E731
    table = [[r.get("tool"), r.get("base"), us(r, "f"), us(r, "grad"), us(cpu.get((r.get("tool"), r.get("base"))), "f"),
              us(cpu.get((r.get("tool"), r.get("base"))), "grad")] for r in gpu]
    return (f"**Per-operation cost** (`chain`, scalar operations, µs per operation) on the {device} machine "
            "(jax values on the GPU; torch's tensors where the peer put them) against the CPU reference.\n\n"
            + md_table(["tool", "base", f"{device} f µs", f"{device} grad µs", "CPU f µs", "CPU grad µs"], table))


def run(ctx: Context) -> Section:
    dirs = data_dirs(ctx)
    files = gpu_files(dirs)
    if not any(files.values()):
        return Section("9. CPU against GPU", (
            "No GPU results are committed in `reports/data/` (files named `gpu_*.csv`), so this report "
            "states no GPU number. On a machine with a GPU, `bash experiments/gpu_run.sh` writes them; "
            "the next `adcompare report` then shows them here beside the CPU numbers."),
            [Claim(GAP_CLAIM, "not measured", "no GPU data committed")])
    texts, claims = ["GPU rows read from: " + ", ".join(f"`{p.name}`" for ps in files.values() for p in ps)
                     + ". GPU memory peaks are not reported: the committed run's peaks were not measured "
                       "reliably (see `experiments/gpu_run.sh`)."], []
    ok = {kind: [r for r in rows_of(paths) if r.get("status", "ok") == "ok" or kind == "compile_sequence"]
          for kind, paths in files.items()}
    if ok["scaling"]:
        text, more = scaling_part(ctx, ok["scaling"], dirs)
        texts.append(text)
        claims += more
    if ok["compile_sequence"]:
        text, more = sequence_part(ok["compile_sequence"])
        texts.append(text)
        claims += more
    if ok["higher_order"]:
        texts.append(higher_part(ok["higher_order"], dirs))
    if ok["overhead"]:
        texts.append(overhead_part(ok["overhead"], dirs))
    return Section("9. CPU against GPU", "\n\n".join(texts), claims)
