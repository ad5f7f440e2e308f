"""Probe 12 review: a dict view kept under a name is live (front/dict_writes: ``d.values()`` outside a loop).

``vals = d.values()`` was made the list of the values at that line, but Python's view is live: a later
``d['c'] = v`` or ``d['a'] = v`` shows in ``sum(vals)``, and in a loop over ``its = d.items()``. SCT gave the
old values, a wrong value and gradient with no error (7828255 refused ``.values()`` as a value). In a function
that writes into a dict (or another value) in place, a view is now taken as a list only where an eager builtin
(sum, list, max...) or a vocabulary function reads it at once; kept otherwise, it is refused at its line.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from tests.test_probe11_python_dicts import check_engines
from tests.test_probe12_sct_list_del import refused_at_mark


def a_key_added_after(x):
    d = {"a": x[0], "b": x[1] * 2.0}
    vals = d.values()  # refused: here
    d["c"] = x[2] * x[3]
    return sum(vals) * x[0]


def a_value_changed_after(x):
    d = {"a": x[0], "b": x[1] * 2.0}
    its = d.items()  # refused: here
    d["b"] = x[3]
    total = 0.0
    for _k, v in its:
        total = total + v * x[2]
    return total


def zipped_lazily(x):
    d = {"a": x[0], "b": x[1] * 2.0}
    pairs = zip(d.keys(), d.values())
    d["a"] = x[3]  # refused: here (d changed before the iterator made of it is used: front/iterators.py)
    return sum(v for k, v in pairs) * x[2]


def read_at_once(x):
    d = {"a": x[0], "b": x[1] * 2.0}
    total = sum(d.values()) + anp.sum(anp.stack(list(d.values())))
    d["a"] = x[2] * x[3]
    return total * max(d.values()) + len(d.items())


@pytest.mark.parametrize("f", [a_key_added_after, a_value_changed_after, zipped_lazily])
@pytest.mark.parametrize("higher", ["sct", "boxes"])
def test_a_kept_view_of_a_changed_dict_is_refused(f, higher):
    why = "assigned or changed while the iterator" if f is zipped_lazily else "live view"
    refused_at_mark(f, np.array([1.3, -0.4, 0.8, 2.0]), why, ad.engine("sct", higher=higher))


def test_views_read_at_once_are_lists():
    xs = [np.array([1.3, -0.4, 0.8, 2.0]), np.array([-0.3, 0.9, -1.2, 0.5])]
    check_engines(read_at_once, xs, 4, lambda x: (x[0] + 2.0 * x[1]) * 2.0 * max_jax(x) + 2)


def max_jax(x):
    return jnp.maximum(x[2] * x[3], x[1] * 2.0)
