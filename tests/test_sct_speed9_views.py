"""A slice of a kept value whose shape an adjoint reads is kept itself, not its shape (issue 14 item 5).

SCT's reverse sweep reads a view ``v = x[a:b]`` of a value ``x`` it keeps anyway as ``x[a:b]``
again, so that ``v`` need not be kept (``emit/adjoints.py``, ``read_views_through``). Where an
adjoint also reads ``v``'s shape (``unbroadcast(g, v)``), the forward sweep used to keep
``shape_of(v)`` and the reverse sweep to take the slice again: lstm's gates (``forget =
sigmoids[:b]``, ...) paid both, per layer and step. Such a ``v`` (a view: no data of its own) is
now kept itself and read. Checked: lstm's generated sweeps keep the gates and read them; gradients
of programs with slices of kept values (read for their values and shapes, in loops, over
parameters of several shapes) against JAX (float64, several seeds), on the general sweeps and on
the specialized ones (and on calls whose arguments fail the specialization's guard).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.workloads.lstm import lstm_inputs, lstm_segment

SCT = ad.engine("sct")


def test_lstm_keeps_its_gates_and_reads_them():
    text = SCT.source(lstm_segment, "reverse", argnums=(0, 1, 3))
    assert "shape_of(forget)" not in text and "shape_of(outgate)" not in text
    assert "sigmoids[2 * b:] *" not in text and "* sigmoids[:b]" not in text  # read again before
    assert "unbroadcast(outgate * hidden_bar, _t11)" in text


def gates(w, x, steps):
    b = len(x)
    h = x
    total = 0.0
    for _ in range(steps):
        z = anp.tanh(w * anp.concatenate([h, h * h, h]))
        first = z[:b]  # read for value and shape: kept itself
        second = z[b:2 * b]
        third = z[2 * b:]
        h = first * h + second * anp.sin(third)
        total = total + anp.sum(h * third)
    return total


def broadcasting(w, x):
    s = anp.exp(w)  # (3, 4)
    top = s[:1]  # (1, 4): broadcast against x's rows
    rest = s[1:]
    return anp.sum(top * x) + anp.sum(anp.cos(rest) * x[:2])


def value_only(x):
    s = anp.exp(x)
    a = s[:3]
    return anp.sum(anp.sin(a)) + anp.sum(s)  # a's value is read, never its shape


def _check(fn, args, argnums):
    got = SCT.grad(fn, argnums=argnums)(*args)
    want = jax.grad(fn, argnums=argnums)(*[jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args])
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_gradients_through_kept_views_match_jax(seed):
    rng = np.random.default_rng(seed)
    _check(gates, (rng.normal(size=15), rng.normal(size=5), 4), (0, 1))
    _check(broadcasting, (rng.normal(size=(3, 4)), rng.normal(size=(3, 4))), (0, 1))
    _check(value_only, (rng.normal(size=6),), (0,))


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("total", [0.5, np.array([0.5])])  # a (1,) array fails the guard ``number``
@pytest.mark.parametrize("listed", [False, True])  # a list of rows fails the shapes' guard ``agree``
def test_lstm_segment_matches_jax_on_specialized_and_general_sweeps(seed, total, listed):
    main, extra, state, seq = lstm_inputs((2, 3, 5), np.random.default_rng(seed))
    rows = list(seq) if listed else seq

    def loss(main, extra, total):
        state_out, total = lstm_segment(main, extra, state, total, rows, 0, len(rows) - 1)
        return anp.sum(total) + anp.sum(state_out * state_out)

    got = SCT.grad(loss, argnums=(0, 1, 2))(main, extra, total)
    want = jax.grad(loss, argnums=(0, 1, 2))(jnp.asarray(main), jnp.asarray(extra), jnp.asarray(total))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-10, atol=1e-12)
