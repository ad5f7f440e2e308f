"""Review of the iterator check (front/iterators.py): an iterator SCT makes a list of (a generator expression,
``map``, ``zip``) that the check did not see held (``pair = (g, 1)``, ``a, b = map(...), ys``, ``g = h = map(...)``,
a list or dict of generators) was looped over twice with no error: SCT gave 11.78 where Python, its iterator used
up by the first loop, gives 1.07. Each is now refused at the user's line. Two false refusals of the check run
again, against JAX: ``z = zip(zip(xs, ys), zs)`` (SCT's own ``_sct_seq`` variable, of the loop it writes over the
lifted generator, was refused as read twice, by that internal name), and a name made an iterator again at the
function's top level between its two uses (each read once). A generator is lazy: a variable its element reads
(``k``, ``w[i]``, a lambda's) assigned or changed after it is made and before it is used gave SCT's value of the
old variable (1.50 where Python gives 3.00), no error; now refused at that assignment's line."""

from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)


def zip_of_zips(x):
    z = zip(zip([x[0], x[1]], [x[1], x[2]]), [x[2], anp.sin(x[0])])
    out = 0.0
    for (a, b), c in z:
        out = out + a * b * c
    return out


def made_again(x):
    g = map(anp.sin, [x[0], x[1]])
    s = sum(g)
    g = map(anp.cos, [x[1], x[2]])
    return s * sum(g)


def held_in_tuple(x):
    g = map(anp.sin, [x[0], x[1]])
    pair = (g, 1)
    out = 0.0
    for v in pair[0]:
        out = out + v
    for v in pair[0]:  # Python: no step
        out = out + 10.0 * v
    return out


def made_beside(x):
    a, b = map(anp.sin, [x[0], x[1]]), [x[2]]
    return sum(a) + 10.0 * sum(a) + b[0]


def two_targets(x):
    g = h = (v * 2.0 for v in [x[0], x[1]])
    return sum(g) + 10.0 * sum(h)


def list_of_generators(x):
    gs = [(v * 2.0 for v in [x[0], x[1]])]
    return sum(gs[0]) + 10.0 * sum(gs[0])


def made_again_in_a_branch(x):
    g = map(anp.sin, [x[0], x[1]])
    s = sum(g)
    if x.shape[0] > 5:
        g = map(anp.cos, [x[1], x[2]])
    return s + sum(g)  # Python: g used up where the branch did not run


def late_variable(x):
    k = 1.0
    g = (x[i] * k for i in range(3))
    k = 2.0  # Python's generator reads k = 2.0 when sum runs it
    return sum(g)


def late_loop_target(x):
    k = 0.0
    g = (x[i] * k for i in range(3))
    for k in [1.0, 2.0]:  # noqa: B007 (Python's generator reads the last k)
        pass
    return sum(g)


def late_item(x):
    w = x * 1.0
    g = (w[i] * 2.0 for i in range(3))
    w[0] = 5.0
    return sum(g)


def late_lambda(x):
    k = 1.0
    m = map(lambda v: v * k, [x[0], x[1]])
    k = 3.0
    return sum(m)


def array_changed(x):
    w = x * 1.0
    z = zip(w, [1.0, 2.0, 3.0])
    w[2] = 5.0  # Python's zip runs over w itself
    out = 0.0
    for a, b in z:
        out = out + a * b
    return out


def array_rebound(x):
    w = x * 1.0
    g = (v * 2.0 for v in w)
    w = x * 3.0  # the generator keeps the array it was made over
    return sum(g) + anp.sum(w)


def assigned_after_its_use(x):
    k = 1.0
    g = (x[i] * k for i in range(3))
    s = sum(g)
    k = 2.0
    return s * k


@pytest.mark.parametrize("f", [zip_of_zips, made_again, assigned_after_its_use, array_rebound])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_runs_and_agrees_with_jax(f, seed):
    x = np.random.default_rng(seed).normal(size=3)
    eng = ad.engine("sct")
    value, grad = eng.value_and_grad(f)(x)
    np.testing.assert_allclose(value, f(x), rtol=1e-13)
    np.testing.assert_allclose(grad, jax.grad(f)(x), rtol=1e-10, atol=1e-12)
    t = np.random.default_rng(seed + 10).normal(size=3)
    np.testing.assert_allclose(eng.jvp(f, (x,), (t,))[1], jax.jvp(f, (x,), (t,))[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("f", "mark"), [
    (held_in_tuple, "pair = (g, 1)"),
    (made_beside, "a, b = map"),
    (two_targets, "g = h ="),
    (list_of_generators, "gs = ["),
    (made_again_in_a_branch, "return s + sum(g)"),
    (late_variable, "k = 2.0"),
    (late_loop_target, "for k in"),
    (late_item, "w[0] = 5.0"),
    (late_lambda, "k = 3.0"),
    (array_changed, "w[2] = 5.0"),
])
def test_an_iterator_held_where_the_check_cannot_count_its_reads_is_refused_at_its_line(f, mark):
    x = np.array([0.3, -0.7, 1.1])
    with pytest.raises(SCTError) as info:
        ad.engine("sct").grad(f)(x)
    err = info.value
    lines, first = inspect.getsourcelines(f)
    assert err.filename == __file__ and err.line == first + next(k for k, t in enumerate(lines) if mark in t), err
    assert "_sct_" not in str(err)


def nested_writer(x):
    a = x * 1.0
    xs = [a]

    def add(v):
        xs[0] += v
        return 0.0

    t = add(x)
    return anp.sum(a * x) + t


def test_a_nested_function_writing_the_enclosing_list_is_refused_without_sct_names():
    """The closure's environment held the array: the refusal named it by SCT's variable, _sct_env."""
    with pytest.raises(SCTError) as info:
        ad.engine("sct").grad(nested_writer)(np.array([0.3, -0.7, 1.1]))
    err = info.value
    lines, first = inspect.getsourcelines(nested_writer)
    assert err.filename == __file__ and err.line == first + next(k for k, t in enumerate(lines) if "+= v" in t)
    assert "_sct_" not in str(err) and "nested in" in str(err), err
