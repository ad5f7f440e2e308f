"""Probe 14 (fix): SCT's reads at a position out of range name the user's line in the error's text.

``xs[5]`` read from a differentiated list of two raised Python's bare ``IndexError("list index out of range")``
from SCT's generated code, the user's line only in a traceback note. Any ``IndexError`` that leaves generated code
now carries Python's text followed by ``(at file:line (in function))``, as ``del xs[5]`` does
(tests/test_probe13_small_list_positions.py), in first and second derivatives, on lists, tuples and arrays.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp


def read_past_end(v):
    xs = [v, anp.sin(v)]
    return xs[5]


def read_in_loop(v):
    xs = [v, anp.sin(v)]
    t = v
    for i in range(3):
        t = t + xs[i]
    return t


def tuple_before_start(v):
    xs = (v, anp.sin(v))
    return xs[-3] * v


def array_past_end(v):
    a = anp.stack([v, anp.cos(v)])
    return a[4] * v


def line_of(fn, text):
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, s in enumerate(lines) if text in s)


@pytest.mark.parametrize("fn,text,python", [
    (read_past_end, "return xs[5]", "list index out of range"),
    (read_in_loop, "t = t + xs[i]", "list index out of range"),
    (tuple_before_start, "return xs[-3]", "tuple index out of range"),
    (array_past_end, "return a[4]", "index 4 is out of bounds"),
])
@pytest.mark.parametrize("how", ["grad", "jvp", "hessian"])
def test_read_out_of_range_names_the_line(fn, text, python, how):
    eng = ad.engine("sct")
    with pytest.raises(IndexError) as err:
        if how == "jvp":
            eng.jvp(fn, (0.3,), (1.0,))
        else:
            getattr(eng, how)(fn)(0.3)
    message = str(err.value)
    assert message.startswith(python)
    assert message.endswith(f"(at {__file__}:{line_of(fn, text)} (in {fn.__name__}))")


def reads_in_range(v):
    xs = [v, anp.sin(v), anp.cos(v)]
    return xs[-1] * xs[1] + xs[0]


def test_reads_in_range_as_jax():
    eng = ad.engine("sct")
    for v in (0.3, -1.2, 2.5):
        np.testing.assert_allclose(eng.grad(reads_in_range)(v), jax.grad(reads_in_range)(jnp.float64(v)),
                                   rtol=1e-12)
