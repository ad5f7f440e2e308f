"""SCT adds an index's cotangent into the accumulated one in place (issue 14, item 5).

``x_bar = add_bar(x_bar, getitem_bar(g, x, idx))`` is emitted as
``x_bar = getitem_bar_into(g, x, idx, x_bar)``; the runtime adds in place only into
an array nothing else refers to. Gradients are checked against JAX where the
accumulated cotangent is shared with another name, repeated indices, mixed
dtypes and a cotangent the caller holds; the source test shows the rewrite.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.emit import accumulate

sct = ad.engine("sct")
TOL = 1e-10


def loop_read(x):
    acc = 0.0
    for i in range(len(x)):
        acc = acc * 0.5 + x[i] * anp.cos(acc)
    return acc


def shared_cotangent(x):
    y = x  # y's cotangent flows into x's, which is then accumulated into by index
    acc = anp.sum(y * y)
    for i in range(3):
        acc = acc + y[i] * x[i + 1]
    z = y
    return acc + anp.sum(z * 3.0) + x[0]


def repeated(x, idx):
    acc = 0.0
    for k in range(2):
        acc = acc + anp.sum(x[idx] * (k + 1.0))
    return acc + x[1, 0]


def rows(m):
    acc = 0.0
    for i in range(m.shape[0]):
        acc = acc + anp.sum(anp.sin(m[i]) * m[i, :2].sum())
    return acc


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("f, shape", [(loop_read, (7,)), (shared_cotangent, (5,)), (rows, (4, 3))])
def test_grad_matches_jax(f, shape, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    np.testing.assert_allclose(sct.grad(f)(x), jax.grad(f)(jnp.asarray(x)), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("seed", [0, 1])
def test_repeated_indices(seed):
    x = np.random.default_rng(seed).normal(size=(4, 2))
    idx = np.array([0, 2, 2, 3, 0])
    want = jax.grad(repeated)(jnp.asarray(x), jnp.asarray(idx))
    np.testing.assert_allclose(sct.grad(repeated)(x, idx), want, rtol=TOL, atol=TOL)


def test_float32_input():
    x = np.random.default_rng(3).normal(size=6).astype(np.float32)
    got = sct.grad(loop_read)(x)
    want = jax.grad(loop_read)(jnp.asarray(x.astype(np.float64)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_vjp_leaves_the_callers_cotangent_alone():
    def f(x):
        y = x[0] * x
        return y[1:] * 2.0 + y[:-1]

    x = np.random.default_rng(4).normal(size=5)
    y_bar = np.random.default_rng(5).normal(size=4)
    kept = y_bar.copy()
    _, pull = sct.vjp(f, x)
    got = pull(y_bar)[0]
    _, jpull = jax.vjp(f, jnp.asarray(x))
    np.testing.assert_allclose(got, jpull(jnp.asarray(y_bar))[0], rtol=TOL, atol=TOL)
    np.testing.assert_array_equal(y_bar, kept)
    np.testing.assert_allclose(pull(y_bar)[0], got, rtol=0, atol=0)  # a second pull-back: the same


def test_in_place_only_into_an_owned_array():
    x = np.zeros(3)
    held = np.ones(3)
    other = held  # a second reference: added out of place
    out = accumulate.getitem_bar_into(2.0, x, 1, held)
    assert out is not held and other[1] == 1.0 and out[1] == 3.0
    owned = np.ones(3)
    out = accumulate.getitem_bar_into(2.0, x, 1, owned)
    assert out is owned and out[1] == 3.0
    view = np.ones((2, 3))[0]  # shares its data: added out of place
    assert accumulate.getitem_bar_into(2.0, x, 1, view) is not view


def list_params(params, x):
    total = 0.0
    for k in range(3):
        for j in range(len(params) // 2):
            x = anp.tanh(x * params[2 * j] + params[2 * j + 1])
        total = total + anp.sum(x) * (k + 1.0)
    return total + anp.sum(params[0] * params[-1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_list_of_parameters_read_by_index_matches_jax(seed):
    r = np.random.default_rng(seed)
    params = [r.normal(size=3) for _ in range(4)]
    x = r.normal(size=3)
    got = sct.grad(list_params)(params, x)
    want = jax.grad(list_params)([jnp.asarray(p) for p in params], jnp.asarray(x))
    assert isinstance(got, list) and len(got) == 4
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)


def test_a_list_cotangent_in_place_only_when_owned():
    x = [np.zeros(2), np.zeros(2)]
    g = np.ones(2)
    first = np.full(2, 5.0)
    held = [first, 0.0]
    other = held  # a second reference: added out of place, the list and its elements untouched
    out = accumulate.getitem_bar_into(g, x, 0, held)
    assert out is not held and other[0] is first and first[0] == 5.0 and out[0][0] == 6.0
    owned = [first, 0.0]
    out = accumulate.getitem_bar_into(g, x, 1, owned)
    assert out is owned and out[0] is first and out[1][0] == 1.0 and first[0] == 5.0
    out = accumulate.getitem_bar_into(g, x, 0, owned)
    assert out[0][0] == 6.0 and first[0] == 5.0  # the element is replaced by a new sum, not changed


def test_source_passes_the_accumulated_cotangent():
    src = sct.source(loop_read, "reverse")
    assert "x_bar = getitem_bar_into(_t2_bar, x, i, x_bar)" in src
    assert "add_bar(x_bar, getitem_bar" not in src
