"""SCT on every problem of the zoo, every mode, both backends, against JAX.

First-order modes must run the generated code itself: the engine's fallback to
boxes (used only to differentiate derivative functions again) is switched off.
"""

from __future__ import annotations

import ast

import pytest

import adcompare as ad
from adcompare import workloads
from adcompare.oracle import CHECKED, TOLERANCE, compare


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("mode", CHECKED)
@pytest.mark.parametrize("problem", workloads.names())
def test_problem_matches_jax(problem, mode, backend):
    eng = ad.engine("sct")
    if mode != "hessian":
        eng._boxes = None  # no fallback: a first derivative is the generated code's alone
    err = compare(eng, workloads.get(problem), mode, 0, backend)
    assert err < TOLERANCE, f"sct/{problem}/{mode}/{backend}: error {err:.2e}"


@pytest.mark.parametrize("problem", workloads.names())
def test_problem_source_parses_in_both_modes(problem):
    w = workloads.get(problem)
    sct = ad.engine("sct")
    for mode in ("forward", "reverse"):
        ast.parse(sct.source(w.natural, mode, w.argnums))
