"""``python -m adcompare``: the same as the ``adcompare`` command (for PYTHONPATH=. runs)."""

import sys

from adcompare.cli import main

sys.exit(main())
