"""SCT transform time and memory against function length (the compile study's second part).

Generated straight-line functions (100 to 5,000 statements) and one expression of
200 to 3,000 terms, transformed forward and reverse in a fresh process each;
rows go to ``runs/report/data/compile_length.csv`` (or ``--out``). ``--scale`` picks the sizes as the
report does (smoke: 100 and 300 statements). The compile study
(``experiments/06_compile.py``) draws the figure and table from the same function.

    python experiments/sct_long_functions.py [--scale smoke|quick|full]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from adcompare.report.studies.compile import length_part
from adcompare.report.study import Context, Scale

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="full", choices=["smoke", "quick", "full"])
    parser.add_argument("--out", default="runs/report", help="folder holding data/ and figures/")
    args = parser.parse_args()
    root = Path(args.out)
    text, claims = length_part(Context(Scale(args.scale), root / "data", root / "figures"))
    print(text)
    for claim in claims:
        print(f"- {claim.claim} **{claim.verdict}**: {claim.evidence}")
