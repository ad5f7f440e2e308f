"""Probe 12: a dict's ``.values()`` or ``.items()`` outside a loop's head (``sum(d.values())``), on SCT.

A loop over ``d.values()`` or ``d.items()`` was SCT's (front/for_targets), but the view as a value, as in
``sum(d.values())``, ``list(p.values())`` or ``its = d.items()``, was refused as "the method .values() on a
differentiated value". JAX runs it. The view of a local dict (a display, a comprehension) or of a parameter
is now the list ``[v for v in d.values()]`` (or of ``(k, v)`` pairs), whose loop SCT takes as a loop over the
dict (front/dict_writes): the keys in their order, checked at run time to be a dict's in sorted order (a dict
argument's order in JAX), else refused at the user's line as a loop is. Checked with grad, jvp, vjp and the
Hessian (higher="sct" and "boxes") against JAX float64 and the overloading engine.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from tests.test_probe11_python_dicts import check_engines
from tests.test_probe12_sct_list_del import refused_at_mark


def sum_of_values(x):
    d = {"a": x[0] * x[1], "b": anp.sin(x[2]), "c": x[3] ** 2}
    return sum(d.values()) * x[0]


def items_held(x):
    d = {"a": x[0] * x[1], "bb": anp.sin(x[2])}
    its = d.items()
    return sum(v * len(k) for k, v in its) + len(d.values()) * x[3]


def values_of(p):
    return anp.sum(anp.stack(list(p.values())) ** 2) + sum(p.values())[1] * p["w"][0]


def of_a_parameter(x):
    return values_of({"b": x[:2] * 3.0, "w": anp.cos(x[2:])})


def of_a_parameter_jax(x):
    p = {"b": x[:2] * 3.0, "w": jnp.cos(x[2:])}
    return jnp.sum(jnp.stack(list(p.values())) ** 2) + sum(p.values())[1] * p["w"][0]


@pytest.mark.parametrize("f, oracle", [(sum_of_values, None), (items_held, None),
                                       (of_a_parameter, of_a_parameter_jax)])
def test_a_view_as_a_value_is_jaxs(f, oracle):
    rng = np.random.default_rng(12)
    check_engines(f, [rng.normal(size=4) for _ in range(3)], seed=5, oracle=oracle)


def unsorted(x):
    d = {"b": x[0] * x[1], "a": anp.sin(x[2])}
    return sum(d.values())  # refused: here


def test_a_dict_whose_keys_are_not_in_sorted_order_is_refused_at_its_line():
    refused_at_mark(unsorted, np.ones(3), "keys are not in sorted order")
