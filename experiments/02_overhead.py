"""Study: Per-operation overhead by base cost (floats, numpy scalars, small arrays, jax eager, jax.jit).

Writes CSVs to runs/report/data/ and figures to runs/report/figures/ (or --out), then prints the
report section. `adcompare report` runs every study; this runs one.

    python experiments/02_overhead.py [--scale smoke|quick|full]
"""

from adcompare.report.script import main

if __name__ == "__main__":
    main("overhead")
