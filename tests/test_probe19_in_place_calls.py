"""Probe 19: calls that write into an array in place, as ported NumPy code has them, on the SCT engine:
``y.sort()`` of a copy, ``anp.multiply(x, x, out=buf)`` into a buffer made with ``anp.zeros_like``, and
``anp.fill_diagonal(y, v)`` (NumPy's in place; the vocabulary's takes ``inplace=False``).

SCT refuses them all (it writes functionally, as JAX, which has none of them), but said only "an expression statement (a
call for its side effect)" with the hint "assign the result to a variable", which for ``y.sort()`` (it returns
None) misleads. The refusal now names the in-place method, the ``out=`` keyword or the in-place call, and the
functional form.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp


def sorted_copy(x):
    y = x.copy()
    y.sort()
    return anp.sum(y * anp.arange(4.0))


def multiplied_into(x):
    out = anp.zeros_like(x)
    anp.multiply(x, x, out=out)
    return anp.sum(out)


def diagonal_filled(x):
    y = anp.outer(x, x)
    anp.fill_diagonal(y, 1.0)
    return anp.sum(y)


@pytest.mark.parametrize("f, construct, cure", [
    (diagonal_filled, "anp.fill_diagonal(y, ...) in place", "y = anp.fill_diagonal(y, v, inplace=False)"),
    (sorted_copy, "the in-place array method y.sort()", "y = anp.sort(y)"),
    (multiplied_into, "the keyword out= of anp.multiply()", "c = anp.add(a, b) for anp.add(a, b, out=c)")])
def test_in_place_call_refused_by_name(f, construct, cure):
    line = inspect.getsourcelines(f)[1] + 2
    with pytest.raises(ad.SCTError) as info:
        ad.engine("sct").grad(f)(np.array([0.3, -1.2, 2.0, 0.7]))
    message = str(info.value)
    assert construct in message and cure in message
    assert f"test_probe19_in_place_calls.py, line {line}" in message
