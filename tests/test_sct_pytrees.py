"""SCT on pytrees: displays, subscripts, unpacking and loops over containers, against JAX.

Each program is written once over a vocabulary ``m`` (``adcompare.numpy`` for
SCT, ``jax.numpy`` for the oracle) and checked in forward mode (``jvp``) and
reverse mode (``vjp``, ``grad``) on several seeded inputs: the generated code
must take, index, build and return tuples, lists and dicts as JAX's
transformations do. What SCT cannot do with a container is refused with its
line, never answered with a zero.
"""

from __future__ import annotations

import collections

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import tree_util

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import SCTError

SEEDS = (0, 1, 2)
TOL = 1e-12
sct = ad.engine("sct")


def assert_tree_close(ours, theirs, tol=TOL):
    assert tree_util.tree_structure(ours) == tree_util.tree_structure(theirs), (ours, theirs)
    for a, b in zip(tree_util.tree_leaves(ours), tree_util.tree_leaves(theirs)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype, (a, b)
        if b.dtype != jax.dtypes.float0:
            scale = max(float(np.max(np.abs(b), initial=0.0)), 1.0)
            assert float(np.max(np.abs(a - b), initial=0.0)) <= tol * scale, (a, b)


def to_jax(tree):
    return tree_util.tree_map(jnp.asarray, tree)


def randn(rng, tree):
    """A random pytree shaped like ``tree`` (its float leaves replaced)."""
    return tree_util.tree_map(lambda x: rng.normal(size=np.shape(x)) if np.ndim(x) else float(rng.normal()), tree)


# --- the programs -------------------------------------------------------------


def returns_displays(m):
    def f(p, x):
        h = m.sin(m.multiply(p["w"], x))
        return {"h": h, "pair": (m.sum(h), p["b"]), "list": [m.exp(x), h]}

    return f


def nested_subscripts(m):
    def f(p, x):
        h = m.tanh(m.add(m.matmul(x, p["layers"][0]["w"]), p["layers"][0]["b"]))
        h = m.multiply(h, p["layers"][1][0])
        return m.multiply(m.sum(m.multiply(h, h)), p["layers"][1][1])

    return f


def dict_built_inside(m):
    def f(x, y):
        d = {"a": m.sin(x), "b": m.multiply(x, y), 3: y}
        key = "b"
        return m.add(m.sum(m.multiply(d["a"], d[key])), m.sum(d[3]))

    return f


def unpacks_values(m):
    def f(p):
        w, b = p["wb"]
        u, v = p["u"], p["v"]
        first, rest = p["list"][0], p["list"][1:]
        s = m.sum(m.multiply(w, b)) + m.sum(m.sin(u)) * v
        return s + m.multiply(first, rest[0])

    return f


def loops_over_a_list(m):
    def f(ws, x):
        s = 0.0
        for w in ws:
            s = s + m.sum(m.sin(m.multiply(w, x)))
        h = x
        for i in range(len(ws)):
            h = m.tanh(m.multiply(ws[i], h))
        return s + m.sum(h)

    return f


def rebuilds_a_dict_in_a_loop(m):
    def f(state, x):
        for _ in range(3):
            state = {"h": m.tanh(m.add(state["h"], x)), "n": state["n"] + 1, "acc": state["acc"]}
            state = {"h": state["h"], "n": state["n"], "acc": m.add(state["acc"], m.sum(state["h"]))}
        return state

    return f


def grows_a_list(m):
    def f(x):
        out = []
        h = x
        for _ in range(3):
            h = m.sin(h)
            out.append(h)
        return out

    return f


def helper(p, x):
    return {"y": anp.multiply(p["w"], x), "z": (anp.sin(p["b"]),)}


def helper_j(p, x):
    return {"y": p["w"] * x, "z": (jnp.sin(p["b"]),)}


def calls_a_helper(m):
    h = helper if m is anp else helper_j

    def f(p, x):
        out = h(p, x)
        other = h({"w": x, "b": p["b"]}, p["w"])
        return m.sum(m.multiply(out["y"], other["y"])) + m.sum(out["z"][0])

    return f


Point = collections.namedtuple("Point", "u v")


def takes_a_named_tuple(m):
    def f(pt, x):
        return m.sum(m.multiply(pt[0], x)) * pt[1], pt

    return f


def params(rng):
    return {"w": rng.normal(size=3), "b": rng.normal(size=3)}


def layered(rng):
    return {"layers": [{"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)},
                       (rng.normal(size=2), float(rng.uniform(0.5, 1.5)))]}


CASES = {
    "returns_displays": (returns_displays, lambda rng: (params(rng), rng.normal(size=3))),
    "nested_subscripts": (nested_subscripts, lambda rng: (layered(rng), rng.normal(size=(4, 3)))),
    "dict_built_inside": (dict_built_inside, lambda rng: (rng.normal(size=3), rng.normal(size=3))),
    "unpacks_values": (unpacks_values, lambda rng: ({
        "wb": (rng.normal(size=2), rng.normal(size=2)), "u": rng.normal(size=3), "v": float(rng.normal()),
        "list": [float(rng.normal()), rng.normal(size=2), rng.normal(size=2)]},)),
    "loops_over_a_list": (loops_over_a_list, lambda rng: ([rng.normal(size=3) for _ in range(3)],
                                                          rng.normal(size=3))),
    "rebuilds_a_dict_in_a_loop": (rebuilds_a_dict_in_a_loop, lambda rng: (
        {"h": rng.normal(size=2), "n": 0, "acc": float(rng.normal())}, rng.normal(size=2))),
    "grows_a_list": (grows_a_list, lambda rng: (rng.normal(size=2),)),
    "calls_a_helper": (calls_a_helper, lambda rng: (params(rng), rng.normal(size=3))),
    "takes_a_named_tuple": (takes_a_named_tuple, lambda rng: (Point(rng.normal(size=3), float(rng.normal())),
                                                             rng.normal(size=3))),
}


def cotangent(rng, y):
    """A random cotangent for output ``y`` (float0 for an integer leaf, as JAX takes it)."""
    return tree_util.tree_map(lambda v: np.zeros(np.shape(v), jax.dtypes.float0)
                              if not jnp.issubdtype(jnp.result_type(v), jnp.floating)
                              else (rng.normal(size=np.shape(v)) if np.ndim(v) else float(rng.normal())), y)


@pytest.mark.parametrize("case", sorted(CASES))
def test_forward_mode_matches_jax(case):
    program, inputs = CASES[case]
    f, f_j = program(anp), program(jnp)
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        xs = inputs(rng)
        ts = tuple(tree_util.tree_map(lambda x, t: np.zeros((), jax.dtypes.float0) if isinstance(x, int) else t,
                                      x, randn(rng, x)) for x in xs)
        ours = sct.jvp(f, xs, ts)
        theirs = jax.jvp(f_j, to_jax(xs), tree_util.tree_map(
            lambda t: t if getattr(t, "dtype", None) == jax.dtypes.float0 else jnp.asarray(t), ts))
        assert_tree_close(ours, theirs)


@pytest.mark.parametrize("case", sorted(CASES))
def test_reverse_mode_matches_jax(case):
    program, inputs = CASES[case]
    f, f_j = program(anp), program(jnp)
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        xs = inputs(rng)
        y, f_vjp = sct.vjp(f, *xs)
        y_j, f_vjp_j = jax.vjp(f_j, *to_jax(xs))
        assert_tree_close(y, y_j)
        g = cotangent(rng, y_j)
        theirs = f_vjp_j(tree_util.tree_map(
            lambda v: v if getattr(v, "dtype", None) == jax.dtypes.float0 else jnp.asarray(v), g))
        assert_tree_close(f_vjp(g), theirs)
        assert_tree_close(f_vjp(g), theirs)  # the pull-back may run again


def test_grad_of_a_dict_is_a_dict_with_none_kept():
    f, f_j = nested_subscripts(anp), nested_subscripts(jnp)
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        p, x = layered(rng), rng.normal(size=(4, 3))
        p["unused"], p["none"] = rng.normal(size=2), None
        ours = sct.grad(f)(p, x)
        assert isinstance(ours, dict) and ours["none"] is None and not ours["unused"].any()
        assert_tree_close(ours, jax.grad(f_j)(to_jax(p), jnp.asarray(x)))


def iterates_over_a_dict(x, p):
    s = 0.0
    for k in p:  # refused: Python runs over the keys, and SCT loops by position
        s = s + x * k
    return s


def test_iterating_over_a_dict_is_refused_with_its_line():
    for p in ({1: 1.0, 0: 2.0}, {"a": 1.0}):  # p[0] would be a value, not the key 1
        for run in (lambda: sct.grad(iterates_over_a_dict)(1.5, p), lambda: sct.jvp(
                iterates_over_a_dict, (1.5, p), (1.0, {k: 0.0 for k in p}))):
            with pytest.raises(SCTError, match="iterating over a dict") as info:
                run()
            assert info.value.line == iterates_over_a_dict.__code__.co_firstlineno + 2


def test_keyword_arguments_and_defaults_bind_as_in_python():
    def f(x, scale=2.0, shift=0.0):
        return anp.sum(anp.sin(anp.add(x, shift))) * scale

    def f_j(x, scale=2.0, shift=0.0):
        return jnp.sum(jnp.sin(x + shift)) * scale

    x = np.random.default_rng(4).normal(size=3)
    for kwargs in ({}, {"shift": 0.5}, {"scale": 3.0, "shift": -1.0}):
        assert_tree_close(sct.grad(f)(x, **kwargs), jax.grad(f_j)(jnp.asarray(x), **kwargs))
        assert_tree_close(sct.jacfwd(f)(x, **kwargs), jax.jacfwd(f_j)(jnp.asarray(x), **kwargs))
    assert_tree_close(sct.grad(f, argnums=1)(x, 1.5, shift=0.25),
                      jax.grad(f_j, argnums=1)(jnp.asarray(x), 1.5, shift=0.25))
    with pytest.raises(TypeError, match="scale"):
        sct.grad(f)(x, 1.0, scale=2.0)


def test_a_vocabulary_function_is_differentiated_directly():
    x = np.random.default_rng(5).normal(size=3)
    assert_tree_close(sct.jacrev(anp.exp)(x), jax.jacrev(jnp.exp)(jnp.asarray(x)))
    assert_tree_close(sct.jacfwd(anp.sin)(x), jax.jacfwd(jnp.sin)(jnp.asarray(x)))
    assert_tree_close(sct.grad(anp.sum)(x), jax.grad(jnp.sum)(jnp.asarray(x)))


class Registered:
    def __init__(self, w):
        self.w = w


# its child is computed, held by no attribute: SCT cannot name it (a node whose children are attributes is
# taken, see tests/test_sct14_pytree_nodes.py)
tree_util.register_pytree_node(Registered, lambda r: ((r.w * 1.0,), None), lambda _, c: Registered(*c))


def reads_registered(r):
    return anp.sum(r.w)


def test_a_pytree_node_sct_cannot_index_is_refused_with_its_file_and_line():
    with pytest.raises(SCTError, match="Registered") as info:
        sct.grad(reads_registered)(Registered(np.ones(2)))
    assert info.value.line == reads_registered.__code__.co_firstlineno
    assert info.value.filename == __file__


def keys_from_values(x):
    d = {x: 1.0}  # refused
    return d


def test_a_differentiated_dict_key_is_refused_with_its_line():
    with pytest.raises(SCTError, match="dict key") as info:
        sct.vjp(keys_from_values, 1.0)
    assert info.value.line == keys_from_values.__code__.co_firstlineno + 1


def repeats_a_list(ws):
    t = ws * 2
    return t[0] + ws[0]


def concatenates_lists(ws):
    t = ws + ws
    return t[0] * t[3]


def test_arithmetic_on_a_list_of_differentiated_values_raises_in_reverse_mode():
    ws = [1.5, 2.0]
    for f in (repeats_a_list, concatenates_lists):
        with pytest.raises(TypeError, match="concatenates or repeats|concatenate or repeat"):
            sct.grad(f)(ws)
        # forward mode follows Python's meaning (the tangents are concatenated and repeated too)
        assert_tree_close(sct.jvp(f, (ws,), ([1.0, 0.5],)), jax.jvp(f, (ws,), ([1.0, 0.5],)))


def unpacks_dict_values(p):
    q = {"w": p["w"] * 2.0, "b": p["b"]}  # a dict made here, its keys not in sorted order
    w, b = q.values()  # refused
    return anp.sum(anp.multiply(w, b))


def test_dict_methods_on_differentiated_values_are_refused_with_a_hint():
    with pytest.raises(SCTError, match=r"\.values\(\).*\n.*line .*\n.*p\['w'\]") as info:
        sct.grad(unpacks_dict_values)({"w": np.ones(2), "b": np.ones(2)})
    assert info.value.line == unpacks_dict_values.__code__.co_firstlineno + 2


def test_functools_partial_is_seen_through():
    import functools

    f, f_j = dict_built_inside(anp), dict_built_inside(jnp)
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=3), rng.normal(size=3)
    assert_tree_close(sct.grad(functools.partial(f, x))(y), jax.grad(functools.partial(f_j, jnp.asarray(x)))(
        jnp.asarray(y)))
    assert_tree_close(sct.jacfwd(functools.partial(f, y=y))(x), jax.jacfwd(functools.partial(
        f_j, y=jnp.asarray(y)))(jnp.asarray(x)))


W4 = np.array([0.5, -1.0, 2.0, 3.0])


def repeats_then_weighs(ws):
    t = ws * 2
    return anp.sum(anp.multiply(t, W4))


def lists_into_the_vocabulary(a, b):
    pair = [a, anp.multiply(a, b)]
    return pair[0] * anp.sum(pair) + anp.mean([a, anp.add(b, 2.0)])


def lists_into_the_vocabulary_j(a, b):  # jax.numpy takes arrays only: the same, packed by hand
    pair = [a, a * b]
    return pair[0] * jnp.sum(jnp.asarray(pair)) + jnp.mean(jnp.asarray([a, b + 2.0]))


def test_a_list_packed_by_a_vocabulary_call_gets_its_elements_cotangents():
    f, f_j = lists_into_the_vocabulary, lists_into_the_vocabulary_j
    for seed in SEEDS:
        a, b = np.random.default_rng(seed).normal(size=2)
        assert_tree_close(sct.grad(f, argnums=(0, 1))(a, b), jax.grad(f_j, argnums=(0, 1))(a, b))
    # a repeated list then packed: its cotangent does not fit the list, and that raises
    with pytest.raises(TypeError, match="do not fit together|concatenate or repeat"):
        sct.grad(repeats_then_weighs)([1.5, 2.5])
