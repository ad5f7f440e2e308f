"""Study: Usability: natural against elemental source size; SCT refusals.

Writes CSVs to runs/report/data/ and figures to runs/report/figures/ (or --out), then prints the
report section. `adcompare report` runs every study; this runs one.

    python experiments/08_usability.py [--scale smoke|quick|full]
"""

from adcompare.report.script import main

if __name__ == "__main__":
    main("usability")
