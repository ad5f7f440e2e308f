"""Shape classes (analysis/shapes.py) and the specializations guarded by them (emit/specialize.py).

Where two operands of an elementwise primitive in a loop provably hold one shape (both derived
elementwise from parameters whose shapes a guard checks once per call), the specialized reverse
sweep sums no cotangent down between them. Each case is checked against JAX (float64, several
seeds), both where the guard holds (and the specialization is taken: checked) and where it must
not (shapes that broadcast, rows that differ, a subclass, a 2-D array), so a fact that failed
would show as a wrong gradient.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct import transform
from adcompare.engines.sct.emit.specialize import Specialized, agree
from adcompare.workloads.llsq import llsq

SCT = ad.engine("sct")
SEEDS = (0, 1, 2)


class Sub(np.ndarray):
    """An ndarray subclass: ``agree`` refuses it."""


def _jax(f, args, argnums):
    return jax.grad(f, argnums=argnums)(*[jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args])


def _check(f, args, argnums=(0,)):
    got = SCT.grad(f, argnums=argnums)(*args)
    for a, b in zip(got, _jax(f, args, argnums)):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def _which(f, args, argnums=(0,)):
    """The specialization the forward sweep took (its index), or None for the general sweeps."""
    entry = transform.transform(f, "reverse", argnums, len(args))
    res = entry.functions["fwd"](*args)[1]
    return res[0] if type(res) is Specialized else None


def blend(x, a, b):
    """``acc`` meets ``a`` and ``b`` elementwise: one class where a and b agree."""
    acc = anp.zeros_like(a)
    for i in range(len(x)):
        acc = acc * a + x[i] * b
    return anp.sum(acc * acc)


def rows_loop(w, rows):
    """``rows[t]`` (class: rows' rows) meets ``w``."""
    total = 0.0
    acc = w * 0.5
    for t in range(len(rows)):
        acc = anp.tanh(acc * rows[t] + w)
        total = total + anp.sum(acc)
    return total


def test_agree():
    v = np.ones(3)
    assert agree(v, 0) and agree(v, 0, np.zeros(3), 0) and agree(np.ones((2, 3)), 1, v, 0)
    assert not agree(v, 0, np.ones(1), 0)  # broadcasts, but not one shape
    assert not agree(np.ones((2, 3)), 0, v, 0)
    assert not agree(v.view(Sub), 0) and not agree([1.0, 2.0], 0) and not agree(np.array(["a"]), 0)
    assert not agree(v, 2)  # fewer axes than the depth


@pytest.mark.parametrize("seed", SEEDS)
def test_llsq_takes_the_shape_specialization(seed):
    rng = np.random.default_rng(seed)
    x, t, s = rng.normal(size=5), rng.uniform(-1, 1, 7), rng.normal(size=7)
    assert _which(llsq, (x, t, s)) == 0
    _check(llsq, (x, t, s))
    source = SCT.source(llsq, "reverse")
    general, special = source.split("def llsq_bwd_2")[0].split("def llsq_bwd")[1], source.split("def llsq_bwd_2")[1]
    special = special.split("def ")[0]
    assert special.count("unbroadcast(") < general.count("unbroadcast(")  # the mechanism acts


@pytest.mark.parametrize("seed", SEEDS)
def test_llsq_shapes_that_broadcast(seed):
    """s and t broadcast against each other without one shape: the guard refuses, JAX's answer."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=5)
    cases = [(rng.uniform(-1, 1, 7), rng.normal(size=1)), (rng.uniform(-1, 1, 1), rng.normal(size=7)),
             (rng.uniform(-1, 1, 7), rng.normal(size=(3, 1))), (rng.uniform(-1, 1, 7), rng.normal(size=7).view(Sub))]
    for t, s in cases:
        assert _which(llsq, (x, t, s)) != 0
        _check(llsq, (x, t, s))
    t2, s2 = rng.uniform(-1, 1, (3, 4)), rng.normal(size=(3, 4))  # 2-D of one shape: the guard holds
    assert _which(llsq, (x, t2, s2)) == 0
    _check(llsq, (x, t2, s2))


@pytest.mark.parametrize("seed", SEEDS)
def test_blend_agreeing_and_not(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=4)
    a, b = rng.uniform(0.2, 0.9, 6), rng.normal(size=6)
    taken = _which(blend, (x, a, b), (0, 1, 2))  # x a vector, a and b of one shape
    assert taken is not None
    _check(blend, (x, a, b), (0, 1, 2))
    for a_, b_ in ((a, b[:1]), (a[:1], b), (a.reshape(6, 1), b), (a, b.reshape(2, 3)[:1])):
        try:
            expect = _jax(blend, (x, a_, b_), (0, 1, 2))
        except (TypeError, ValueError):  # shapes that do not broadcast: an error here too
            with pytest.raises(ValueError):
                SCT.grad(blend, argnums=(0, 1, 2))(x, a_, b_)
            continue
        assert _which(blend, (x, a_, b_), (0, 1, 2)) != taken
        for got, want in zip(SCT.grad(blend, argnums=(0, 1, 2))(x, a_, b_), expect):
            assert np.shape(got) == np.shape(want)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_rows_against_a_vector(seed):
    rng = np.random.default_rng(seed)
    w, rows = rng.normal(size=5), rng.normal(size=(4, 5))
    taken = _which(rows_loop, (w, rows), (0, 1))  # rows.shape[1:] == w.shape
    assert taken is not None
    _check(rows_loop, (w, rows), (0, 1))
    for w_, rows_ in ((w[:1], rows), (w, rows[:, :1]), (rng.normal(size=(4, 5)), rows), (w, rows[:, 0])):
        assert _which(rows_loop, (w_, rows_), (0, 1)) != taken
        _check(rows_loop, (w_, rows_), (0, 1))


def rhs(x, rates, y):
    """Its bwd writes rates' cotangent once, plainly, and x's and y's by index: it takes ``into``."""
    return anp.concatenate([x[:1], rates * y[:-1]])


def steps(x, rates, y):
    for _ in range(3):
        k = rhs(x, rates, y)
        y = y + 0.1 * (k + rhs(x, rates, y + 0.05 * k))
    return anp.sum(y * y)


def test_into_callee_with_a_plain_write():
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        x, rates, y = rng.normal(size=6), rng.normal(size=5), rng.normal(size=6)
        _check(steps, (x, rates, y), (0, 1, 2))
        _check(steps, (x, rates[:1], y), (0, 1, 2))  # rates broadcasts: its cotangent is summed down
    text = SCT.source(steps, "reverse", argnums=(0, 1, 2))
    assert "def rhs_bwd(residuals, out_bar, into=None):" in SCT.source(rhs, "reverse", argnums=(0, 1, 2))
    assert "rates_bar = add_bar_into(rates_bar, " in SCT.source(rhs, "reverse", argnums=(0, 1, 2))
    assert "rhs_bwd(rhs_res" in text and "[x_bar, rates_bar" in text  # the caller hands its sums over


def _classes(f, scalars=(), same=()):
    from adcompare.engines.sct.analysis.shapes import shape_classes
    from adcompare.engines.sct.asttools import names
    from adcompare.engines.sct.front import closures
    from adcompare.engines.sct.front.normalize import normalize
    from adcompare.engines.sct.front.parse import parse
    from adcompare.engines.sct.naming import Namer

    parsed = parse(f, closures.convert)
    fn = normalize(parsed, Namer(set(parsed.locals) | names(parsed.tree)), 0)
    return shape_classes(fn, set(scalars), frozenset({"i"}), frozenset(), same)


def mixed(a, b, rows):
    c = a * 2.0 + a
    d = c
    for i in range(3):
        d = d * b  # meets a's class and b's: no class, a conflict
        e = rows[i] * a  # rows' rows meet a
    return anp.sum(d) + anp.sum(e)


def test_shape_classes_directly():
    classes, conflicts = _classes(mixed)
    assert classes["c"] == ("a", 0) and "d" not in classes and "e" not in classes
    assert frozenset({("a", 0), ("b", 0)}) in conflicts and frozenset({("a", 0), ("rows", 1)}) in conflicts
    same = (frozenset({("a", 0), ("b", 0)}), frozenset({("a", 0), ("rows", 1)}))
    classes, _ = _classes(mixed, same=same)  # assumed to agree: one class for all of them
    assert classes["d"] == classes["c"] == classes["e"] == classes["a"] == classes["b"]
    classes, _ = _classes(mixed, scalars={"b"})  # b a number: d keeps a's class
    assert classes["d"] == ("a", 0)
