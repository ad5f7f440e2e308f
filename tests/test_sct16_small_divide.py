"""Generated code's ``divide`` takes float64 scalars first, and answers as the primitive does.

``runtime.divide`` (every ``/`` of differentiated values in SCT's sweeps: eleven per helmholtz
gradient) checked both operands' dtypes by attribute look-ups before dividing; two Python or NumPy
float64 scalars now skip them (nothing to promote). Every pairing of the kinds of operand gives
the primitive's value and dtype (JAX's promotion), with NumPy's inf and nan where Python's
numbers raise, on the fast path and off it.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from adcompare.engines.sct.emit.runtime import divide
from adcompare.primitives import divide_p

OPERANDS = [1.5, 3, np.float64(-0.25), np.float32(2.5), np.int32(4), np.array(0.5), np.array([1.0, -2.0]),
            np.array([3.0, 4.0], np.float32), np.array([2, 5]), 0.0, np.float64(0.0), True]


@pytest.mark.parametrize("x, y", list(itertools.product(OPERANDS, OPERANDS)))
def test_divide_is_the_primitive(x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got, want = divide(x, y), divide_p(x, y)
    assert np.result_type(got) == np.result_type(want)
    assert type(got) is type(want) or {type(got), type(want)} <= {float, np.float64}
    np.testing.assert_array_equal(got, want)


def test_zero_division_of_python_floats_is_numpys():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert divide(1.0, 0.0) == np.inf and np.isnan(divide(0.0, 0.0))
        assert divide(-1.0, np.float64(0.0)) == -np.inf
