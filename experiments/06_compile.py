"""Study: Compile and transform cost, and its amortization.

Writes CSVs to runs/report/data/ and figures to runs/report/figures/ (or --out), then prints the
report section. `adcompare report` runs every study; this runs one.

    python experiments/06_compile.py [--scale smoke|quick|full]
"""

from adcompare.report.script import main

if __name__ == "__main__":
    main("compile")
