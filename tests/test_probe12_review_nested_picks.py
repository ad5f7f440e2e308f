"""Probe 12 review: ``grid[i][j] = v`` (front/nested_lists) where ``max(grid)`` or ``min(grid)`` kept a row.

``max`` and ``min`` of the list of lists itself give one of its inner lists, a second name for that row, yet
nested_lists counted them as readers that keep nothing: SCT rebuilt ``grid`` and its row at the write, so
``best = max(grid)`` kept the old row where Python's ``best`` sees the write: a wrong value and gradient with
no error. Such a write is now refused at its line; ``max``/``min``/``sum`` of a row (``max(grid[0])``, a
number) and ``len(grid)`` still let it run, checked against JAX (grad, jvp, vjp, Hessian) on both second orders
and overloading.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from tests.test_probe11_python_dicts import check_engines
from tests.test_probe12_sct_list_del import refused_at_mark


def best_row_kept(x):
    grid = [[x[0], x[1]], [x[2], x[3]]]
    best = max(grid)
    grid[0][1] = x[2] * 7.0  # refused: here
    return best[1] * x[3]


def low_row_kept(x):
    grid = [[x[0], x[1]], [x[2], x[3]]]
    low = min(grid, key=len)
    grid[0][0] = x[1] * 3.0  # refused: here
    return low[0] * x[3]


def rows_read_as_numbers(x):
    grid = [[x[0], x[1]], [x[2], x[3]]]
    top = max(grid[0]) + min(grid[1]) * sum(grid[1])
    grid[1][0] = x[0] * top
    return grid[1][0] * grid[0][1] + len(grid)


def rows_read_as_numbers_jax(x):  # (JAX's jit takes no max of traced numbers)
    top = jnp.maximum(x[0], x[1]) + jnp.minimum(x[2], x[3]) * (x[2] + x[3])
    return x[0] * top * x[1] + 2


@pytest.mark.parametrize("f", [best_row_kept, low_row_kept])
@pytest.mark.parametrize("higher", ["sct", "boxes"])
def test_a_row_picked_by_max_or_min_is_a_second_name(f, higher):
    refused_at_mark(f, np.array([1.3, -0.4, 0.8, 2.0]), "writing into grid", ad.engine("sct", higher=higher))


def test_rows_read_as_numbers_still_written():
    check_engines(rows_read_as_numbers, [np.array([1.3, -0.4, 0.8, 2.0]), np.array([-0.3, 0.9, -1.2, 0.5])], 3,
                  rows_read_as_numbers_jax)
