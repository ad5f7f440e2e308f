"""Study: Checkpointing on lstm and ode: kept bytes and peak memory against gradient time.

Writes CSVs to reports/data/ and figures to reports/figures/, then prints the
report section. `adcompare report` runs every study; this runs one.

    python experiments/10_checkpointing.py [--scale smoke|quick|full]
"""

from adcompare.report.script import main

if __name__ == "__main__":
    main("checkpointing")
