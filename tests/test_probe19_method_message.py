"""Probe 19: course code's ``scores = X.dot(W)`` (``X`` a constant NumPy array, ``W`` differentiated) on the
overloading and elemental engines.

NumPy's own ``ndarray.dot`` converts its argument into a NumPy array, which the active value refuses; there is no
hook through which an engine could take the call. The refusal named the user's line, but said only "conversion to
a NumPy array (np.asarray, np.array, ...)" with the cure "anp.asarray / anp.array / anp.stack to build an array",
none of which the user wrote or needs. It now names the array's method and its cure, ``anp.dot(X, w)``.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

X = np.arange(6.0).reshape(2, 3)


def scores(w):
    return anp.sum(X.dot(w))


def scores_el(w):
    return el.sum(X.dot(w))


@pytest.mark.parametrize("engine, f, cure", [("overloading", scores, "anp.dot(X, w)"),
                                             ("elemental", scores_el, "el.dot(X, w)")])
def test_array_method_refusal_names_the_method(engine, f, cure):
    line = inspect.getsourcelines(f)[1] + 1
    with pytest.raises(ad.ConcretizationTypeError) as info:
        ad.engine(engine).grad(f)(np.ones(3))
    message = str(info.value)
    assert f"test_probe19_method_message.py:{line}" in message
    assert "X.dot(w)" in message and cure in message
