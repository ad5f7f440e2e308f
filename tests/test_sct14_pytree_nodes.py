"""SCT on arguments holding registered pytree nodes: ``register_pytree_node_class``, ``register_dataclass``,
``register_pytree_with_keys``, and ``OrderedDict`` (named tuples already worked).

SCT refused each ("an argument that is a Params (a pytree node)"); overloading and JAX take them. They are now
converted where the engine takes them, as JAX flattens them there (:mod:`adcompare.engines.sct.pytree_nodes`):
a node becomes a named tuple of its children that is also an instance of its class, an ``OrderedDict`` a dict,
and outputs and cotangents come back with the caller's classes and order of leaves. Checked against JAX in
float64 (grad, jvp, vjp, hessian, hvp) on several seeds; a node whose children SCT cannot name is refused
with the function's file and line, and an attribute that is no child is refused with the user's line.
"""

from __future__ import annotations

import collections
import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import tree_util

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)

SEEDS = (0, 1)
SCT = ad.engine("sct")


@tree_util.register_pytree_node_class
class Params:
    def __init__(self, w, b, act="tanh"):
        self.w, self.b, self.act = w, b, act

    def tree_flatten(self):
        return (self.b, self.w), self.act  # b first: JAX's order is the registration's, not the names'

    @classmethod
    def tree_unflatten(cls, act, children):
        return cls(children[1], children[0], act)


@functools.partial(tree_util.register_dataclass, data_fields=["w", "b"], meta_fields=["scale"])
@dataclasses.dataclass
class Layer:
    w: object
    b: object
    scale: float = 2.0


def loss(m):
    def f(p, x, scale=1.5):
        net = p["net"]
        h = m.tanh(x @ net.w + net.b) if isinstance(net, Params) else None
        layer = p["out"]
        return m.sum((h @ layer.w + layer.b) ** 2) * scale + m.sum(p["extra"]["z"] * p["extra"]["a"])
    return f


def inputs(seed):
    rng = np.random.default_rng(seed)
    extra = collections.OrderedDict([("z", rng.normal(size=2)), ("a", rng.normal(size=2))])  # not sorted
    p = {"net": Params(rng.normal(size=(3, 4)), rng.normal(size=4)),
         "out": Layer(rng.normal(size=(4, 2)), rng.normal(size=2), 1.5), "extra": extra}
    return p, rng.normal(size=(5, 3))


def close(ours, theirs):
    assert tree_util.tree_structure(ours) == tree_util.tree_structure(theirs), (ours, theirs)
    for a, b in zip(tree_util.tree_leaves(ours), tree_util.tree_leaves(theirs)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-10, atol=1e-12)


def test_registered_nodes_first_order():
    f, fj = loss(anp), loss(jnp)
    for seed in SEEDS:
        p, x = inputs(seed)
        close(SCT.grad(f)(p, x), jax.grad(fj)(p, x))
    t = tree_util.tree_map(lambda a: np.cos(a) + 1.0, p)
    close(SCT.jvp(lambda q: f(q, x), (p,), (t,)), jax.jvp(lambda q: fj(q, x), (p,), (t,)))
    y, pull = SCT.vjp(f, p, x)
    yj, pullj = jax.vjp(fj, p, x)
    close(y, yj)
    close(pull(0.7), pullj(0.7))


def test_registered_nodes_second_order():
    f, fj = loss(anp), loss(jnp)
    p, x = inputs(2)
    v = tree_util.tree_map(lambda a: np.sin(a) - 0.2, p)
    close(SCT.hvp(lambda q: f(q, x), (p,), (v,)), jax.jvp(jax.grad(lambda q: fj(q, x)), (p,), (v,))[1])


def test_outputs_and_aux_keep_the_callers_classes():
    def step(m):
        def f(p):
            new = Params(p.w * 0.5, m.exp(p.b))
            return m.sum(new.w), p

        return f

    p = Params(np.ones((2, 2)), np.array([0.1, 0.2]))
    with pytest.raises(SCTError):  # a node built inside the code: not a named tuple SCT builds
        SCT.grad(step(anp), has_aux=True)(p)

    def same(m):
        return lambda p: (m.sum(m.sin(p.w)) + m.sum(p.b), p)

    g, aux = SCT.grad(same(anp), has_aux=True)(p)
    gj, auxj = jax.grad(same(jnp), has_aux=True)(p)
    assert type(g) is Params and type(aux) is Params
    close((g, aux), (gj, auxj))


@pytest.mark.parametrize("kind", ["unnamed", "slots"])
def test_a_node_sct_cannot_stand_in_for_is_refused_with_the_line(kind):
    class Bare:
        def __init__(self, a):
            self.a = a

    class Slotted:  # isinstance(x, Slotted) could not hold for a tuple standing in for it
        __slots__ = ("a",)

        def __init__(self, a):
            self.a = a

    tree_util.register_pytree_node(Bare, lambda o: ((o.a * 1.0,), None), lambda _, c: Bare(c[0]))
    tree_util.register_pytree_with_keys(Slotted, lambda o: (((tree_util.GetAttrKey("a"), o.a),), None),
                                        lambda _, c: Slotted(c[0]))

    def f(q):
        return anp.sum(q.a)

    with pytest.raises(SCTError, match="pytree node") as info:
        SCT.grad(f)((Bare if kind == "unnamed" else Slotted)(np.ones(2)))
    assert "test_sct14_pytree_nodes.py" in str(info.value)


@pytest.mark.parametrize("read", ["static", "method"])
def test_an_attribute_that_is_no_child_is_refused_with_the_line(read):
    def static(q):
        return anp.sum(q.w) * q.scale

    def method(q):
        return anp.sum(q.w) * q.__len__()

    with pytest.raises(SCTError, match="scale|method") as info:
        SCT.grad(static if read == "static" else method)(Layer(np.ones(2), np.ones(2), 3.0))
    assert "test_sct14_pytree_nodes.py" in str(info.value)


def test_ordered_dict_hessian_keeps_jax_structure_and_order():
    def f(m):
        return lambda d: m.sum(m.sin(d["z"]) * d["a"] ** 2) + d["b"] ** 3

    d = collections.OrderedDict([("z", np.array([0.4, -0.3])), ("a", np.array([1.2, 0.5])), ("b", 0.7)])
    h, hj = SCT.hessian(f(anp))(d), jax.hessian(f(jnp))(d)
    close(h, hj)
    assert list(h) == ["z", "a", "b"] and list(h["a"]) == ["z", "a", "b"]
