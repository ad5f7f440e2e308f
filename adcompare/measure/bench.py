"""``adcompare bench``: run ``bench`` cells in fresh processes and write one CSV.

Each (tool, problem, size, mode) cell runs in its own process
(:mod:`adcompare.measure.fresh`), with one thread per framework and glibc's
allocator thresholds fixed (DESIGN.md's measurement method); the settings are
recorded in every row. A peer that is not installed gives a ``skipped`` row
with a note, never an error; a cell whose tool raised ``NotImplementedError`` (an
engine option not built, an SCT refusal) is ``unsupported``, with the message as
its note (:func:`adcompare.measure.cell.failure`). The CSV has :data:`~adcompare.measure.costs.COLUMNS`,
then the cells' tags.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from adcompare.measure import fresh
from adcompare.measure.cell import Cell
from adcompare.measure.costs import COLUMNS, ratio


def cells(problems: Iterable[str], sizes: Iterable[str], tools_: Iterable[str], modes: Iterable[str],
          backend: str, **budget) -> list[Cell]:
    """Every (problem, size, tool, mode) cell, in that order, with the timing ``budget`` (samples, ...)."""
    return [Cell("bench", t, p, s, m, backend, **budget)
            for p, s, t, m in itertools.product(problems, sizes, tools_, modes)]


def with_peaks(row: dict, cell: Cell, timeout: float) -> dict:
    """Add primal and derivative peaks, each from its own fresh process (jax and torch backends)."""
    if row.get("status") != "ok" or row.get("peak_method"):
        return row
    for kind, key in (("peak-primal", "primal_peak_bytes"), ("peak-derivative", "derivative_peak_bytes")):
        (peak_row,) = fresh.run_one(dataclasses.replace(cell, kind=kind), timeout)
        row[key] = peak_row.get(key)
        row["peak_method"] = peak_row.get("peak_method")
    if row.get("primal_peak_bytes") and row.get("derivative_peak_bytes") is not None:
        row["peak_ratio"] = ratio(row["derivative_peak_bytes"], row["primal_peak_bytes"])
    return row


def run(cells_: list[Cell], out: Path, peaks: bool = False, timeout: float = 600.0,
        progress=sys.stderr, shared_process: bool = False) -> list[dict]:
    """Run every cell, appending rows to ``out`` as they come (so a long run keeps its data).

    Args:
        shared_process: run all cells of one tool in one process (quick runs only:
            the measurement method wants a fresh process per cell).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    if shared_process:
        by_tool: dict[str, list[Cell]] = {}
        for cell in cells_:
            by_tool.setdefault(cell.tool, []).append(dataclasses.replace(cell, shared_process=True))
        batches = list(by_tool.values())
    else:
        batches = [[cell] for cell in cells_]
    tags = list(dict.fromkeys(k for c in cells_ for k in c.tags))
    rows, start, done = [], time.perf_counter(), 0
    with open(out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS) + tags, extrasaction="ignore")
        writer.writeheader()
        for batch in batches:
            _progress(progress, done + 1, len(cells_), batch[0], time.perf_counter() - start)
            for cell, cell_rows in zip(batch, fresh.run(batch, timeout * len(batch))):
                row = with_peaks(cell_rows[0], cell, timeout) if peaks else cell_rows[0]
                writer.writerow(row)
                rows.append(row)
            fh.flush()
            done += len(batch)
    if progress is not None:
        progress.write("\n")
    return rows


def _progress(stream, k: int, n: int, cell: Cell, elapsed: float) -> None:
    if stream is None:
        return
    width = 24
    done = int(width * (k - 1) / n)
    label = f"{cell.problem}/{cell.label} {cell.tool} {cell.mode}"
    stream.write(f"\r[{'#' * done}{'.' * (width - done)}] {k}/{n} {elapsed:5.0f}s  {label:<44}")
    stream.flush()


def table(rows: list[dict]) -> str:
    """A plain-text summary: derivative / primal time ratio, kept bytes and error against JAX per cell."""
    lines = [f"{'problem':<12}{'size':<8}{'tool':<18}{'mode':<8}{'ratio':>9}{'deriv ms':>11}"
             f"{'ops x':>7}{'kept KB':>10}{'max err':>9}  status"]
    for r in rows:
        ratio = r.get("ratio")
        deriv = r.get("derivative_s")
        ops = r.get("ops_ratio")
        kept = r.get("kept_bytes")
        err = r.get("max_error")
        lines.append(
            f"{r['problem']:<12}{r['size']:<8}{r['tool']:<18}{r['mode']:<8}"
            f"{'' if ratio is None else f'{ratio:9.2f}':>9}"
            f"{'' if deriv is None else f'{deriv * 1e3:11.3f}':>11}"
            f"{'' if ops is None else f'{ops:7.2f}':>7}"
            f"{'' if kept is None else f'{kept / 1024:10.1f}':>10}"
            f"{'' if err is None else f'{err:9.1e}':>9}  "
            f"{r.get('status')}{': ' + r['note'] if r.get('note') else ''}")
    return "\n".join(lines)
