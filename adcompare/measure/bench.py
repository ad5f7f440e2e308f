"""``adcompare bench``: run measurement cells in fresh processes and write one CSV.

Each (tool, problem, size, mode) cell runs in its own process, with one thread
per framework and glibc's allocator thresholds fixed (DESIGN.md's measurement
method); the settings are recorded in every row. A peer that is not installed
gives a ``skipped`` row with a note, never an error.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from adcompare.measure.cell import COLUMNS, SETTINGS_ENV


def cells(problems: Iterable[str], sizes: Iterable[str], tools_: Iterable[str], modes: Iterable[str],
          backend: str, seed: int = 0) -> list[dict]:
    return [{"tool": t, "problem": p, "size": s, "mode": m, "backend": backend, "seed": seed}
            for p, s, t, m in itertools.product(problems, sizes, tools_, modes)]


def run_cell(spec: dict, timeout: float = 600.0) -> dict:
    """One cell in a fresh process; a crash or a time-out becomes a row that says so."""
    return run_cells([spec], timeout)[0]


def run_cells(specs: list[dict], timeout: float = 600.0) -> list[dict]:
    """Several cells in one fresh process (for quick runs); a row for each, whatever happens."""
    env = {**os.environ, **SETTINGS_ENV}
    try:
        proc = subprocess.run([sys.executable, "-m", "adcompare.measure.cell", json.dumps(specs)],
                              capture_output=True, text=True, timeout=timeout, env=env)
        stdout, problem = proc.stdout, f"exit {proc.returncode}: " + (
            proc.stderr.strip().splitlines() or ["no output"])[-1]
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        problem = f"timeout: over {timeout:.0f} s"
    rows = [json.loads(line[4:]) for line in stdout.splitlines() if line.startswith("ROW ")]
    status = "timeout" if problem.startswith("timeout") else "error"
    rows += [{**spec, "status": status, "note": problem[:300]} for spec in specs[len(rows):]]
    return rows


def with_peaks(row: dict, spec: dict, timeout: float) -> dict:
    """Add primal and derivative peaks, each from its own fresh process (jax and torch backends)."""
    if row.get("status") != "ok" or row.get("peak_method"):
        return row
    for phase, key in (("peak-primal", "primal_peak_bytes"), ("peak-derivative", "derivative_peak_bytes")):
        peak_row = run_cell({**spec, "phase": phase}, timeout)
        row[key] = peak_row.get(key)
        row["peak_method"] = peak_row.get("peak_method")
    if row.get("primal_peak_bytes") and row.get("derivative_peak_bytes") is not None:
        row["peak_ratio"] = row["derivative_peak_bytes"] / row["primal_peak_bytes"]
    return row


def run(specs: list[dict], out: Path, peaks: bool = False, timeout: float = 600.0,
        progress=sys.stderr, shared_process: bool = False) -> list[dict]:
    """Run every cell, appending rows to ``out`` as they come (so a long run keeps its data).

    Args:
        shared_process: run all cells of one tool in one process (quick runs only:
            the measurement method wants a fresh process per cell).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    if shared_process:
        by_tool: dict[str, list[dict]] = {}
        for spec in specs:
            by_tool.setdefault(spec["tool"], []).append({**spec, "shared_process": True})
        batches = list(by_tool.values())
    else:
        batches = [[spec] for spec in specs]
    rows, start, done = [], time.perf_counter(), 0
    with open(out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for batch in batches:
            _progress(progress, done + 1, len(specs), batch[0], time.perf_counter() - start)
            for spec, row in zip(batch, run_cells(batch, timeout * len(batch))):
                if peaks:
                    row = with_peaks(row, spec, timeout)
                writer.writerow(row)
                rows.append(row)
            fh.flush()
            done += len(batch)
    if progress is not None:
        progress.write("\n")
    return rows


def _progress(stream, k: int, n: int, spec: dict, elapsed: float) -> None:
    if stream is None:
        return
    width = 24
    done = int(width * (k - 1) / n)
    label = f"{spec['problem']}/{spec['size']} {spec['tool']} {spec['mode']}"
    stream.write(f"\r[{'#' * done}{'.' * (width - done)}] {k}/{n} {elapsed:5.0f}s  {label:<44}")
    stream.flush()


def table(rows: list[dict]) -> str:
    """A plain-text summary: derivative / primal time ratio and kept bytes per cell."""
    lines = [f"{'problem':<12}{'size':<8}{'tool':<18}{'mode':<8}{'ratio':>9}{'deriv ms':>11}"
             f"{'ops x':>7}{'kept KB':>10}  status"]
    for r in rows:
        ratio = r.get("ratio")
        deriv = r.get("derivative_s")
        ops = r.get("ops_ratio")
        kept = r.get("kept_bytes")
        lines.append(
            f"{r['problem']:<12}{r['size']:<8}{r['tool']:<18}{r['mode']:<8}"
            f"{'' if ratio is None else f'{ratio:9.2f}':>9}"
            f"{'' if deriv is None else f'{deriv * 1e3:11.3f}':>11}"
            f"{'' if ops is None else f'{ops:7.2f}':>7}"
            f"{'' if kept is None else f'{kept / 1024:10.1f}':>10}  "
            f"{r.get('status')}{': ' + r['note'] if r.get('note') else ''}")
    return "\n".join(lines)
