"""Probe 10: dict comprehensions, writes into a local dict's entries, and dicts returned, on the SCT engine.

SCT refused ``{k: v * x for k, v in d.items()}`` ("dict comprehension") and ``d["a"] = x * 2`` ("a write
into the dict entry d['a']"), both plain Python that JAX runs on its tracers. A dict's keys are known only
when the code runs, so SCT now writes, then, a function of the values whose source is the dict display
(``front/sized_code.py``) and transforms it as any callee: a dict comprehension is a lifted loop appending
its keys and values to two lists, then ``dict_of(keys)(values)``; ``d[key] = v`` is ``d =
dict_set(keys of d, key)(d, v)``, a new dict in Python's order (a key met again keeps its place, takes the
last value), for a string key or any key into a variable every assignment of which is a dict; a key
keeps its type (``True`` is not ``1``). Like an index write, a write another name would see (``e = d;
d["a"] = v; e["a"]``) is refused at its line, as is a string-key write into what is not a dict. Checked
with grad, jvp, vjp and the Hessian against JAX float64 and the overloading engine, and dict outputs with
vjp, jacfwd and jacrev.
"""

from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from tests.test_probe10_python_sorted import check_engines

jax.config.update("jax_enable_x64", True)

W = {"a": 1.5, "b": -2.0}


def comprehensions(x):
    e = {k: v * x[0] for k, v in W.items() if k != "c"}
    h = {i % 2: x[i] * x[i - 1] for i in range(3)}  # a key met again: its first place, the last value
    return e["a"] + e["b"] * x[1] + h[0] * 3.0 - h[1] * e["b"]


def entry_writes(x):
    d = {}
    d["a"] = x[0] * 2.0
    d["b"] = x[1]
    d["a"] = d["a"] * d["b"]
    for i in range(3):
        d["s"] = d["s"] + x[i] * x[i] if "s" in d else x[i]
        if x[i] > 0.0:
            d["p"] = x[i] * d["a"]
    for k in ("b", "c"):  # a variable key into a variable that holds a dict
        d[k] = d["a"] * x[2] + len(k)
    out = d["a"] * d["b"] + d["s"] * d["c"]
    return out * d["p"] if "p" in d else out


def _flat(tree):
    return [np.asarray(v) for v in jax.tree_util.tree_leaves(tree)]


def returns_dict(x):
    d = {k: anp.sin(x * v) for k, v in W.items()}
    d["c"] = d["a"] * x[0]
    return d


INPUTS = [np.random.default_rng(seed).normal(size=3) for seed in range(2)] + [np.array([0.5, -1.0, 0.0])]


@pytest.mark.parametrize("f", [comprehensions, entry_writes])
def test_dicts_match_jax_and_overloading(f):
    check_engines(f, INPUTS, seed=31)


def test_a_returned_dict_matches_jax():
    sct = ad.engine("sct")
    for x in INPUTS[:1]:
        xj = jax.numpy.asarray(x)
        y, pullback = sct.vjp(returns_dict, x)
        y_jax, pullback_jax = jax.vjp(returns_dict, xj)
        g = {"a": np.ones(3), "b": -np.arange(3.0), "c": x}
        assert list(y) == ["a", "b", "c"]
        for ours, theirs in [(y, y_jax), (pullback(g), pullback_jax(g)),
                             (sct.jacfwd(returns_dict)(x), jax.jacfwd(returns_dict)(xj)),
                             (sct.jacrev(returns_dict)(x), jax.jacrev(returns_dict)(xj))]:
            assert jax.tree_util.tree_structure(ours) == jax.tree_util.tree_structure(
                jax.tree_util.tree_map(np.asarray, theirs))
            for a, b in zip(_flat(ours), _flat(theirs)):
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def keys_of_two_types(x):
    a = {k: x[0] for k in (1, 2)}
    b = {k: x[1] * a[k] for k in (True, 2)}
    b[1] = b[1] * 2.0  # an equal key: True stays
    return b


def test_a_key_keeps_its_type():
    y = ad.engine("sct").vjp(keys_of_two_types, INPUTS[0])[0]
    assert [type(k) for k in y] == [bool, int] and y == keys_of_two_types(INPUTS[0])


def aliased_write(x):
    d = {"a": x[0]}
    e = d
    d["a"] = x[1]
    return e["a"]


def string_key_into_an_array(x):
    y = x * 2.0
    y["a"] = x[0]
    return y[0]


def nested_write(x):
    d = {"a": {"b": x[0]}}
    d["a"]["b"] = x[1]  # (SCT wrote d["b"])
    return d["a"]["b"]


@pytest.mark.parametrize("f, error", [(aliased_write, "another name may hold the same dict"),
                                      (string_key_into_an_array, "a write by a string key into an ndarray"),
                                      (nested_write, r"the nested dict entry d\['a'\]\['b'\]")])
def test_unsound_writes_are_refused_at_their_line(f, error):
    line = inspect.getsourcelines(f)[1] + 3 - (f is not aliased_write)
    with pytest.raises(ad.SCTError, match=error) as info:
        ad.engine("sct").grad(f)(INPUTS[0])
    assert info.value.line == line and info.value.filename == __file__
