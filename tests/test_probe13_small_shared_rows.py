"""Probe 13 (small): SCT's write into a row of a list whose rows are one list (``[[0.0] * 2] * 2``).

``grid = [[0.0] * 2] * 2; grid[0][1] = v`` changes every row in Python (they are one list); SCT took the write
down its array path (``index_update`` of the packed rows), so ``grid[1][1]`` kept 0.0: a silently wrong
gradient (0.0 where JAX gives 6.0), or NumPy's "setting an array element with a sequence" for other shapes. Now
refused at the user's line when it runs (emit.inplace.check_array_holder, before the array path's chained
write), in every mode; a list of distinct rows made elsewhere still takes the array path, as JAX's values.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)


def repeated_rows(v):
    grid = [[0.0] * 2] * 2
    grid[0][1] = v
    return grid[1][1] * v


def repeated_rows_on_the_left(v):
    grid = 3 * [[0.5, 1.0, 2.0]]
    grid[2][0] = anp.sin(v)
    return grid[0][0] * v + grid[1][2]


def rows(n):
    return [[0.0] * n for _ in range(n)]


def distinct_rows_from_a_call(v):
    grid = rows(2)
    grid[0][1] = v
    return grid[1][1] * v + grid[0][1] * v


def line_of(fn, text):
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, s in enumerate(lines) if text in s)


@pytest.mark.parametrize("fn,text", [(repeated_rows, "grid[0][1] = v"),
                                     (repeated_rows_on_the_left, "grid[2][0] = anp.sin(v)")])
@pytest.mark.parametrize("how", ["grad", "jvp", "hessian"])
def test_write_into_shared_rows_refused_at_its_line(fn, text, how):
    eng = ad.engine("sct")
    with pytest.raises(SCTError, match=r"rows of the list grid are one list") as err:
        if how == "jvp":
            eng.jvp(fn, (0.7,), (1.0,))
        else:
            getattr(eng, how)(fn)(0.7)
    assert err.value.filename == __file__ and err.value.line == line_of(fn, text)


def test_distinct_rows_as_jax():
    eng = ad.engine("sct")
    for v in (0.7, -1.3, 2.0):
        np.testing.assert_allclose(eng.grad(distinct_rows_from_a_call)(v),
                                   jax.grad(distinct_rows_from_a_call)(jnp.float64(v)), rtol=1e-12)
