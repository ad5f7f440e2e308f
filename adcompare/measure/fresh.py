"""Run a measuring function in a fresh process, with the measurement settings.

    python -m adcompare.measure.fresh adcompare.report.studies.overhead:measure '{"tool": "sct"}'

calls ``measure(tool="sct")`` and prints ``ROWS [json]``. :func:`call` does the
spawning and parsing; a crash or time-out becomes an error row.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

from adcompare.measure.cell import SETTINGS_ENV


def call(target: str, kwargs: dict, timeout: float = 900.0) -> list[dict]:
    env = {**os.environ, **SETTINGS_ENV}
    try:
        proc = subprocess.run([sys.executable, "-m", "adcompare.measure.fresh", target, json.dumps(kwargs)],
                              capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return [{**kwargs, "status": "timeout", "note": f"over {timeout:.0f} s"}]
    for line in proc.stdout.splitlines():
        if line.startswith("ROWS "):
            return json.loads(line[5:])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return [{**kwargs, "status": "error", "note": f"exit {proc.returncode}: {tail}"[:300]}]


def main() -> None:
    module, func = sys.argv[1].split(":")
    rows = getattr(importlib.import_module(module), func)(**json.loads(sys.argv[2]))
    print("ROWS " + json.dumps(rows, default=float), flush=True)


if __name__ == "__main__":
    main()
