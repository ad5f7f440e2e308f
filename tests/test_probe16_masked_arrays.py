"""NumPy masked arrays: NumPy's operations apply the mask, JAX's and the rules do not (jnp.asarray keeps the data
only), so a masked array gave answers that were neither NumPy's nor JAX's (the review's probe: anp.sum(x * M)
on a constant masked M). Refused by name: as a differentiated input on every engine (trees.check_leaves), and
as an operand of any primitive on the tape engines (the primitive's call)."""

from __future__ import annotations

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

MASKED = np.ma.array([1.0, 2.0, 3.0], mask=[False, True, False])


@pytest.mark.parametrize("name", ["overloading", "sct", "elemental"])
def test_a_masked_input_is_refused_by_name(name):
    with pytest.raises(TypeError, match="argument 0 is a NumPy masked array"):
        ad.engine(name).grad(lambda x: anp.sum(x))(MASKED)


def test_a_masked_constant_is_refused_on_the_tape():
    def f(x):
        return anp.sum(x * MASKED)

    with pytest.raises(TypeError, match="multiply: a NumPy masked array operand"):
        ad.engine("overloading").grad(f)(np.array([0.2, 0.4, 0.6]))
    assert anp.sum(MASKED) == 6.0  # the vocabulary's asarray keeps the data, as jnp.sum(MASKED) does
