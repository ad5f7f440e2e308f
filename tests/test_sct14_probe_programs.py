"""Probe 14: short programs JAX users write, on SCT against JAX (float64).

About fifty programs were run on SCT and overloading against JAX (an optimizer step over a params dict, a list
of layers, a scan-like loop over a list of arrays, comprehensions over zip and enumerate, dict comprehensions,
``+=`` on dict entries, ``*args``, keyword-only and default arguments, methods and static methods of a class
holding parameters, ``functools.partial``, recursion over a list, lambdas made in loops, ``a, *rest = xs``,
early returns, while loops to convergence, ``functools.reduce``...). None was silently wrong. Common forms
refused, now taken: ``self.predict(x)`` inside a method, with differentiated arguments ("the
method .predict() called on an object SCT cannot resolve"); the front now calls the bound method it reads when
the code runs, as Python does (the form ``m = self.predict; m(x)`` SCT already took), for every method name
that no array, container or string has (those keep their meaning and their refusals). ``sum(f(v) for v in hs)``
over a list ``hs`` built with ``append`` was refused as "a second reference to the list"; a comprehension, or a
generator that ``sum``/``max``/``list``... run at once, only reads the list it loops over (unless its items
name the list), so it is taken; a generator kept and run later (Python's would see later appends) and a
comprehension keeping the list stay refused. ``a, *rest = xs`` was refused ("assignment to Starred"); it is
now the sequence held once and indexed, the starred name a list, as Python makes it. The programs that work
are kept here as checks: grad and jvp on two seeds, and an hvp.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import tree_util

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

SCT = ad.engine("sct")


def model(m):
    class Model:
        def __init__(self, scale):
            self.scale = scale

        def predict(self, w, x):
            return m.tanh(x @ w) * self.scale

        def loss(self, w, x):
            return m.sum(self.predict(w, x) ** 2) + self.reg(w) + self.sreg(w)

        def reg(self, w):
            return 0.1 * m.sum(w ** 2) * self.factor(2.0)

        def factor(self, c):
            return c + self.scale

        @staticmethod
        def sreg(w):
            return m.sum(m.sin(w))

    return Model(1.5)


def method_of_self(m):
    mod = model(m)
    return lambda w, x: mod.loss(w, x)


def bound_method(m):
    return functools.partial(model(m).loss, x=np.linspace(-1.0, 1.0, 12).reshape(4, 3))


def layers_and_scan(m):
    def f(ws, xs):
        h = xs[0]
        hs = []
        for w, x in zip(ws, xs):
            h = m.tanh(h @ w) + x
            hs.append(h)
        return sum((i + 1.0) * m.sum(v ** 2) for i, v in enumerate(hs))

    return f


def dict_step(m):
    def f(p, x):
        acc = {"s": 0.0}
        for k in ("w", "b"):
            acc["s"] += m.sum(m.sin(p[k]))
        new = {k: v - 0.1 * acc["s"] * v for k, v in p.items()}
        return m.sum(m.tanh(x @ new["b"] + new["w"]) ** 2)

    return f


def calls(m):
    def g(*xs, scale=2.0):
        return sum(m.sum(v ** 3) for v in xs) * scale

    def r(xs):
        return 0.0 if len(xs) == 0 else m.sum(m.sin(xs[0])) + 2.0 * r(xs[1:])

    def f(a, b):
        return g(a, b, a * b) + g(a, scale=0.5) + functools.partial(g, a)(b) + r([a, b, a])

    return f


def inputs(case, seed):
    rng = np.random.default_rng(seed)
    if case in ("method_of_self", "bound_method"):
        w = rng.normal(size=(3, 2))
        return (w, rng.normal(size=(4, 3))) if case == "method_of_self" else (w,)
    if case == "layers_and_scan":
        return [rng.normal(size=(3, 3)) * 0.5 for _ in range(3)], [rng.normal(size=3) for _ in range(3)]
    if case == "dict_step":
        return {"b": rng.normal(size=(3, 2)), "w": rng.normal(size=2)}, rng.normal(size=(4, 3))
    return rng.normal(size=3), rng.normal(size=3)


CASES = {f.__name__: f for f in (method_of_self, bound_method, layers_and_scan, dict_step, calls)}


def close(ours, theirs):
    assert tree_util.tree_structure(ours) == tree_util.tree_structure(theirs)
    for a, b in zip(tree_util.tree_leaves(ours), tree_util.tree_leaves(theirs)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_program_matches_jax(case):
    f, fj = CASES[case](anp), CASES[case](jnp)
    for seed in (0, 1):
        args = inputs(case, seed)
        close(SCT.grad(f)(*args), jax.grad(fj)(*args))
    t = tree_util.tree_map(lambda a: np.cos(a) + 0.25, args)
    close(SCT.jvp(f, args, t), jax.jvp(fj, args, t))
    if case in ("method_of_self", "calls"):
        v = t[0]
        close(SCT.hvp(lambda a: f(a, *args[1:]), (args[0],), (v,)),
              jax.jvp(jax.grad(lambda a: fj(a, *args[1:])), (args[0],), (v,))[1])


def test_a_method_of_a_differentiated_array_stays_refused_with_the_line():
    def f(x):
        return anp.sum(x.partition(1))

    with pytest.raises(ad.SCTError, match=r"\.partition\(\)") as info:
        SCT.grad(f)(np.ones(3))
    assert "test_sct14_probe_programs.py" in str(info.value)


def test_appended_list_read_by_a_generator_run_at_once():
    def eager(m):
        def f(x):
            hs = [x]
            hs.append(2.0 * m.sin(x))
            t = sum(m.sum(v ** 2) for v in hs) + max([m.sum(v) for v in hs])
            hs.append(x * x)
            return t + m.sum(hs[2])
        return f

    x = np.array([0.3, -0.8])
    close(SCT.grad(eager(anp))(x), jax.grad(eager(jnp))(x))


@pytest.mark.parametrize("form", ["lazy", "kept"])
def test_appended_list_kept_or_read_later_stays_refused(form):
    def lazy(x):
        hs = [x]
        g = (anp.sum(v) for v in hs)  # Python runs it at sum(g), after the append: it sees both
        hs.append(2.0 * x)
        return sum(g)

    def kept(x):
        hs = [x]
        hs.append(2.0 * x)
        rows = [hs for _ in range(2)]
        return anp.sum(rows[0][1])

    with pytest.raises(ad.SCTError, match="second reference to the list 'hs'"):
        SCT.grad(lazy if form == "lazy" else kept)(np.ones(2))


def starred(m):
    def f(x, xs):
        a, *b = x
        *init, last = xs
        (p, q), *rest = [(x[0], x[1]), (x[1], x[2])]
        t = 0.0
        for v in xs:
            head, *tail = v
            t = t + head * m.sum(m.stack(tail))
        return a * m.sum(m.stack(b)) + m.sum(last * init[0]) * p * q + rest[0][1] + t + len(rest)
    return f


def test_starred_assignment_matches_jax():
    # was refused ("assignment to Starred"); now indexing of the sequence held once, the starred name a list
    x, xs = np.array([0.3, -0.7, 1.1]), (np.array([1.0, 2.0, 0.5]), np.array([0.1, -0.4, 0.3]))
    close(SCT.grad(starred(anp))(x, xs), jax.grad(starred(jnp))(x, xs))
    v = np.array([0.5, 1.0, -2.0])
    close(SCT.hvp(lambda a: starred(anp)(a, xs), (x,), (v,)),
          jax.jvp(jax.grad(lambda a: starred(jnp)(a, xs)), (x,), (v,))[1])

    def short(x):
        a, *b, c = [x]
        return a * c * len(b)

    with pytest.raises(ValueError, match="not enough values to unpack"):
        SCT.grad(short)(1.0)
