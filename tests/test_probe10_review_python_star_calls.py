"""Probe 10 review: errors of calls with star-arguments, on the SCT engine.

A call ``f(*xs)`` is a call of a function SCT writes when the code runs (``front/sized_code.spread_call``);
one whose items do not match ``f``'s parameters was refused as "a call of _sct_f that does not match its
signature", naming the made function's own name for ``f``. The made call now names the callee by its
own name (a name SCT's made code does not use itself), so the refusal names the user's function, with
the user's line.
"""

from __future__ import annotations

import numpy as np
import pytest

import adcompare as ad


def _two(a, b):
    return a * b


def too_many(x):
    return _two(*[x[0], x[1], x[2]])


def unknown_keyword(x):
    return _two(x[0], **{"c": x[1]})


@pytest.mark.parametrize("f", [too_many, unknown_keyword])
def test_a_star_call_that_does_not_match_names_the_function(f):
    with pytest.raises(ad.SCTError, match="a call of _two that does not match its signature") as info:
        ad.engine("sct").grad(f)(np.array([0.5, -1.0, 2.0]))
    assert "test_probe10_review_python_star_calls.py, line" in str(info.value)
