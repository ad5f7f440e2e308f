"""SCT's specialization sees det: a parameter read at k integers is k-D, a call's result rank-0 (issue 14 item 5).

A parameter indexed with a tuple of k integers (``a[0, j]``: literals and ``range`` targets) may be
assumed to hold a k-D NumPy array of numbers (the guard checks it), and a call of a user function
(itself too, recursively) whose every return is rank-0 given what its arguments hold gives a rank-0
value (:mod:`adcompare.engines.sct.analysis.call_ranks`). det's specialized sweeps then keep no
shapes and sum nothing down. Checked: the specialized path taken on NumPy matrices (the generated
source, the residuals' mark), and gradients against JAX float64 (of the same program in jnp and of
``jnp.linalg.det``) on sizes 1..5 and several seeds; the general path taken, and still right, where
a fact fails (a JAX array, a 3-D array, a parameter bound again, a recursion that returns a row on
one branch), float32, a slice in the index, a helper reading an element; lists and complex refused
as before.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import transform
from adcompare.engines.sct.emit.specialize import Specialized
from adcompare.workloads.det import det, minor

jax.config.update("jax_enable_x64", True)
sct = ad.engine("sct")


def _in_jnp(leaf):
    """det's expansion by minors in jnp (JAX's oracle), ``leaf(a)`` its value on one row."""
    def expand(a):
        n = len(a)
        if n == 1:
            return leaf(a)
        total = 0.0
        for j in range(n):
            m = a[1:, 1:] if j == 0 else a[1:, :j] if j == n - 1 else \
                jnp.concatenate([a[1:, :j], a[1:, j + 1:]], axis=1)
            total = total + a[0, j] * expand(m) * (-1) ** j
        return total
    return expand


det_jnp = _in_jnp(lambda a: a[0, 0])
det_row_jnp = _in_jnp(lambda a: a[0])


def _marked(f, *args) -> bool:
    """Did the forward sweep of ``f`` on ``args`` run a specialized sweep (its residuals so marked)?"""
    entry = transform.transform(f, "reverse", (0,), len(args))
    return type(entry.functions["fwd"](*args)[1]) is Specialized


def _specialized_source(f) -> list[str]:
    """The generated definitions of ``f``'s specialized sweeps (those after the general pair)."""
    parts = ["def " + p for p in sct.source(f, mode="reverse").split("\ndef ")[2:]]
    return [p.replace("def def ", "def ") for p in parts]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_det_gradient_matches_jax(n):
    grad = sct.grad(det)
    for seed in range(3):
        a = np.random.default_rng(10 * n + seed).normal(size=(n, n))
        got = grad(a)
        np.testing.assert_allclose(got, jax.grad(jnp.linalg.det)(jnp.asarray(a)), rtol=1e-10, atol=1e-12)
        if n <= 3:  # op by op, JAX's recursion is slow
            np.testing.assert_allclose(got, jax.grad(det_jnp)(jnp.asarray(a)), rtol=1e-10, atol=1e-12)
        assert _marked(det, a)


def test_det_specialized_sweeps_keep_no_shapes():
    assert "if matrix(a):" in sct.source(det, mode="reverse")  # the guard: a 2-D NumPy array of numbers
    specialized = _specialized_source(det)
    bwd = [d for d in specialized if "term_bar" in d]
    assert bwd and all("unbroadcast" not in d for d in bwd)
    assert all("shape_of(term)" not in d and "shape_of(total)" not in d for d in specialized)


def test_general_path_where_a_fact_fails():
    a = np.random.default_rng(3).normal(size=(4, 4))
    want = np.asarray(jax.grad(jnp.linalg.det)(jnp.asarray(a)))
    got = sct.grad(det)(jnp.asarray(a))  # a JAX array: not a NumPy array, the general sweeps
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10, atol=1e-12)
    assert not _marked(det, jnp.asarray(a))
    cube = np.random.default_rng(4).normal(size=(3, 3, 2))  # a[0, j] is a row: det returns a vector

    def summed(x):
        return anp.sum(det(x))
    assert not _marked(det, cube)
    np.testing.assert_allclose(sct.grad(summed)(cube), jax.grad(lambda x: jnp.sum(det_jnp(x)))(jnp.asarray(cube)),
                               rtol=1e-10, atol=1e-12)
    with pytest.raises(TypeError):
        sct.grad(det)(a.tolist())  # a list of lists: Python's own error, as det(a.tolist()) gives
    with pytest.raises(TypeError):
        sct.grad(det)(a + 1j * a)  # complex: refused as before


def test_float32_runs_specialized_and_right():
    a = np.random.default_rng(5).normal(size=(4, 4))
    got = sct.grad(det)(a.astype(np.float32))
    assert got.dtype == np.float32 and _marked(det, a.astype(np.float32))
    np.testing.assert_allclose(got, jax.grad(jnp.linalg.det)(jnp.asarray(a)), rtol=1e-4, atol=1e-4)


def det_row(a):
    """A recursion whose 1-row case returns the row (not rank-0): no call of it is rank-0."""
    n = len(a)
    if n == 1:
        return a[0]
    total = 0.0
    for j in range(n):
        term = a[0, j] * det_row(minor(a, j))
        total = total + term if j % 2 == 0 else total - term
    return total


def test_recursion_not_rank0_on_one_branch():
    def f(a):
        return anp.sum(det_row(a) * anp.arange(1.0, a.shape[1] - len(a) + 2.0))

    def f_jnp(a):
        return jnp.sum(det_row_jnp(a) * jnp.arange(1.0, a.shape[1] - len(a) + 2.0))
    for shape, seed in (((2, 4), 0), ((3, 3), 1)):
        a = np.random.default_rng(seed).normal(size=shape)
        np.testing.assert_allclose(sct.grad(f)(a), jax.grad(f_jnp)(jnp.asarray(a)), rtol=1e-10, atol=1e-12)
    bwd = [d for d in _specialized_source(det_row) if "term_bar" in d]
    assert bwd and all("unbroadcast" in d for d in bwd)  # specialized (a[0, j] rank-0), the call's result not


def det_rebound(a):
    """det with its parameter bound again: no fact of ``a`` is assumed."""
    a = a * 1.0
    n = len(a)
    if n == 1:
        return a[0, 0]
    total = 0.0
    for j in range(n):
        term = a[0, j] * det_rebound(minor(a, j))
        total = total + term if j % 2 == 0 else total - term
    return total


def test_parameter_bound_again():
    for n in (1, 3, 4):
        a = np.random.default_rng(n).normal(size=(n, n))
        np.testing.assert_allclose(sct.grad(det_rebound)(a), jax.grad(jnp.linalg.det)(jnp.asarray(a)),
                                   rtol=1e-10, atol=1e-12)
    assert "if matrix(a)" not in sct.source(det_rebound, mode="reverse")


def element(a, i, j):
    return a[i, j]


def same(x):
    return x


def rows(a):
    """Helpers (one returns its parameter), and a slice in the index."""
    total = 0.0
    for i in range(len(a)):
        total = total + element(a, i, 0) * anp.sum(a[i, 1:]) - a[i, 1] * same(a[0])[i]
    return total


def rows_jnp(a):
    total = 0.0
    for i in range(len(a)):
        total = total + a[i, 0] * jnp.sum(a[i, 1:]) - a[i, 1] * a[0, i]
    return total


def test_helper_and_slice():
    for seed in range(3):
        a = np.random.default_rng(seed).normal(size=(3, 3))
        np.testing.assert_allclose(sct.grad(rows)(a), jax.grad(rows_jnp)(jnp.asarray(a)), rtol=1e-10, atol=1e-12)
        assert _marked(rows, a)
        np.testing.assert_allclose(sct.grad(rows)(jnp.asarray(a)), jax.grad(rows_jnp)(jnp.asarray(a)),
                                   rtol=1e-10, atol=1e-12)
    bwd = [d for d in _specialized_source(rows) if "total_bar" in d]
    assert bwd and all("unbroadcast" not in d for d in bwd)


def test_other_inputs_as_numpy_or_on_boxes():
    for x, error in ((np.ones(3), IndexError), (np.array(2.0), TypeError)):  # 1-D, 0-d: NumPy's own errors
        with pytest.raises(error):
            det(x)
        with pytest.raises(error):
            sct.grad(det)(x)
    a = np.random.default_rng(7).normal(size=(3, 3))  # the overloading engine's boxes: the general sweeps
    got = ad.engine("overloading").grad(lambda x: anp.sum(sct.grad(det)(x)))(a)
    want = jax.grad(lambda x: jnp.sum(jax.grad(jnp.linalg.det)(x)))(jnp.asarray(a))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def down(a):
    """Mutual recursion (with ``up``) through rank-0 returns: every call rank-0."""
    if len(a) == 1:
        return a[0, 0]
    total = 0.0
    for j in range(a.shape[1]):
        total = total + a[0, j] * up(a[1:])
    return total


def up(a):
    if len(a) == 1:
        return a[0, 1] * 2.0
    total = 0.0
    for j in range(a.shape[1]):
        total = total - a[0, j] * down(a[1:])
    return total


def down_row(a):
    """Mutual recursion (with ``up_row``) where one base case returns a row: no call rank-0."""
    if len(a) == 1:
        return a[0, 0]
    total = 0.0
    for j in range(a.shape[1]):
        total = total + a[0, j] * up_row(a[1:])
    return total


def up_row(a):
    if len(a) == 1:
        return a[0] * 2.0
    total = 0.0
    for j in range(a.shape[1]):
        total = total + a[0, j] * down_row(a[1:])
    return total


def test_mutual_recursion():
    for f in (down, down_row):  # indexing and arithmetic only: JAX runs the same code
        for shape, seed in (((3, 2), 0), ((4, 2), 1), ((2, 3), 2)):
            a = np.random.default_rng(seed).normal(size=shape)
            got = sct.grad(lambda x, f=f: anp.sum(f(x)))(a)
            np.testing.assert_allclose(got, jax.grad(lambda x, f=f: jnp.sum(f(x)))(jnp.asarray(a)),
                                       rtol=1e-10, atol=1e-12)
    for f, kept in ((down, False), (down_row, True)):
        bwd = [d for d in _specialized_source(f) if "total_bar" in d]
        assert bwd and all(("unbroadcast" in d) == kept for d in bwd)


def corners(t):
    """A parameter read at three integers: assumed a 3-D array."""
    total = 0.0
    for i in range(len(t)):
        total = total + t[i, 0, 1] * t[i, 1, 0]
    return total


def test_three_integers():
    assert "array_of(t, 3)" in sct.source(corners, mode="reverse")
    for shape, marked in (((3, 2, 2), True), ((2, 3, 2, 2), False)):  # 4-D: the general sweeps, rows
        t = np.random.default_rng(len(shape)).normal(size=shape)
        np.testing.assert_allclose(sct.grad(lambda x: anp.sum(corners(x)))(t),
                                   jax.grad(lambda x: jnp.sum(corners(x)))(jnp.asarray(t)), rtol=1e-10, atol=1e-12)
        assert _marked(corners, t) == marked
