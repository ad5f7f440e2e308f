"""Vocabulary (h13): edits of arrays as jnp makes them (functional): ``copy``, ``insert``, ``delete``, ``resize``,
``fill_diagonal``, ``put`` and ``put_along_axis`` (``inplace=False``), ``unwrap``, ``block``, ``choose``,
``piecewise``, ``partition``, ``apply_along_axis``, ``apply_over_axes``, ``rollaxis``, ``dsplit``; ``compress``,
``extract`` and ``trim_zeros`` (sizes found on values: against JAX without jit); and the index, set and array
constants, against jax.numpy in float64 on the overloading engine and SCT.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from vocab_more_check import ENGINES, check_on_tracers, close, program_tests

import adcompare.numpy as anp


def edits(np_):
    def f(x, y):
        a = np_.insert(x, 2, y[:2] * 3.0)
        b = np_.insert(np_.reshape(x, (3, 4)), np_.array([1, 3]), y[0] ** 2, axis=1)
        c = np_.delete(np_.reshape(x * y, (3, 4)), 1, axis=0)
        d = np_.delete(x, slice(1, 9, 3))
        e = np_.resize(y, (5, 3))
        g = np_.copy(x)
        m = np_.reshape(x, (3, 4))
        h = np_.fill_diagonal(m, y[:2] * 2.0, inplace=False)
        w = np_.fill_diagonal(np_.reshape(np_.concatenate([x, y]), (6, 4)), y[0], inplace=False)
        p = np_.put_along_axis(m, np_.argsort(m, axis=1)[:, :2], np_.reshape(y[:6], (3, 2)), axis=1, inplace=False)
        u = np_.put(m, np_.array([5, 0, 11]), y[:2] * 2.0, inplace=False)
        k = np_.put(x, np_.array([-3, 14]), y[3], mode="wrap", inplace=False)
        z = np_.unwrap(np_.reshape(x * 4.0, (3, 4)), axis=0) + np_.unwrap(y * 5.0, discont=4.0, period=5.0)[:4]
        return (np_.sum(a * a[::-1]) + np_.sum(b ** 2) + np_.sum(c * 0.5) + np_.sum(d ** 3) + np_.sum(e[:, 0] * e[:, 1])
                + np_.sum(g * y) + np_.sum(h * m) + np_.sum(w ** 2) + np_.sum(p * m) + np_.sum(u * m) + np_.sum(k * x)
                + np_.sum(z ** 2))
    return f


def assemblies(np_):
    def f(x, y):
        m, n = np_.reshape(x, (3, 4)), np_.reshape(y, (3, 4))
        b = np_.block([[m, n[:, :1]], [n[:1, :], x[:1]]])
        ch = np_.choose(np_.array([[0, 1, 2, 0]]), [m, n, x[0]], mode="clip")
        pw = np_.piecewise(x, [x < 0.5, x > -0.5, x > 1.5], [lambda v: v ** 2, np_.sin, lambda v: v * y[1], 0.25])
        pw = pw + np_.piecewise(y, [y > 0.0], [lambda v: v * x[0], lambda v: v ** 3])
        p, q = np_.partition(m, 1, axis=1), np_.partition(x * y, -3)
        a = np_.apply_along_axis(lambda r: np_.sum(r ** 2) * r[0], 1, m)
        v = np_.apply_along_axis(lambda r: r * y[0], 0, m)
        o = np_.apply_over_axes(np_.sum, np_.reshape(x * y, (2, 3, 2)), [0, 2])
        r = np_.rollaxis(np_.reshape(x, (2, 3, 2)), 2)
        s = np_.dsplit(np_.reshape(y, (2, 3, 2)), 2)
        return (np_.sum(b * b) + np_.sum(ch * m) + np_.sum(pw * y) + np_.sum(p * np_.arange(12.0).reshape(3, 4))
                + np_.sum(q * np_.arange(12.0)) + np_.sum(a) + np_.sum(v * m) + np_.sum(o) + np_.sum(r[0] * r[1])
                + np_.sum(s[0] * s[1]))
    return f


test_programs_against_jax = program_tests([edits, assemblies], [(12,), (12,)])


def sized(np_):
    def f(x, y):
        c = np_.compress(np_.array([True, False, True]), np_.reshape(x, (3, 4)), axis=0)
        e = np_.extract(np_.reshape(x, (3, 4)) > 0, np_.reshape(y, (3, 4)))
        z = np_.trim_zeros(np_.concatenate([np_.zeros(2), x * y, np_.zeros(3)]))
        b = np_.trim_zeros(np_.concatenate([np_.zeros(1), y]), trim="b")
        return np_.sum(c ** 2) + np_.sum(e ** 2) + np_.sum(z * np_.arange(z.shape[0])) + np_.sum(b ** 3)
    return f


@pytest.mark.parametrize("engine", ENGINES)
def test_sizes_found_on_values_against_jax_without_jit(engine):
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=12), rng.normal(size=12)
    eng = ENGINES[engine]
    close(eng.value_and_grad(sized(anp), (0, 1))(x, y), jax.value_and_grad(sized(jnp), (0, 1))(x, y))


def test_constants_as_jnp():
    x = np.array([3.0, 1.0, 2.0, 3.0, 5.0])
    y = np.array([2.0, 3.0, 7.0])
    m = np.arange(12.0).reshape(3, 4)
    for name in ("isin", "intersect1d", "union1d", "setdiff1d", "setxor1d"):
        assert np.array_equal(getattr(anp, name)(x, y), getattr(jnp, name)(x, y)), name
    assert not anp.array_equal(x, y) and not jnp.array_equal(x, y)
    for a, b in [(x, x), (x, x + 1.0), (m, m[:1]), (m[:1], np.tile(m[:1], (2, 1)))]:
        assert anp.array_equal(a, b) == jnp.array_equal(a, b) and anp.array_equiv(a, b) == jnp.array_equiv(a, b)
    assert np.array_equal(anp.isin(x, y, invert=True), jnp.isin(x, y, invert=True))
    keys = (np.array([1, 0, 1, 0]), np.array([2.0, 2.0, 1.0, 1.0]))
    assert np.array_equal(anp.lexsort(keys), jnp.lexsort(keys))
    pairs = [(anp.unravel_index(np.array([5, 7]), (3, 4)), jnp.unravel_index(jnp.array([5, 7]), (3, 4))),
             (anp.ravel_multi_index((np.array([1, 2]), np.array([0, 3])), (3, 4)),
              jnp.ravel_multi_index((jnp.array([1, 2]), jnp.array([0, 3])), (3, 4))),
             (anp.indices((2, 3)), jnp.indices((2, 3))),
             (anp.ix_([0, 2], [1]), jnp.ix_(jnp.array([0, 2]), jnp.array([1]))),
             (anp.tril_indices_from(m, 1), jnp.tril_indices_from(m, 1)),
             (anp.triu_indices_from(m), jnp.triu_indices_from(m)),
             (anp.diag_indices_from(m[:, :3]), jnp.diag_indices_from(m[:, :3])),
             (anp.argpartition(x, 2), jnp.argpartition(x, 2)), (anp.iscomplex(x), jnp.iscomplex(x)),
             (anp.isreal(x), jnp.isreal(x))]
    for ours, theirs in pairs:
        for a, b in zip(jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)):
            assert np.array_equal(a, b)
    assert anp.isscalar(2.0) and not anp.isscalar(x) and anp.iscomplexobj(1j) and anp.isrealobj(x)


def test_constants_and_numpy_only_forms_on_active_values():
    """Constants of an active value are its primal's (no derivative, as JAX's); ``wrap=True`` is NumPy's."""
    def f(x):
        keep = anp.isin(x, anp.union1d(x[:2], x[3:]))
        return anp.sum(anp.where(keep, x, 0.0) ** 2) + anp.sum(anp.intersect1d(x, x[1:]) * 0.0)

    x = np.array([0.5, -1.0, 2.0, 0.25, 3.0])
    expected = jax.grad(lambda x: jnp.sum(jnp.where(jnp.isin(x, jnp.union1d(x[:2], x[3:])), x, 0.0) ** 2))(x)
    t = np.arange(24.0).reshape(6, 4)
    want = t.copy()
    np.fill_diagonal(want, [-1.0, -2.0], wrap=True)
    for eng in ENGINES.values():
        close(eng.grad(f)(x), expected)
        close(eng.jvp(lambda v: anp.fill_diagonal(t * v, [-v, -2.0 * v], wrap=True, inplace=False), (1.0,), (1.0,))[0],
              want, 1e-15)


def test_options_not_supported_refused_by_name():
    for call, match in [(lambda: anp.trim_zeros(np.ones((2, 2)), axis=0), "trim_zeros: axis="),
                        (lambda: anp.compress([True], np.ones(2), size=3), "compress: size="),
                        (lambda: anp.extract([True], np.ones(1), size=3), "size=3 must be"),  # (h14: jnp's bound)
                        (lambda: anp.choose(np.array([0, 2]), [np.ones(2), np.zeros(2)]), "choose: an index")]:
        with pytest.raises((NotImplementedError, ValueError), match=match):
            call()
    assert np.array_equal(anp.choose(np.array([0, 1]), [np.ones(2), np.zeros(2)]), [1.0, 0.0])


def test_inplace_refused_by_name_and_line():
    for call in (lambda: anp.fill_diagonal(np.ones((2, 2)), 0.0), lambda: anp.put(np.ones(3), [0], 1.0),
                 lambda: anp.put_along_axis(np.ones(3), np.array([0]), 1.0, axis=0)):
        with pytest.raises(ValueError, match=r"inplace=True \(at .*test_vocab13_editing.py:\d+.*\) is refused"):
            call()


def traced(np_):
    def f(x):
        m = np_.reshape(x, (3, 4))
        p = np_.put_along_axis(m, np_.argsort(m, axis=1)[:, :1], x[:3, None] * 2.0, axis=1, inplace=False)
        c = np_.choose(np_.argsort(x)[:4] % 3, [x[:4], x[4:8] ** 2, x[8:]], mode="clip")
        w = np_.piecewise(x, [x > 0.0], [np_.sin, np_.cos])
        return np_.sum(p ** 2) + np_.sum(c) + np_.sum(w) + np_.sum(np_.partition(x, 4) * np_.arange(12.0))
    return f


def test_indices_and_conditions_of_jax_tracers():
    """Under jax.jit the indices and conditions found on values are tracers: the vocabulary keeps them so."""
    check_on_tracers(traced, (jnp.asarray(np.random.default_rng(4).normal(size=12)),))
    x = np.array([-1.0, 0.5, 2.0])
    assert np.array_equal(anp.piecewise(x, x > 0.0, [np.square, np.abs]), np.piecewise(x, x > 0.0, [np.square, np.abs]))
