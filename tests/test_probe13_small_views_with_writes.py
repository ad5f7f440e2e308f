"""Probe 13 (small): a dict view kept under a name in a function that writes into an array or a list by index.

``its = d.items()`` was refused ("kept (a live view) in a function that writes into a dict (or another value) in
place") in any function with any index write, ``y[0] = v`` into an array or ``xs[1] = v`` into a local list
included, and with any ``total += v``. Only a write into what may be a dict makes a kept view live now
(front/dict_writes: a local list or an array a vocabulary function made is surely no dict); the live views of
tests/test_probe12_review_live_views.py, and a write through a second name of the dict, stay refused.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from tests.test_probe11_python_dicts import check_engines
from tests.test_probe12_sct_list_del import refused_at_mark

INPUTS = [np.array([1.3, -0.4, 0.8, 2.0]), np.array([-0.3, 0.9, -1.2, 0.5])]


def array_written(x):
    d = {"a": x[0], "b": x[1] * 2.0}
    y = anp.multiply(anp.ones(2), x[1])
    y[0] = x[2] * x[3]
    its = d.items()
    total = 0.0
    for _k, v in its:
        total += v * x[2]
    return total + y[0] * x[1]


def array_written_jax(x):
    return (x[0] + x[1] * 2.0) * x[2] + x[2] * x[3] * x[1]


def list_written(x):
    d = {"a": x[0], "b": x[1] * 2.0}
    xs = [x[0], x[1]]
    xs[1] = x[3] * x[3]
    vals = d.values()
    first = xs.pop()
    return sum(vals) * xs[0] + len(xs) + first


def list_written_jax(x):
    return (x[0] + x[1] * 2.0) * x[0] + 1 + x[3] * x[3]


@pytest.mark.parametrize("f,oracle", [(array_written, array_written_jax), (list_written, list_written_jax)])
def test_view_kept_beside_writes_into_no_dict(f, oracle):
    check_engines(f, INPUTS, 13, oracle)


def written_through_a_second_name(x):
    d = {"a": x[0], "b": x[1] * 2.0}
    e = d
    vals = d.values()  # refused: here
    e.update(b=x[3])
    return sum(vals) * x[2]


def written_in_a_parameter(x, d):
    pairs = d.items()  # refused: here
    d |= {"b": x[3]}
    return sum(v for _k, v in pairs) * x[2]


def test_view_of_a_dict_written_elsewhere_still_refused():
    refused_at_mark(written_through_a_second_name, INPUTS[0], "live view")
    with pytest.raises(ad.SCTError, match="live view"):
        ad.engine("sct").grad(written_in_a_parameter)(INPUTS[0], {"a": 1.0, "b": 2.0})


def test_oracles_match_the_functions():
    for x in INPUTS:
        np.testing.assert_allclose(array_written(x), array_written_jax(jnp.asarray(x)), rtol=1e-14)
        np.testing.assert_allclose(list_written(x), list_written_jax(jnp.asarray(x)), rtol=1e-14)
