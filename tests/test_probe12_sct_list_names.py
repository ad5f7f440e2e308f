"""Probe 12: a name that holds a list, then another value, under an operator, on the SCT engine.

``t = [x[0], x[1]]`` then ``t = x[0] * 2.0`` and ``t * x[1]``: Python (and JAX) multiply the number. SCT
gives a name one kind of value in the whole function, so it takes ``t`` as a list there and refuses the
product; it did so as "arithmetic on a list or tuple of differentiated values", at the product's line, which
did not say why a number was taken for a list. The refusal now names the variable, the line where it holds a
list and the line where it holds another value, what SCT expected, and the way out (two names), at the
user's line (analysis/refusals). With the names apart, SCT's derivatives are JAX's.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import adcompare as ad
from tests.test_probe11_python_dicts import check_engines

SCT = ad.engine("sct")


def list_then_number(x):
    t = [x[0], x[1]]  # a list here
    t = x[0] * 2.0 + t[1]  # another value here
    return t * x[1]  # refused: here


def number_then_list(x):
    t = x[0] * 2.0  # another value here
    u = t * x[2]  # refused: here (SCT takes t as a list in the whole function)
    t = [x[1], u]  # a list here
    return t[0] * t[1]


def _line(f, mark: str) -> int:
    lines, first = inspect.getsourcelines(f)
    return first + next(k for k, text in enumerate(lines) if mark in text)


@pytest.mark.parametrize("f", [list_then_number, number_then_list])
def test_a_name_that_holds_a_list_and_a_number_is_refused_with_both_lines(f):
    for eng in (SCT, ad.engine("sct", higher="boxes")):
        with pytest.raises(ad.SCTError) as info:
            eng.grad(f)(np.array([0.3, -1.2, 0.7]))
        message = str(info.value)
        assert f"arithmetic on 't', a name that holds a list or tuple (line {_line(f, 'a list here')}) and " \
               f"another value (line {_line(f, 'another value here')})" in message
        assert "SCT expected a list or tuple of differentiated values" in message and "t_list" in message
        assert (info.value.filename, info.value.line) == (__file__, _line(f, "refused: here"))


def names_apart(x):
    t_list = [x[0], x[1]]
    t = x[0] * 2.0 + t_list[1]
    return t * x[1]


def test_with_the_names_apart_the_derivatives_are_jaxs():
    rng = np.random.default_rng(12)
    check_engines(names_apart, [rng.normal(size=3) for _ in range(3)], seed=1)
