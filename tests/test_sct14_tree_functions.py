"""SCT on ``jax.tree_util.tree_leaves`` / ``tree_map`` / ``tree_reduce`` / ``tree_flatten`` / ``tree_unflatten``
(and ``jax.tree.*``) inside a loss.

Users write losses and optimizer steps over parameter dicts with JAX's tree functions:
``sum(anp.sum(l ** 2) for l in tree_leaves(params))``, ``tree_map(lambda p, g: p - lr * g, params, grads)``.
SCT refused them ("iterating over tree_leaves(...)", "a call to tree_map, which is neither a vocabulary
primitive nor a function with source"). They are now Python SCT transforms (:mod:`adcompare.engines.sct.front.
tree_source`): the leaves in JAX's order (a dict's keys sorted, ``None`` an empty subtree), the function mapped
leaf by leaf and the tree built again, the reduction from the first leaf or the initial value. Checked against
JAX (float64) in grad, jvp, vjp and second order on several seeds; a tree holding a node SCT does not index
(an ``OrderedDict``) is refused with the user's line, never flattened in another order. ``functools.reduce``,
refused the same way, is taken likewise.
"""

from __future__ import annotations

import collections
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import tree_util
from jax.tree_util import tree_leaves, tree_map, tree_reduce

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)

SEEDS = (0, 1)
SCT = {"sct": ad.engine("sct"), "sct-boxes": ad.engine("sct", higher="boxes")}
Pair = collections.namedtuple("Pair", "a b")


def close(ours, theirs):
    assert tree_util.tree_structure(ours) == tree_util.tree_structure(theirs), (ours, theirs)
    for a, b in zip(tree_leaves(ours), tree_leaves(theirs)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-10, atol=1e-12)


def params(seed):
    rng = np.random.default_rng(seed)
    return {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2),
            "layers": [rng.normal(size=(2, 2)), (rng.normal(size=2), None)]}


def l2(m):
    def f(p):
        return sum(m.sum(leaf ** 2) for leaf in tree_leaves(p)) + m.sum(tree_leaves(p)[0] * 3.0)
    return f


def sgd_loss(m):
    def f(p, x):
        g = tree_map(lambda a: m.tanh(a) * a, p)
        q = tree_map(lambda a, b: a - 0.1 * b, p, g)
        h = m.tanh(x @ q["w"] + q["b"]) @ q["layers"][0]
        return m.sum(h * q["layers"][1][0]) + tree_reduce(lambda s, v: s + m.sum(m.sin(v)), q, 0.5)
    return f


def reduce_first(m):
    def f(p):
        return tree_reduce(lambda s, v: s * m.cos(v), jax.tree.map(lambda a: m.sum(a * a), p))
    return f


def functools_reduce(m):
    def f(p):
        rows = [m.sum(v * v) for v in tree_leaves(p)]
        return functools.reduce(lambda a, b: a * m.cos(b), rows) + functools.reduce(lambda a, b: a + b, rows, 0.5)
    return f


def flatten_unflatten(m):
    def f(p):
        leaves, treedef = tree_util.tree_flatten(p)
        q = tree_util.tree_unflatten(treedef, [m.sin(v) * v for v in leaves])
        r = jax.tree.unflatten(jax.tree.structure(p), [v * 2.0 for v in jax.tree.leaves(q)])
        return m.sum(q["w"] * r["b"][0]) + m.sum(r["layers"][1][0] * q["b"])
    return f


def named(m):
    def f(p):
        r = tree_map(lambda a, b: m.exp(a) * b, p, Pair(p.b, p.a))
        return m.sum(r.a) * m.sum(r.b) + sum(m.sum(v) for v in jax.tree.leaves(r))
    return f


def pair(seed):
    rng = np.random.default_rng(seed)
    return Pair(rng.normal(size=3), rng.normal(size=3))


CASES = {"l2": (l2, lambda s: (params(s),)), "sgd_loss": (sgd_loss, lambda s: (
    params(s), np.random.default_rng(s + 10).normal(size=(4, 3)))),
    "reduce_first": (reduce_first, lambda s: (params(s),)), "functools_reduce": (functools_reduce, lambda s: (
        params(s),)), "flatten_unflatten": (flatten_unflatten, lambda s: (params(s),)),
    "named": (named, lambda s: (pair(s),))}


@pytest.mark.parametrize("engine,case", [("sct", c) for c in CASES] + [("sct-boxes", "sgd_loss")])
def test_tree_functions_first_order(engine, case):
    make, inputs = CASES[case]
    eng, f, fj = SCT[engine], make(anp), make(jnp)
    for seed in SEEDS:
        args = inputs(seed)
        close(eng.grad(f)(*args), jax.grad(fj)(*args))
    t = tree_map(lambda a: np.cos(a) + 0.5, args)
    close(eng.jvp(f, args, t), jax.jvp(fj, args, t))
    y, pull = eng.vjp(f, *args)
    yj, pullj = jax.vjp(fj, *args)
    close(y, yj)
    close(pull(1.5), pullj(1.5))


@pytest.mark.parametrize("engine,case", [("sct", "sgd_loss"), ("sct", "named"), ("sct-boxes", "l2"),
                                         ("sct", "flatten_unflatten")])
def test_tree_functions_second_order(engine, case):
    make, inputs = CASES[case]
    eng, f, fj = SCT[engine], make(anp), make(jnp)
    args = inputs(3)
    v = tree_map(lambda a: np.sin(a) + 0.5, args[0])
    close(eng.hvp(lambda p: f(p, *args[1:]), (args[0],), (v,)),
          jax.jvp(jax.grad(lambda p: fj(p, *args[1:])), (args[0],), (v,))[1])


def test_reduce_of_nothing_raises_pythons_error():
    def f(x):
        return functools.reduce(lambda a, b: a + b, [v for v in (x,) if False]) + tree_reduce(lambda a, b: a, {})

    with pytest.raises(TypeError, match="reduce"):
        SCT["sct"].grad(f)(1.0)


def test_unflatten_with_another_count_of_leaves_raises_jax_error():
    def f(p):
        leaves, treedef = tree_util.tree_flatten(p)
        return anp.sum(tree_util.tree_unflatten(treedef, leaves + leaves)["a"])

    with pytest.raises(ValueError, match="leaves for PyTreeDef"):
        SCT["sct"].grad(f)({"a": np.ones(2)})


def test_tree_map_mismatched_trees_raise_jax_error():
    def f(p):
        return anp.sum(tree_map(lambda a, b: a * b, p, {"a": p["a"]})["a"])

    with pytest.raises(ValueError):
        SCT["sct"].grad(f)({"a": np.ones(2), "b": np.ones(2)})


def test_ordered_dict_inside_a_tree_is_refused_with_the_line():
    def f(x, od):
        return sum(anp.sum(v * x) for v in tree_leaves((od, x)))

    od = collections.OrderedDict([("z", np.ones(2)), ("a", np.zeros(2))])  # not differentiated: not converted
    with pytest.raises(SCTError, match="a tree function on a tree holding an OrderedDict") as info:
        SCT["sct"].grad(f)(np.ones(2), od)
    assert "test_sct14_tree_functions.py" in str(info.value)
