"""Engine level: every engine x every problem x every mode against JAX, in float64.

Each cell runs three seeds on both backends (NumPy inputs and JAX inputs).
"""

from __future__ import annotations

import pytest

import adcompare as ad
from adcompare import workloads
from adcompare.oracle import CHECKED, TOLERANCE, compare


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("mode", CHECKED)
@pytest.mark.parametrize("problem", workloads.names())
@pytest.mark.parametrize("engine", ad.ENGINES)
def test_engine_matches_jax(engine, problem, mode, backend):
    eng, w = ad.engine(engine), workloads.get(problem)
    # three seeds; two for the Hessian (checked in both compositions, and again in test_sct_workloads)
    for seed in range(2 if mode == "hessian" else 3):
        err = compare(eng, w, mode, seed, backend)
        assert err < TOLERANCE, f"{engine}/{problem}/{mode}/{backend} seed {seed}: error {err:.2e}"
