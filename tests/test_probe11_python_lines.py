"""Probe 11: a refusal met inside a nested function SCT lifted names the user's file line.

SCT lifts a nested ``def``, a lambda and a comprehension out of the user's function and writes each as
source of its own (``<sct lifted inner_lifted #3 from file, line N>``), which it transforms when it is
called. A refusal met there named that generated file, a line counted in it ("line 6") and the function
``_sct_define.<locals>.inner_lifted``; the refusal of a lambda in a loop reading the loop variable named a
line counted from the enclosing function's first line ("line 4"). Now each names the user's function
(``outer.<locals>.inner``), file and line (front/lifted_lines.py). So does the note on an error raised when the
lifted function's derivative runs (an IndexError inside a nested def named the line of the call, line 8, not
the line inside the def that raised).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

X = np.array([0.3, -1.2, 0.7])


def nested_def(x):
    a = 2.0

    def inner(u):
        v = u * a
        return anp.sum(v.frobnicate())  # refused: here

    return inner(x)


def lambda_inside(x):
    g = lambda u: anp.sum(u.frobnicate())  # noqa: E731  (refused: here)
    return g(x) * 2.0


def two_levels(x):
    def middle(u):
        def inner(w):
            return anp.sum((w * 2.0).frobnicate())  # refused: here

        return inner(u) * 2.0

    return middle(x)


def comprehension_in_def(x):
    def middle(u):
        return anp.sum(anp.stack([v.frobnicate() for v in u]))  # refused: here

    return middle(x)


def lambda_in_loop(x):
    fs = []
    for i in range(3):
        fs.append(lambda t: t.frobnicate(i))  # refused: here
    return anp.sum(fs[0](x))


def _marked_line(f) -> int:
    lines, first = inspect.getsourcelines(f)
    return first + next(k for k, text in enumerate(lines) if "refused: here" in text)


@pytest.mark.parametrize("f, inner", [(nested_def, "nested_def.<locals>.inner"),
                                      (lambda_inside, "lambda_inside.<locals>.<lambda>"),
                                      (two_levels, "two_levels.<locals>.middle.<locals>.inner"),
                                      (comprehension_in_def, "comprehension_in_def.<locals>.middle.<locals>."),
                                      (lambda_in_loop, "lambda_in_loop")])
def test_a_refusal_inside_names_the_users_line(f, inner):
    with pytest.raises(ad.SCTError) as info:
        ad.engine("sct").grad(f)(X)
    err = info.value
    assert (err.filename, err.line) == (__file__, _marked_line(f)), str(err)
    assert err.function.startswith(inner), str(err)
    assert f"{__file__}, line {_marked_line(f)}" in str(err)


def raises_inside(x):
    def inner(u):
        v = u * 2.0
        return v[7]  # raises: here

    return inner(x) * 3.0


def test_an_error_inside_a_lifted_function_names_the_users_line():
    lines, first = inspect.getsourcelines(raises_inside)
    line = first + next(k for k, text in enumerate(lines) if "raises: here" in text)
    with pytest.raises(IndexError) as info:
        ad.engine("sct").grad(raises_inside)(X)
    note = "\n".join(getattr(info.value, "__notes__", []))
    assert f"'raises_inside.<locals>.inner', {__file__}, line {line}: return v[7]" in note, note
