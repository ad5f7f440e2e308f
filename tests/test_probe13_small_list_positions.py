"""Probe 13 (small): SCT's list writes and ``del`` at a position out of range name the user's line.

``del xs[5]`` and ``xs[5] = v`` on a differentiated list of two raised Python's bare ``IndexError("list assignment
index out of range")`` from SCT's runtime (python_checks.list_position), the user's line only in a traceback note.
They raise Python's error class and text now, with the user's file and line in the message (and the index and the
list's length), as a float index's TypeError does; positions in range still give JAX's derivatives.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def del_past_end(v):
    xs = [v, anp.sin(v)]
    del xs[5]
    return xs[0]


def write_past_end(v):
    xs = [v, anp.sin(v)]
    xs[5] = v
    return xs[0]


def write_before_start(v):
    xs = [v, anp.sin(v)]
    xs[-3] = v
    return xs[0]


def write_at_float(v):
    xs = [v, anp.sin(v)]
    xs[1.0] = v
    return xs[0]


def line_of(fn, text):
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, s in enumerate(lines) if text in s)


@pytest.mark.parametrize("fn,text,error,python", [
    (del_past_end, "del xs[5]", IndexError, "list assignment index out of range"),
    (write_past_end, "xs[5] = v", IndexError, "list assignment index out of range"),
    (write_before_start, "xs[-3] = v", IndexError, "list assignment index out of range"),
    (write_at_float, "xs[1.0] = v", TypeError, "list indices must be integers or slices, not float"),
])
@pytest.mark.parametrize("how", ["grad", "jvp"])
def test_out_of_range_position_names_the_line(fn, text, error, python, how):
    eng = ad.engine("sct")
    with pytest.raises(error) as err:
        eng.grad(fn)(0.3) if how == "grad" else eng.jvp(fn, (0.3,), (1.0,))
    message = str(err.value)
    assert message.startswith(python)
    assert f"{__file__}:{line_of(fn, text)} (in {fn.__name__})" in message


def in_range(v):
    xs = [v, anp.sin(v), anp.cos(v)]
    del xs[-3]
    xs[-1] = xs[0] * v
    xs[0] = xs[1] * xs[0]
    return xs[0] + xs[1]


def test_positions_in_range_as_jax():
    eng = ad.engine("sct")
    for v in (0.3, -1.2, 2.5):
        np.testing.assert_allclose(eng.grad(in_range)(v), jax.grad(in_range)(jnp.float64(v)), rtol=1e-12)
