"""Probe 13 (small): SCT's write into a row of a list whose rows are one list (``[[0.0] * 2] * 2``).

``grid = [[0.0] * 2] * 2; grid[0][1] = v`` changes every row in Python (they are one list); SCT took the write
down its array path (``index_update`` of the packed rows), so ``grid[1][1]`` kept 0.0: a silently wrong
gradient (0.0 where JAX gives 6.0), or NumPy's "setting an array element with a sequence" for other shapes. Now
refused at the user's line when it runs (emit.inplace.check_array_holder, before the array path's chained
write), in every mode; so is a write into any list made elsewhere (a call's rows: SCT's array write made
grid an array, and a later ``grid + [row]`` broadcast where Python joins).
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
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


def joined_after_a_write(v):
    grid = rows(2)
    grid[0][1] = v * 2.0
    joined = grid + [[1.0, 1.0]]  # Python joins the lists: three rows (SCT's array would broadcast: two)
    return anp.sum(anp.array([sum(r) for r in joined])) * len(joined)


@pytest.mark.parametrize("fn,text", [(distinct_rows_from_a_call, "grid[0][1] = v"),
                                     (joined_after_a_write, "grid[0][1] = v * 2.0")])
def test_write_into_a_list_made_elsewhere_refused_at_its_line(fn, text):
    """Rows from a call: SCT's write goes into an array made of them, and grid becomes that array; a later
    list operation acted on the array (the join gave two rows for Python's three: a wrong value, no error)."""
    with pytest.raises(SCTError, match=r"grid is a Python list this function did not make") as err:
        ad.engine("sct").grad(fn)(0.7)
    assert err.value.filename == __file__ and err.value.line == line_of(fn, text)
    assert ad.engine("overloading").grad(fn)(0.7) == pytest.approx(float(jax.grad(fn)(jnp.float64(0.7))), rel=1e-12)
