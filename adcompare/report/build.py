"""``adcompare report``: run every study and write ``reports/REPORT.md``.

The studies run in order at the chosen scale; each writes its CSVs to
``reports/data/`` and figures to ``reports/figures/`` and returns a section and
its verdicts on the survey's claims, which are also kept in
``reports/data/sections/<study>.json``. The report opens with a summary and the
claims table, then the sections, the published anchor figures, the machine,
and the limits. Running only some studies (``--studies``) keeps the kept
sections of the others, so one study can be rerun without losing the rest; the
report says which scale and date each section came from.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import json
import sys
import time
from pathlib import Path

from adcompare.report.studies import ORDER
from adcompare.report.study import Claim, Context, Scale, Section, md_table

ANCHORS = """Published figures for the same kind of ratio (gradient time / objective time, CPU), from
`shared/WORKLOADS.md`. They come from other machines, other sizes and other harnesses, so they are
context, not a like-for-like comparison.

| suite | problem | ratios |
|---|---|---|
| GradBench nightly 2026-03-14 | GMM | manual 1.8–4.0, PyTorch 1.7–5.2, Tapenade 2.3–5.4, JAX 1.3–4.7, Enzyme 4.4–14 |
| GradBench nightly 2026-03-14 | LSTM | Enzyme 2.5–3.1, Tapenade ≈3.2, PyTorch 2.2–3.0 |
| GradBench nightly 2026-03-14 | lse | JAX 1.04–1.27 |
| GradBench nightly 2026-03-14 | llsq | JAX 1.03–1.23 |
| ADBench 2018 | GMM, 10k points | Manual 1.9–7.2, Tapenade 3.7–15.5, ADOL-C 13–28, HIPS autograd 22 at 30 parameters |

Caveat from the suite itself: GradBench's JAX tool times its first (compiling) call and never calls
`block_until_ready`, so its JAX numbers are indicative only. Our harness blocks on every JAX result
and reports compile time separately."""

LIMITS = """- Functions take and return pytrees of arrays and scalars (tuples, lists, dicts); `grad` wants a scalar.
- The vocabulary is the NumPy subset in `adcompare/numpy/` (with `anp.linalg`); a name outside it raises.
- Writes by index are functional updates (`y[i] = v`); SCT refuses writes another name would have to see, and
  other unsupported Python, with `SCTError`. SCT refuses a derivative taken inside code it transforms.
- Complex numbers are not supported.
- The overloading and elemental engines pause Python's cycle collector while a tape is recorded and swept
  (their tapes make no cycles); the peers run with it on, as they ship.
- Timings on these 2-core machines vary run to run; read any single ratio as ±30 %.
- GPU numbers appear only where a GPU run's CSVs are committed in `reports/data/`."""


def build(scale: str = "quick", root: Path = Path("runs/report"), studies: tuple[str, ...] = ORDER,
          progress=sys.stderr) -> Path:
    ctx = Context(Scale(scale), root / "data", root / "figures", progress)
    start = time.perf_counter()
    for k, name in enumerate(studies, 1):
        if progress is not None:
            progress.write(f"[{k}/{len(studies)}] {name} ({time.perf_counter() - start:.0f}s elapsed)\n")
        module = importlib.import_module(f"adcompare.report.studies.{name}")
        try:
            section = module.run(ctx)
        except Exception as exc:  # one broken study must not lose the others' results
            section = Section(name, f"This study failed to run: `{type(exc).__name__}: {exc}`",
                              [Claim(f"({name})", "not measured", str(exc)[:120])])
        _keep(root, name, section, scale)
    elapsed = time.perf_counter() - start
    sections = [kept for name in ORDER if (kept := _kept(root, name)) is not None]
    path = root / "REPORT.md"
    path.write_text(_compose(sections, scale, elapsed, studies))
    if progress is not None:
        progress.write(f"wrote {path} in {elapsed:.0f}s\n")
    return path


def _keep(root: Path, name: str, section: Section, scale: str) -> None:
    path = root / "data" / "sections" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    when = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes")
    path.write_text(json.dumps({"scale": scale, "date": when, **dataclasses.asdict(section)}, indent=1))


def _kept(root: Path, name: str) -> Section | None:
    path = root / "data" / "sections" / f"{name}.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    section = Section(data["title"], data["markdown"], [Claim(**c) for c in data["claims"]])
    section.markdown = f"*Scale {data['scale']}, run {data['date']}.*\n\n" + section.markdown
    return section


def _compose(sections: list[Section], scale: str, elapsed: float, studies: tuple[str, ...]) -> str:
    from adcompare.measure.cell import machine

    claims = [c for s in sections for c in s.claims]
    m = machine()
    counts = {v: sum(c.verdict == v for c in claims) for v in ("holds", "partly", "does not hold")}
    parts = [
        "# adcompare report: three ways to implement AD, measured",
        f"Last run: {'every study' if set(studies) >= set(ORDER) else ', '.join(studies)} at scale "
        f"**{scale}** (`adcompare report --scale {scale}`), {elapsed:.0f} s, on "
        f"{m['cpu']} ({'GPU ' + m['gpu'] if m['gpu'] else 'no GPU'}); Python {m['python']}, "
        f"NumPy {m['numpy']}, JAX {m['jax']}, autograd {m['autograd'] or 'not installed'}, "
        f"PyTorch {m['torch'] or 'not installed'}; {m['date']}. Each section states the scale and date of "
        "the run it comes from; every number is a CPU number from this machine unless a section names "
        "another device and the committed CSV it came from.",
        "## Summary",
        f"Of the survey's claims we test, {counts['holds']} hold, {counts['partly']} hold only in part "
        f"and {counts['does not hold']} do not, on this machine. The claims table gives the number "
        "behind each verdict and the figure to look at.",
        "## Claims",
        md_table(["claim", "verdict", "evidence", "figure"],
                 [[c.claim, f"**{c.verdict}**", c.evidence, f"[{c.figure}]({c.figure})" if c.figure else ""]
                  for c in claims]),
    ]
    for s in sections:
        parts += [f"## {s.title}", s.markdown]
    parts += ["## Anchors from the published suites", ANCHORS,
              "## Machine and versions",
              md_table(["item", "value"], [[k, v] for k, v in m.items()]),
              "## Limits", LIMITS]
    return "\n\n".join(parts) + "\n"
