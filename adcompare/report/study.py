"""What every study shares: the scale it runs at, where it writes, what it returns."""

from __future__ import annotations

import csv
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Scale:
    """How big a run is: ``smoke`` (CI, under 2 minutes), ``quick`` (the README's
    default, under 10 minutes on 2 cores) or ``full`` (the real sizes)."""

    name: str

    def pick(self, smoke, quick, full):
        return {"smoke": smoke, "quick": quick, "full": full}[self.name]

    @property
    def shared_process(self) -> bool:
        """Quick runs share one process per tool; full runs use a fresh process per cell."""
        return self.name != "full"


@dataclass
class Claim:
    claim: str
    verdict: str  # "holds", "partly", "does not hold", "not measured"
    evidence: str
    figure: str = ""


@dataclass
class Section:
    title: str
    markdown: str
    claims: list[Claim] = field(default_factory=list)


@dataclass
class Context:
    scale: Scale
    data_dir: Path
    fig_dir: Path
    progress: object = sys.stderr

    def say(self, text: str) -> None:
        if self.progress is not None:
            self.progress.write(f"  {text}\n")
            self.progress.flush()

    def write_csv(self, name: str, rows: list[dict]) -> Path:
        path = self.data_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        columns = list(dict.fromkeys(k for r in rows for k in r))
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        return path

    def figure_path(self, name: str) -> Path:
        return self.fig_dir / name


def read_csv(path: Path) -> list[dict]:
    with open(path) as fh:
        return [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def _number(v: str):
    if v in ("", "None"):
        return None
    try:
        return float(v)
    except ValueError:
        return v


def fmt(x, digits: int = 2) -> str:
    """A number for a table: 3 significant digits-ish, or a dash."""
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-2):
        return f"{x:.{digits}e}"
    return f"{x:.{digits}f}"


def loglog_slope(pts: list[tuple[float, float]]) -> float:
    """The slope of log y against log x between the first and the last point (sorted by x)."""
    (x0, y0), (x1, y1) = sorted(pts)[0], sorted(pts)[-1]
    return math.log(y1 / y0) / math.log(x1 / x0)


def why(row: dict) -> str:
    """A row's status and the first line of its note: why a cell gave no number."""
    note = (str(row.get("note") or "").splitlines() or [""])[0][:160]
    return f"{row.get('status')}: {note}" if note else str(row.get("status"))


def md_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)
