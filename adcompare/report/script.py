"""Entry point shared by the scripts in ``experiments/``: run one study, print its section."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from adcompare.report.study import Context, Scale


def main(study: str) -> None:
    parser = argparse.ArgumentParser(description=f"Run the {study} study and write its CSVs and figures.")
    parser.add_argument("--scale", default="quick", choices=["smoke", "quick", "full"])
    parser.add_argument("--out", default="runs/report", help="folder holding data/ and figures/")
    args = parser.parse_args()
    root = Path(args.out)
    section = importlib.import_module(f"adcompare.report.studies.{study}").run(
        Context(Scale(args.scale), root / "data", root / "figures"))
    print(f"## {section.title}\n\n{section.markdown}\n")
    for claim in section.claims:
        print(f"- {claim.claim} **{claim.verdict}**: {claim.evidence}")
