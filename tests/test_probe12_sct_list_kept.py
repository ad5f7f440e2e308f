"""Probe 12: a list kept in another list (``rows.append(row)``, ``grid[i] = row``), then changed, on SCT.

SCT rebuilds a list it changes (``row.append(v)``, ``row[i] = v``, ``del row[i]``, ``row += [v]``), so a list
another list holds must not change after it is kept there: Python changes the one list both names reach,
SCT only ``row``. ``grid[0] = row; row[1] = 5 * c; grid[0][1]`` was ``row``'s old element in SCT (1.2 for
Python's -3.5, the gradient too, with no error), and ``rows.append(row); row.append(v)`` failed with a bare
IndexError. Keeping the list is now a second reference to it (front/aliases), refused at its line, unless
the block that keeps it starts a new list first and changes it only before keeping it (a row built, then
appended: each pass makes a new list, so Python's and SCT's agree); that pattern is checked with grad, jvp,
vjp and the Hessian (higher="sct" and "boxes") against JAX float64 and the overloading engine.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_probe11_python_dicts import check_engines
from tests.test_probe12_sct_list_del import refused_at_mark


def written_after_kept(x):
    row = [x[0], x[1]]
    grid = [x[2], x[2]]
    grid[0] = row  # refused: here
    row[1] = x[2] * 5.0
    return grid[0][1]


def appended_to_after_kept(x):
    row = [x[0]]
    grid = []
    grid.append(row)  # refused: here
    row.append(x[2] * 5.0)
    return grid[0][1]


def deleted_from_after_kept(x):
    row = [x[0], x[1]]
    grid = [x[2]]
    grid[0] = row  # refused: here
    del row[0]
    return grid[0][0]


def extended_after_kept(x):
    row = [x[0], x[1]]
    grid = []
    grid.append(row)  # refused: here
    row += [x[2]]
    return grid[0][2] * x[0]


def one_row_for_every_pass(x):
    rows = []
    row = []
    for i in range(3):
        row.append(x[i])
        rows.append(row)  # refused: here
    return rows[0][2] * x[0]


@pytest.mark.parametrize("f", [written_after_kept, appended_to_after_kept, deleted_from_after_kept,
                               extended_after_kept, one_row_for_every_pass])
def test_a_list_changed_after_another_list_keeps_it_is_refused_at_its_line(f):
    refused_at_mark(f, np.array([0.3, 1.2, -0.7]), "a second reference to the list 'row'")


def rows_built_then_kept(x):
    rows = []
    for i in range(3):
        row = []
        for j in range(2):
            row.append(x[i] * (j + 1.0))
        rows.append(row)
    grid = [[0.0], [0.0]]
    for i in range(2):
        r = [x[i]]
        r += [x[2] * i]
        grid[i] = r
    return rows[2][1] * rows[0][0] + grid[1][1] * shifted_square(grid[0][0])


def shifted_square(v):
    return v * v * 0.5 + v


def test_rows_built_then_kept_are_jaxs():
    rng = np.random.default_rng(12)
    check_engines(rows_built_then_kept, [rng.normal(size=3) for _ in range(3)], seed=2)
