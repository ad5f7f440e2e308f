"""Probe 10 review: a loop over a dict itself (``for k in d``), on the SCT engine.

Python's ``for k in d`` runs over the dict's keys, as ``for k in d.keys()`` does, and JAX runs it on
its tracers. SCT took ``d.keys()`` (its keys, constants, read by ``runtime.dict_keys``) but refused
``for k in d: ... d[k]`` with "a differentiated value used as an index", naming neither the dict nor
its keys: a loop over what may be an array runs by position, so its variable varies with the
sequence. A local that holds a dict (each assignment a display or comprehension, as the dict entry
writes need) and a ``**kwargs`` parameter (always a dict) now loop over their keys as ``.keys()``
does, written entries and keys added in a branch included. A dict SCT cannot tell from a sequence
(a parameter) is still refused, now with a hint naming the dict's keys. Checked with grad, jvp, vjp
and the Hessian against JAX float64 and the overloading engine.
"""

from __future__ import annotations

import numpy as np
import pytest

import adcompare as ad
from tests.test_probe10_python_sorted import check_engines


def loop_over_local(x):
    d = {"a": x[0], "b": x[1] * x[2]}
    if x[1] > 0.0:  # a key written in one branch only
        d["c"] = x[1] * 2.0
    d["b"] = d["b"] * x[0]  # an existing key: its place kept
    t, i = 0.0, 1.0
    for k in d:
        t = t + d[k] * i * len(k)
        i = i + 1.0
    return t + sum(d[k] * d[k] for k in d.keys())


def _weighted(**kw):
    t = 0.0
    for k in kw:
        t = t + kw[k] * len(k)
    return t


def _by_place(**kw):
    t, i = 0.0, 1.0
    for k in kw:  # in the order the call gave (not sorted), as Python's and JAX's
        t = t + kw[k] * i
        i = i + 1.0
    return t


def loop_over_kwargs(x):
    z = {"z": x[1], "a": x[2]}
    t, i = 0.0, 1.0
    for k in z:
        t, i = t + z[k] * i, i * 3.0
    return _weighted(a=x[0] * x[1], bb=x[2]) + _weighted(**{"ccc": x[0]}) + _by_place(b=x[0], a=x[1] * x[2]) + t


@pytest.mark.parametrize("f", [loop_over_local, loop_over_kwargs])
def test_loop_over_a_dict_runs_over_its_keys(f):
    inputs = [np.array([0.7, 1.3, -0.4]), np.array([-1.1, -0.2, 0.9])]  # the branch both ways
    check_engines(f, inputs, seed=10)


def sorted_in_a_comprehension(p):
    d = {"a": p["a"], "b": p["b"] * 2.0}
    return sum([d[k] for k in sorted(d)])


def test_sorted_keys_of_a_local_dict_in_a_comprehension_are_read():
    # refused before probe 16 (the keys, strings, taken as varied); an index that holds no floats is used as
    # it is now (see test_probe16_users_integer_leaves), so the keys are read, as JAX reads them
    got = ad.engine("sct").grad(sorted_in_a_comprehension)({"a": 1.0, "b": 2.0})
    assert got == {"a": 1.0, "b": 2.0}


# Writes into the dict a loop runs over: Python's loop over a dict's keys raises at its next step (or at its
# end) once the body added a key; SCT's loop runs over the keys it had, so it ran on, silently, with a
# value Python never gives. A check after each step now raises Python's error at the loop's line;
# overwriting keys the dict has stays as Python runs it.


def overwrite_while_looping(x):
    d = {"a": x[0], "b": x[1]}
    for k in d:
        d[k] = d[k] * x[2]
    for k in d.keys():
        d[k] = d[k] + d["a"] * x[1]
    return d["a"] + d["b"] * 2.0


def add_while_looping(x):
    d = {"a": x[0], "b": x[1]}
    for k in d:
        if k == "b":
            d["c"] = d[k] * x[2]  # added at the last step: Python raises at the loop's end
    return d["c"]


def add_while_looping_keys(x):
    d = {"a": x[0], "b": x[1]}
    for k in d.keys():
        d[k + k] = d[k] * x[2]
    return d["aa"]


def add_and_break(x):
    d = {"a": x[0], "b": x[1]}
    for k in d:
        d[k + k] = d[k]
        break
    return d["aa"]


def test_overwriting_entries_while_looping_is_python_s():
    check_engines(overwrite_while_looping, [np.array([0.7, 1.3, -0.4]), np.array([-1.1, 0.2, 0.9])], seed=11)


@pytest.mark.parametrize("f", [add_while_looping, add_while_looping_keys])
def test_adding_a_key_while_looping_raises_python_s_error(f):
    with pytest.raises(RuntimeError, match="dictionary changed size during iteration"):
        f(np.array([0.7, 1.3, -0.4]))  # Python's own answer
    for engine in (ad.engine("sct"), ad.engine("sct", higher="sct")):
        with pytest.raises(RuntimeError, match="dictionary changed size during iteration") as info:
            engine.grad(f)(np.array([0.7, 1.3, -0.4]))
        assert "test_probe10_review_python_dict_loops.py" in "".join(getattr(info.value, "__notes__", []))


def test_adding_a_key_in_a_loop_that_breaks_is_refused():
    with pytest.raises(ad.SCTError, match="a write into the dict d in a loop over its keys that may break"):
        ad.engine("sct").grad(add_and_break)(np.array([0.7, 1.3, -0.4]))


def counted_keys(x):
    d = {"a": x[0], "b": x[1]}
    for i, k in enumerate(d.keys(), -1):
        if k == "b":
            continue
        d[k] = d[k] * x[2] * (i - 0.5)
    for i, k in enumerate(d.keys()):
        d[k] = d[k] + d["a"] * i
    return d["a"] + d["b"] * 3.0


def counted_keys_adding(x):
    d = {"a": x[0], "b": x[1]}
    for i, k in enumerate(d.keys(), start=2):
        d[k * i] = d[k]
    return d["aa"]


def test_counted_loop_over_keys_is_python_s():
    check_engines(counted_keys, [np.array([0.7, 1.3, -0.4]), np.array([-1.1, 0.2, 0.9])], seed=12)
    with pytest.raises(RuntimeError, match="dictionary changed size during iteration"):
        ad.engine("sct").grad(counted_keys_adding)(np.array([0.7, 1.3, -0.4]))


def reassign_and_write(x):
    d = {"a": x[0], "b": x[1]}
    for k in d:  # Python runs over the dict it had; SCT's check would see the new one
        d = {"a": d["a"] * x[2], "b": d["b"], "c": x[1]}
        d[k] = d[k] * 2.0
    return d["a"] + d["c"]


def test_a_loop_over_keys_whose_body_assigns_the_dict_is_refused():
    with pytest.raises(ad.SCTError, match="a loop over the keys of d whose body assigns d and writes into it"):
        ad.engine("sct").grad(reassign_and_write)(np.array([0.7, 1.3, -0.4]))
