"""Probe 12: a write into a list inside a local list, ``grid[i][j] = v``, on the SCT engine.

SCT refused ``grid[0][1] = v`` ("writing into the list 'grid' by index"), though it takes ``xs[i] = v``
(probe 11) and JAX runs both. Python's write changes the inner list, which every name of it sees; SCT
rebuilds lists, so it now takes the write where ``grid`` holds new lists no other name can see
(front/nested_lists: each assignment a display of list displays or a comprehension of new lists, ``grid``
read only as ``grid[i][j]``, by readers such as ``len``, ``sum`` and vocabulary functions, or returned):
``grid`` rebuilt with ``grid[i]`` rebuilt with ``v`` at ``j`` (front/desugar). A row kept under another
name, read into another name, or a list of arrays, is refused at the write's line. Checked with grad, jvp,
vjp and the Hessian (higher="sct" and "boxes") against JAX float64 and the overloading engine.
"""

from __future__ import annotations

import numpy as np
import pytest

import adcompare.numpy as anp
from tests.test_probe11_python_dicts import check_engines
from tests.test_probe12_sct_list_del import refused_at_mark


def overwrites_an_element(x):
    grid = [[x[0], x[1]], [x[2], x[0]]]
    grid[0][1] = x[1] * x[2]
    grid[1][-1] = anp.sin(grid[0][1])
    return grid[0][0] * grid[0][1] + grid[1][1] * len(grid)


def fills_a_table(x):
    n = 3
    t = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            t[i][j] = x[i] * x[j] + (t[i - 1][j] if i > 0 else 0.0)
    return anp.sum(anp.array(t)) + sum(t[2])


@pytest.mark.parametrize("f", [overwrites_an_element, fills_a_table])
def test_a_write_into_a_row_nobody_else_sees_is_jaxs(f):
    rng = np.random.default_rng(12)
    check_engines(f, [rng.normal(size=3) for _ in range(3)], seed=4)


def row_kept_by_name(x):
    row = [x[0], x[1]]
    grid = [row, [x[2], x[0]]]
    grid[0][1] = x[2]  # refused: here
    return row[1] * x[0]


def row_read_into_a_name(x):
    grid = [[x[0], x[1]], [x[2], x[0]]]
    r = grid[0]
    grid[0][1] = x[2]  # refused: here
    return r[1] * x[0]


def rows_of_arrays(x):
    grid = [x * 1.0, x * 2.0]
    grid[0][1] = x[2]  # refused: here
    return anp.sum(grid[0] * grid[1])


@pytest.mark.parametrize("f", [row_kept_by_name, row_read_into_a_name, rows_of_arrays])
def test_a_write_into_a_row_another_name_may_see_is_refused_at_its_line(f):
    refused_at_mark(f, np.array([0.3, 1.2, -0.7]), r"writing into grid\[0\]\[1\], inside the list 'grid'")
