"""Probe 11 (structured parameters): named tuples read by field (``s.vel``) and built, on SCT.

Users port physics and optimizer code whose state is a ``typing.NamedTuple`` or ``collections.namedtuple``,
read by field (``0.5 * sum(s.vel ** 2)``) and rebuilt each step (``State(s.pos + dt * v, v)``,
``Opt(x, m=0.9 * o.m + g)`` with keywords and a default field, ``s._replace(vel=v)``). SCT took named
tuples as arguments and read them by position (``s[1]``), but refused the field read ("the attribute .vel of
a differentiated value: not supported by the SCT engine"), the constructor ("a call to State, which is
neither a vocabulary primitive nor a function with source, on a differentiated value") and ``._replace``.

A field read of a differentiated value is now an index (``s[field_index(s, 'vel')]``) that the sweeps
differentiate as ``s[1]``, also where the object is an expression (``d["p"].a``, ``f(s).pos``); any other
attribute of a differentiated value (an array's ``.real``, a field the tuple lacks, a subclass's own
property) is still refused, naming the user's line. A constructor call is the tuple of the fields in order
(defaults filled in) made the class, where the constructor is namedtuple's own: its tangent is a named tuple
of the same class and its cotangent is read field by field, so outputs, ``has_aux`` and Jacobians have JAX's
structure. ``s._replace(vel=v)`` is that constructor called with ``s``'s other fields (a field the tuple
lacks is refused with the line). Checked against JAX in float64 on several seeds.
"""

from __future__ import annotations

import collections
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import tree_util

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)

ENGINES = {"overloading": ad.engine("overloading"), "sct": ad.engine("sct"),
           "sct-boxes": ad.engine("sct", higher="boxes")}


class State(NamedTuple):
    pos: object
    vel: object


Pair = collections.namedtuple("Pair", "a b")


def energy(m):
    def f(s, k):
        return 0.5 * m.sum(s.vel ** 2) + 0.5 * k * m.sum(m.sin(s.pos) ** 2) * s.vel[0]

    return f


def coupled(m):
    def norm(p):
        return m.sum(p.a * m.cos(p.b))

    def f(d):
        return norm(d["p"]) * d["c"] + m.sum(d["p"].a ** 3)

    return f


def assert_close(ours, theirs):
    assert tree_util.tree_structure(ours) == tree_util.tree_structure(theirs)
    for a, b in zip(tree_util.tree_leaves(ours), tree_util.tree_leaves(theirs)):
        assert np.shape(a) == np.shape(b) and np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-10, atol=1e-12)


def point(seed):
    rng = np.random.default_rng(seed)
    s, k = State(rng.normal(size=3), rng.normal(size=3)), float(rng.uniform(1, 2))
    return s, k, State(rng.normal(size=3), rng.normal(size=3))


@functools.cache
def oracle(seed):  # JAX's answers, once per seed for every engine
    s, k, t = point(seed)
    f = energy(jnp)
    return (jax.grad(f)(s, k), jax.grad(f, argnums=(0, 1))(s, k), jax.jvp(f, (s, k), (t, 1.0)),
            jax.hessian(f)(s, k))


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_state_read_by_field(name, seed):
    eng, (s, k, t), f = ENGINES[name], point(seed), energy(anp)
    ours = (eng.grad(f)(s, k), eng.grad(f, argnums=(0, 1))(s, k), eng.jvp(f, (s, k), (t, 1.0)), eng.hessian(f)(s, k))
    assert_close(ours, oracle(seed))


@pytest.mark.parametrize("seed", [0, 1])
def test_a_field_of_an_expression(seed):
    rng = np.random.default_rng(seed)
    d = {"p": Pair(rng.normal(size=2), rng.normal(size=2)), "c": float(rng.normal())}
    want = jax.grad(coupled(jnp))(d), jax.jacfwd(coupled(jnp))(d)
    for eng in ENGINES.values():
        assert_close((eng.grad(coupled(anp))(d), eng.jacfwd(coupled(anp))(d)), want)


def test_a_gradient_of_a_gradient_by_fields():
    eng = ENGINES["sct"]

    def f(m):
        return lambda s: m.sum(m.sin(s.a) * s.b ** 2)

    def g(m, grad):
        def h(s):
            gs = grad(f(m))(s)
            return m.sum(gs.a ** 2) + m.sum(gs[1])

        return h

    s = Pair(np.array([0.1, 0.2]), np.array([1.0, 2.0]))
    assert_close(eng.grad(g(anp, eng.grad))(s), jax.grad(g(jnp, jax.grad))(s))


class Opt(NamedTuple):
    x: object
    m: object
    lr: float = 0.1


def momentum(m):
    def step(o, g):
        return Opt(o.x - o.lr * o.m, m=0.9 * o.m + g)

    def run(x):
        o = Opt(x, m=m.zeros_like(x))
        for _ in range(2):
            o = step(o, m.sin(o.x))
        return m.sum(o.x ** 2) + m.sum(o.m), o

    return run


def split(m):
    return lambda x: Pair(m.sin(x), b=m.sum(x ** 2))


def answers(d, m, x, t):
    f = momentum(m)
    return (d.grad(f, has_aux=True)(x), d.hessian(lambda x: f(x)[0])(x), d.jvp(lambda x: f(x)[1], (x,), (t,)),
            d.jacrev(lambda x: f(x)[1])(x))


@pytest.mark.parametrize("seed", [0, 1])
def test_a_state_built_each_step(seed):
    rng = np.random.default_rng(seed)
    x, t = rng.normal(size=2), rng.normal(size=2)
    want = answers(jax, jnp, x, t)
    for eng in ENGINES.values():
        assert_close(answers(eng, anp, x, t), want)


@pytest.mark.parametrize("name", ENGINES)
def test_a_named_tuple_output(name):
    eng, x = ENGINES[name], np.array([0.3, -0.7])
    y, f_vjp = eng.vjp(split(anp), x)
    y_jax, f_vjp_jax = jax.vjp(split(jnp), x)
    bar = Pair(np.array([1.0, -2.0]), 0.5)
    assert_close((y, f_vjp(bar), eng.jvp(split(anp), (x,), (np.ones(2),)), eng.jacfwd(split(anp))(x)),
                 (y_jax, f_vjp_jax(bar), jax.jvp(split(jnp), (x,), (np.ones(2),)), jax.jacfwd(split(jnp))(x)))


def imag_part(x):
    return anp.sum(x.imag)


def missing_field(s):
    return anp.sum(s.c)


@pytest.mark.parametrize("name", ["sct", "sct-boxes"])
def test_other_attributes_are_refused_with_the_line(name):
    eng = ENGINES[name]
    line = imag_part.__code__.co_firstlineno + 1
    with pytest.raises(SCTError, match=rf"attribute \.imag of a differentiated ndarray(.|\n)*line {line}"):
        eng.grad(imag_part)(np.ones(2))
    line = missing_field.__code__.co_firstlineno + 1
    with pytest.raises(SCTError, match=rf"attribute \.c of a differentiated Pair(.|\n)*line {line}(.|\n)*fields a, b"):
        eng.grad(missing_field)(Pair(np.ones(2), np.ones(2)))


class Swapped(collections.namedtuple("Swapped", "a b")):
    def __new__(cls, b, a):  # its own constructor: the fields are not its parameters in order
        return super().__new__(cls, a, b)


def builds_swapped(x):
    q = Swapped(x, 2.0 * x)
    return anp.sum(q[0] * 3.0 + q[1])


def test_a_constructor_of_its_own_is_not_read_as_the_fields():
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(ENGINES["overloading"].grad(builds_swapped)(x), [7.0, 7.0])
    with pytest.raises(SCTError, match=r"a call to Swapped(.|\n)*builds_swapped"):
        ENGINES["sct"].grad(builds_swapped)(x)


class Flipped(collections.namedtuple("Flipped", "a b")):
    @property
    def a(self):  # its own attribute over the field's name: not the field a
        return self[1]


def reads_flipped(q):
    return anp.sum(q.a * 3.0 + q.b)


def test_an_attribute_of_its_own_is_not_read_as_the_field():
    q = Flipped(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    assert_close(ENGINES["overloading"].grad(reads_flipped)(q), Flipped(np.zeros(2), np.full(2, 4.0)))
    with pytest.raises(SCTError, match=r"attribute \.a of a differentiated Flipped(.|\n)*own attribute"):
        ENGINES["sct"].grad(reads_flipped)(q)


class Leapfrog(NamedTuple):
    p: object
    v: object
    dt: float = 0.1


def leapfrog(m):
    def run(x):
        s = Leapfrog(x, m.zeros_like(x))
        for _ in range(2):
            s = s._replace(v=s.v - s.dt * m.sin(s.p))
            s = s._replace(p=s.p + s.dt * s.v)
        return m.sum(s.p ** 2) + m.sum(s.v), s

    return run


def test_a_state_updated_by_replace():
    x, t = np.array([0.3, -0.5]), np.array([1.0, 0.5])

    def answers(d, m):
        f = leapfrog(m)
        return d.grad(f, has_aux=True)(x), d.hessian(lambda x: f(x)[0])(x), d.jvp(lambda x: f(x)[1], (x,), (t,))

    want = answers(jax, jnp)
    for eng in ENGINES.values():
        assert_close(answers(eng, anp), want)


def replaces_a_missing_field(s):
    return anp.sum(s._replace(q=s.p).p)


def test_replace_of_a_missing_field_is_refused_with_the_line():
    line = replaces_a_missing_field.__code__.co_firstlineno + 1
    with pytest.raises(SCTError, match=rf"\._replace\(q=\.\.\.\) on a Leapfrog(.|\n)*line {line}(.|\n)*p, v, dt"):
        ENGINES["sct"].grad(replaces_a_missing_field)(Leapfrog(np.ones(2), np.ones(2)))
