"""The autograd peer in every measured mode (adcompare.measure.autograd_api): its answers against JAX's.

autograd has forward mode (``make_jvp``), so jvp, the forward-over-reverse Hessian and HVP are measured
like the reverse-over-reverse ones; each is held against :func:`tools.reference` (JAX, float64, the same
inputs and tangents) on problems with one and several differentiated arguments.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

from adcompare import workloads
from adcompare.measure import tools
from adcompare.oracle import max_error

pytest.importorskip("autograd")


def _numpy(tree):
    return jax.tree_util.tree_map(np.asarray, tree)


@pytest.mark.parametrize("mode", ["grad", "jvp", "hessian", "hessian-rr", "hvp", "hvp-rr"])
@pytest.mark.parametrize("problem", ["rosenbrock", "helmholtz", "gmm", "mlp"])
@pytest.mark.parametrize("seed", [0, 1])
def test_autograd_agrees_with_jax(problem, mode, seed):
    w = workloads.get(problem)
    ours = tools.prepare("autograd", w, w.inputs("tiny", seed), mode, seed).derivative()
    expected = tools.reference(w, "tiny", mode, seed)
    assert max_error(_numpy(ours), _numpy(expected)) < 1e-10
