"""Probe 11: dicts changed in place (``del d[k]``, ``update``, ``pop``, ``setdefault``, ``clear``), copied
(``dict(d)``, ``d.copy()``) or spread (``{**d, 'k': v}``), and loops over ``.items()``/``.values()`` that write
into the dict, on the SCT engine.

SCT refused each ("del", "an expression statement", "the method .pop() on a differentiated value", "a call to
dict", "**-unpacking in a dict display"), and a loop over ``d.items()`` whose body wrote ``d[k]`` named SCT's
own holder (``_sct_dict0``) in its refusal. JAX runs them all on its tracers. Now each is a new dict that SCT
builds by constant keys when the code runs (front/dict_writes.py, front/dict_code.py), as ``d[k] = v`` already
was: in Python's order, with Python's KeyError for a missing key; a loop over ``d.items()`` whose body writes
into ``d`` reads each value from ``d`` as it is then, as Python's view does. A change in place another name
would see (``e = d; del d['a']; e['a']``) is refused at its line, as is one inside a loop over the same dict.
Checked with grad, jvp, vjp and the Hessian (higher="sct" and "boxes") against JAX float64 and the overloading
engine, on several seeds.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.oracle import max_error

jax.config.update("jax_enable_x64", True)


def check_engines(f, inputs, seed: int, oracle=None) -> None:
    """grad, jvp and vjp of ``f`` on SCT (both kinds of second order) and the overloading engine are JAX's
    (of ``oracle``, the same function written with jnp where JAX runs ``f`` slowly, else of ``f``) on every
    input, and so is each one's Hessian on the first."""
    rng = np.random.default_rng(seed)
    engines = (ad.engine("sct"), ad.engine("sct", higher="boxes"), ad.engine("overloading"))
    g = f if oracle is None else oracle
    value_and_grad, hessian_of = jax.jit(jax.value_and_grad(g)), jax.jit(jax.hessian(g))  # (JAX's eager: seconds)
    for k, x in enumerate(inputs):
        xj, t = jnp.asarray(x), rng.normal(size=np.shape(x))
        y_jax, grad = value_and_grad(xj)  # (a scalar output: JAX's jvp is its gradient times t)
        expected = [grad, (y_jax, grad @ t), (y_jax, (-0.7 * grad,))]
        hessian = hessian_of(xj) if k == 0 else None
        for eng in engines:
            y, pullback = eng.vjp(f, x)
            got = [eng.grad(f)(x), eng.jvp(f, (x,), (t,)), (y, pullback(-0.7))]
            assert all(max_error(a, b) < 1e-12 for a, b in zip(got, expected)), (eng, got, expected)
            assert hessian is None or max_error(eng.hessian(f)(x), hessian) < 1e-10, eng


def deletes(x):
    d = {"a": x[0], "b": x[1] * x[2], "c": x[2] ** 2}
    del d["b"]
    del d["a"], d["c"]
    d["a"] = x[1] * 3.0  # back at the end of the order
    e = {"p": x[0], "q": x[1]}
    key = "p"
    del e[key]
    return d["a"] * len(d) + e["q"] * x[0]


def updates(x):
    d = {"a": x[0], "b": x[1]}
    d.update({"b": x[2] * x[0], "c": anp.sin(x[1])})  # b keeps its place, takes the new value
    d.update(a=x[1] ** 2, e=x[0])
    d.update({"f": 2.0}, g=x[2])
    total = 0.0
    for k in d:  # the keys in Python's order
        total = total * 1.5 + d[k]
    return total


def pops(x):
    d = {"a": x[0], "b": x[1] * x[2], "c": x[2]}
    v = d.pop("b")
    w = d.pop("z", x[0] * 4.0)  # missing: the default
    d.pop("c")
    u = d.pop("a", 100.0)
    return v * w + u * (len(d) + 1)


def setdefaults(x):
    d = {"a": x[0]}
    v = d.setdefault("b", x[1] * 2.0)  # missing: set
    u = d.setdefault("a", x[2] * 100.0)  # present: kept
    d.setdefault("c", x[2])
    return v * u + d["b"] * d["c"] + d["a"]


def copies(x):
    d = {"a": x[0], "b": x[1]}
    e = dict(d)
    f = d.copy()
    e["a"] = x[2] * 2.0  # the copies are new dicts: d keeps its entries
    f.update(b=x[0] ** 3)
    g = {**d, "b": x[2], "c": x[1] * x[0]}
    h = {"z": x[0], **g, **{"a": 5.0}}
    return d["a"] * e["a"] + f["b"] * d["b"] + g["b"] * g["c"] + h["a"] * h["z"] + len(h) * h["c"]


def clears(x):
    d = {"a": x[0], "b": x[1]}
    s = d["a"] * d["b"]
    d.clear()
    d["c"] = x[2]
    return s + d["c"] * len(d)


def item_loops_writing(x):
    d = {"a": x[0], "b": x[1], "c": x[2]}
    for k, v in d.items():
        d[k] = v * v + 1.0
        if k == "a":
            d["c"] = d["c"] * x[1]  # read at c's own step, as Python's view reads it
    s = 0.0
    for v in d.values():
        d["a"] = d["a"] + v
        s = s + v * x[0]
    return s + d["a"] * d["b"]


PROGRAMS = [deletes, updates, pops, setdefaults, copies, clears, item_loops_writing]


@pytest.mark.parametrize("f", PROGRAMS)
def test_dict_changes_are_jaxs(f):
    rng = np.random.default_rng(sum(map(ord, f.__name__)))
    check_engines(f, [rng.normal(size=3) for _ in range(2)], 3)


def changes_a_dict_argument(params):
    d = dict(params)  # the argument's keys in sorted order: JAX's order and Python's agree
    d.update(c=params["w"] * 2.0)
    e = {**params, "a": params["b"] ** 2}
    params.setdefault("z", params["b"])  # SCT (as JAX) changes its own copy, not the caller's dict
    del params["w"]
    total = 0.0
    for k in d:
        total = total * 1.5 + anp.sum(d[k] * e["a"]) * len(k)
    return total + anp.sum(params["z"] * len(params))


def test_a_dict_argument_changed_in_place_is_jaxs():
    rng = np.random.default_rng(4)
    for _ in range(2):
        p = {"b": rng.normal(size=2), "w": rng.normal(size=2)}
        pj = jax.tree_util.tree_map(jnp.asarray, p)
        want, want_grad = jax.value_and_grad(changes_a_dict_argument)(dict(pj))
        for eng in (ad.engine("sct"), ad.engine("sct", higher="boxes"), ad.engine("overloading")):
            value, grad = eng.value_and_grad(changes_a_dict_argument)(dict(p))
            assert max_error(value, want) < 1e-12 and sorted(grad) == ["b", "w"]
            assert all(max_error(grad[k], want_grad[k]) < 1e-12 for k in grad)


def spreads_an_unsorted_argument(params):
    d = {**params, "c": params["w"] * 2.0}
    total = 0.0
    for k in d:
        total = total * 1.5 + d[k]
    return total


def test_a_dict_argument_in_an_order_jax_would_change_runs_in_jaxs_order():
    p = {"w": np.array(0.5), "b": np.array(-1.5)}  # JAX sorts a differentiated argument's keys (b, w, c)
    want = jax.grad(spreads_an_unsorted_argument)(p)
    assert want["b"] == 1.5 ** 2  # JAX's order (b, w, c); Python's (w, b, c) gives 1.5
    for eng in (ad.engine("sct"), ad.engine("sct", higher="boxes"), ad.engine("overloading")):
        grad = eng.grad(spreads_an_unsorted_argument)(p)  # the engines take it as JAX hands it over (sorted)
        assert all(max_error(grad[k], want[k]) < 1e-12 for k in want)


def missing_del(x):
    d = {"a": x[0]}
    del d["b"]
    return d["a"]


def missing_pop(x):
    d = {"a": x[0]}
    v = d.pop("b")
    return v * x[0]


@pytest.mark.parametrize("f", [missing_del, missing_pop])
def test_a_missing_key_raises_pythons_key_error(f):
    with pytest.raises(KeyError, match="'b'"):
        f(np.ones(2))
    with pytest.raises(KeyError, match="'b'"):
        ad.engine("sct").grad(f)(np.ones(2))


def other_name_sees_del(x):
    d = {"a": x[0], "b": x[1]}
    e = d
    del d["a"]  # refused: here
    return e["b"] * len(e)


def other_name_sees_update(x):
    d = {"a": x[0], "b": x[1]}
    e = d
    d.update(a=x[1])  # refused: here
    return e["a"]


def del_in_loop_over_it(x):
    d = {"a": x[0], "b": x[1]}
    for k in d:
        del d[k]  # refused: here
    return x[0]


def pop_in_items_loop(x):
    d = {"a": x[0], "b": x[1]}
    s = 0.0
    for k, v in d.items():
        w = d.pop(k)  # refused: here
        s = s + w * v
    return s


def pop_in_an_expression(x):
    d = {"a": x[0], "b": x[1]}
    return d.pop("a") * x[1]  # refused: here


def update_of_a_list(x):
    d = {"a": x[0]}
    d.update([("b", x[1])])  # refused: here
    return d["a"]


@pytest.mark.parametrize("f, match", [
    (other_name_sees_del, "another name may hold the same dict"), (other_name_sees_update, "another name may hold"),
    (del_in_loop_over_it, "del on the dict d inside a loop over it"), (pop_in_items_loop, "inside a loop over it"),
    (pop_in_an_expression, r"d\.pop\(\.\.\.\) inside an expression"), (update_of_a_list, "list, which is not a dict")])
def test_what_python_would_do_otherwise_is_refused_at_its_line(f, match):
    lines, first = inspect.getsourcelines(f)
    line = first + next(k for k, text in enumerate(lines) if "refused: here" in text)
    with pytest.raises(ad.SCTError, match=match) as info:
        ad.engine("sct").grad(f)(np.array([0.5, -1.5]))
    assert (info.value.filename, info.value.line) == (__file__, line), str(info.value)
