"""The parent side of the one subprocess protocol: cells measured in a fresh process.

:func:`run` sends a list of :class:`~adcompare.measure.cell.Cell` to
``python -m adcompare.measure.worker`` with the measurement settings
(:data:`~adcompare.measure.cell.SETTINGS_ENV`: one thread per framework,
glibc's allocator thresholds fixed) and returns each cell's rows. A crash or a
time-out never loses the rows already printed: every cell without rows gets
one row that says what happened.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from adcompare.measure.cell import SETTINGS_ENV, Cell


def run(cells: list[Cell], timeout: float = 600.0) -> list[list[dict]]:
    """The rows of each cell, all measured in one fresh process, in order."""
    env = {**os.environ, **SETTINGS_ENV}
    try:
        proc = subprocess.run([sys.executable, "-m", "adcompare.measure.worker",
                               json.dumps([c.to_json() for c in cells])],
                              capture_output=True, text=True, timeout=timeout, env=env)
        stdout, status = proc.stdout, "error"
        problem = f"exit {proc.returncode}: " + (proc.stderr.strip().splitlines() or ["no output"])[-1]
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        status, problem = "timeout", f"timeout: over {timeout:.0f} s"
    rows: dict[int, list[dict]] = {}
    for line in stdout.splitlines():
        if line.startswith("ROWS "):
            k, payload = line[5:].split(" ", 1)
            rows[int(k)] = json.loads(payload)
    return [rows.get(k) or [{**c.row(), "status": status, "note": problem[:300]}] for k, c in enumerate(cells)]


def run_one(cell: Cell, timeout: float = 600.0) -> list[dict]:
    """The rows of one cell, measured in a fresh process of its own."""
    return run([cell], timeout)[0]
