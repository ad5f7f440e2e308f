"""Probe 10: errors raised inside Python's ``max`` and ``min`` on SCT name the user's line, as Python's do.

SCT transforms ``max``/``min`` as Python functions of its own (``front/builtin_source.py``); an error
raised inside them (``min(a, b)`` of arrays, whose comparison is ambiguous) was noted at
builtin_source.py's line (``if values[k] < best:``), not at the user's call, and ``max([])`` raised
"list index out of range" where Python says the argument is empty. The note now names the innermost
generated frame of the user's own code, and an empty sequence raises Python's ValueError; first order,
forward and second order (``higher="sct"``) alike.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import adcompare as ad

X = np.array([0.3, -1.2, 0.7])


def max_of_empty(x):
    e = []
    return max(e) + x[0]


def min_of_arrays(x):
    y = x * 2.0
    return sum(min([x, y]))


def min_of_two_arrays(x):
    return min(x, x * 2.0)[0]


CALLS = [lambda f: ad.engine("sct").grad(f)(X), lambda f: ad.engine("sct").jvp(f, (X,), (X,)),
         lambda f: ad.engine("sct", higher="sct").hessian(f)(X)]


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("f, offset, error", [(max_of_empty, 2, "max\\(\\) iterable argument is empty"),
                                              (min_of_arrays, 2, "ambiguous"), (min_of_two_arrays, 1, "ambiguous")])
def test_error_inside_a_builtin_names_the_users_line(call, f, offset, error):
    line = inspect.getsourcelines(f)[1] + offset
    with pytest.raises(ValueError, match=error) as info:
        call(f)
    notes = "".join(info.value.__notes__)
    assert f"test_probe10_python_builtin_errors.py, line {line}" in notes and "builtin_source" not in notes
