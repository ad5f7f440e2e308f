"""Review of SCT's rank proofs through calls (stop 18): a read callee's own callees may change.

SCT's specialization proves a call's result rank-0 from the callee's body
(:mod:`adcompare.engines.sct.analysis.call_ranks`), reading the bodies of the functions the
callee calls in turn, even where the call is not differentiated (its argument is not active), so
the callee is run as written and never transformed. What such a proof read must hold as long as
the cached derivative is used: a global or a closure cell that a read callee looks up (here, the
function it calls) rebound between two calls makes the derivative be transformed again, as a
rebound name of the differentiated function itself does. Before, the cached sweeps kept
assuming a rank-0 result where the callee now returned a row (NumPy errors inside the
derivative, or a cotangent not summed down). JAX float64 is the oracle, before and after.
"""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import numpy as np

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
sct = ad.engine("sct")


def corner(x):
    return x[0, 0]


def first_row(x):
    return x[0]


def through(x):
    return corner(x)  # the global ``corner`` as it is when this runs


def make_through_cell():
    leaf = corner

    def through_cell(x):
        return leaf(x)  # a closure cell

    def set_leaf(f):
        nonlocal leaf
        leaf = f
    return through_cell, set_leaf


through_cell, set_leaf = make_through_cell()


def summed(a, b):
    """``b`` is only read: ``through(b)`` runs as written, its rank proven from the bodies."""
    total = 0.0
    for i in range(len(b)):
        s = anp.sum(a)
        total = total + anp.sum(through(b) * s) + b[i, 0] * a[0, i]
    return total


def indexed(a, b):
    total = 0.0
    for i in range(len(b)):
        total = total + anp.sum(through_cell(b) * a[i, 0]) + b[i, 1] * a[0, i]
    return total


def _oracle(f, leaf):
    """JAX's gradient of ``f``'s sum in closed form (``leaf`` is what ``through(b)`` calls)."""
    if f is summed:
        return jax.grad(lambda a, b: len(b) * jnp.sum(leaf(b)) * jnp.sum(a) + jnp.dot(b[:, 0], a[0]))
    return jax.grad(lambda a, b: jnp.sum(leaf(b)) * jnp.sum(a[:, 0]) + jnp.dot(b[:, 1], a[0]))


def _check(f, leaf):
    for seed in range(3):
        rng = np.random.default_rng(seed)
        a, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
        np.testing.assert_allclose(sct.grad(f)(a, b), _oracle(f, leaf)(jnp.asarray(a), jnp.asarray(b)),
                                   rtol=1e-10, atol=1e-12)


def test_rebound_global_of_a_read_callee(monkeypatch):
    _check(summed, corner)  # cached: through(b) proven rank-0
    monkeypatch.setattr(sys.modules[__name__], "corner", first_row)
    _check(summed, first_row)  # a row now: transformed again, its cotangent summed down


def test_rebound_cell_of_a_read_callee():
    _check(indexed, corner)
    set_leaf(first_row)
    try:
        _check(indexed, first_row)
    finally:
        set_leaf(corner)
