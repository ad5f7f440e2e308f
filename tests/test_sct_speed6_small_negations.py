"""Negations moved out of the reverse sweep's arrays: :func:`.peephole.fold_negations` and the
adjoints' ``-unbroadcast(e, x)`` (never ``unbroadcast(-e, x)``).

A cotangent set once to ``-e`` and read once, later in its block, is set to ``e`` and the negation
moves through products, quotients and ``unbroadcast`` into the sum that reads it. Checked on code
written here (what is rewritten, and what must not be: a name read twice or set twice, a read in a
loop or a branch, a negation that would stay on the name, a sum whose left operand is negated) and
end to end: the gradient with the fold equals, bit for bit, the gradient with it switched off
(each rewrite is exact in IEEE arithmetic), and matches JAX (float64, several seeds) over
broadcasting shapes, 0-d arrays, NumPy scalars, Python floats, float32 and second order.
"""

from __future__ import annotations

import ast
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct import transform
from adcompare.engines.sct.emit import peephole as ph
from adcompare.workloads import get

BARS = frozenset({"a_bar", "b_bar", "c_bar"})
LINEAR = frozenset({"unbroadcast"})


def _fold(code: str) -> str:
    block = ast.parse(textwrap.dedent(code)).body
    return ast.unparse(ast.fix_missing_locations(ast.Module(ph.fold_negations(block, BARS, LINEAR), [])))


def _same(code: str) -> None:
    assert _fold(code) == ast.unparse(ast.parse(textwrap.dedent(code)))


def test_negation_moves_into_the_sum_that_reads_it():
    out = _fold("""
        a_bar = -unbroadcast(g, t)
        b_bar = b_bar + a_bar * (2.0 * h)
        return b_bar
    """)
    assert "a_bar = unbroadcast(g, t)" in out and "b_bar = b_bar - a_bar * (2.0 * h)" in out


def test_negation_moves_through_quotients_and_linear_helpers():
    out = _fold("""
        a_bar = -(g * y)
        c_bar = unbroadcast(w / a_bar, t)
        b_bar = b_bar - c_bar
    """)
    # a_bar's negation leaves through the quotient and unbroadcast; c_bar's then meets the sum
    assert "a_bar = g * y" in out and "c_bar = unbroadcast(w / a_bar, t)" in out
    assert "b_bar = b_bar + c_bar" in out


def test_a_negated_left_operand_of_a_difference():
    out = _fold("""
        a_bar = -g
        b_bar = a_bar - h
        c_bar = c_bar + b_bar
    """)
    # -g - h is -(g + h): b_bar takes the negation, which c_bar's sum then absorbs
    assert "a_bar = g" in out and "b_bar = a_bar + h" in out and "c_bar = c_bar - b_bar" in out


@pytest.mark.parametrize("code", [
    # read twice
    """
    a_bar = -g
    b_bar = b_bar + a_bar
    c_bar = c_bar + a_bar
    """,
    # set twice
    """
    a_bar = -g
    b_bar = b_bar + a_bar
    a_bar = h
    """,
    # read in a loop: the negation would run on every iteration
    """
    a_bar = -g
    for i in r:
        b_bar = b_bar + a_bar
    """,
    # read in a branch
    """
    a_bar = -g
    if c:
        b_bar = b_bar + a_bar
    """,
    # the negation would stay on the name (a call that is not linear in it)
    """
    a_bar = -g
    b_bar = pull(p, a_bar)
    """,
    # a sum whose left operand is negated: not reordered
    """
    a_bar = -g
    b_bar = a_bar + h
    """,
    # not a cotangent of the transform
    """
    z = -g
    b_bar = b_bar + z
    """,
    # unbroadcast's second argument is not linear
    """
    a_bar = -g
    b_bar = b_bar + unbroadcast(h, a_bar)
    """,
])
def test_left_alone(code):
    _same(code)


def test_fold_inside_a_loop_body():
    out = _fold("""
        for i in r:
            a_bar = -unbroadcast(b_bar, t)
            c_bar = unbroadcast(a_bar * p, u)
            b_bar = b_bar + c_bar
    """)
    # within one turn of the loop: a_bar's negation reaches c_bar, and c_bar's the sum
    assert "a_bar = unbroadcast(b_bar, t)" in out and "c_bar = unbroadcast(a_bar * p, u)" in out
    assert "b_bar = b_bar - c_bar" in out


# --- end to end ---------------------------------------------------------------------------


def rosen(x):
    head, tail = x[:-1], x[1:]
    return anp.sum(100.0 * (tail - head**2) ** 2 + (1.0 - head) ** 2)


def bcast(a, b):
    d = a - b * a
    e = (b - a) / (1.0 + a * a)
    return anp.sum(d * e - a / (2.0 + b * b))


loop = get("llsq").natural  # a Python loop that subtracts products: residual = residual - x[j] * power


def _unfolded(monkeypatch, fn, args, argnums):
    """The gradient with the fold switched off (and the cache cleared both ways)."""
    monkeypatch.setattr(ph, "fold_negations", lambda body, bars, linear=frozenset(): body)
    transform.clear_cache()
    try:
        return ad.engine("sct").grad(fn, argnums=argnums)(*args)
    finally:
        monkeypatch.undo()
        transform.clear_cache()


CASES = [  # JAX differentiates the same source (the vocabulary takes JAX arrays)
    (rosen, lambda r: (r.normal(size=50),), 0),
    (bcast, lambda r: (r.normal(size=(3, 1)), r.normal(size=(1, 4))), (0, 1)),
    (bcast, lambda r: (r.normal(size=5), np.float64(r.normal())), (0, 1)),
    (bcast, lambda r: (np.asarray(r.normal()), r.normal(size=(2, 3))), (0, 1)),
    (bcast, lambda r: (float(r.normal()), float(r.normal())), (0, 1)),
    (loop, lambda r: (r.normal(size=6), r.uniform(-1, 1, size=20), r.normal(size=20)), (0, 1, 2)),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_fold_is_exact_and_matches_jax(monkeypatch, seed, case):
    fn, make, argnums = CASES[case]
    args = make(np.random.default_rng(seed))
    got = ad.engine("sct").grad(fn, argnums=argnums)(*args)
    plain = _unfolded(monkeypatch, fn, args, argnums)
    want = jax.grad(fn, argnums=argnums)(*[jnp.asarray(a) for a in args])
    got, plain, want = (g if isinstance(g, tuple) else (g,) for g in (got, plain, want))
    for a, b, c in zip(got, plain, want):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        np.testing.assert_allclose(np.asarray(a), np.asarray(c), rtol=1e-12, atol=1e-12)


def test_the_generated_code_carries_the_fold():
    text = ad.engine("sct").source(loop, "reverse", argnums=(0, 1, 2))
    assert "= -unbroadcast(" in text and "unbroadcast(-" not in text
    text = ad.engine("sct").source(rosen, "reverse")
    assert "head_bar = head_bar - " in text


def test_float32_keeps_its_dtype():
    x32 = np.random.default_rng(3).normal(size=8).astype(np.float32)
    g = ad.engine("sct").grad(rosen)(x32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, np.asarray(jax.grad(rosen)(jnp.asarray(x32))), rtol=2e-5, atol=1e-3)



@pytest.mark.parametrize("seed", [0, 1])
def test_second_order_through_the_folded_code(seed):
    x = np.random.default_rng(seed).normal(size=7)
    want = np.asarray(jax.hessian(rosen)(jnp.asarray(x)))
    for eng in (ad.engine("sct"), ad.engine("sct", higher="boxes")):
        np.testing.assert_allclose(eng.hessian(rosen)(x), want, rtol=1e-11, atol=1e-11)
    a, b = np.random.default_rng(seed).normal(size=(2, 3))
    want = np.asarray(jax.hessian(bcast)(jnp.asarray(a), jnp.asarray(b)))
    np.testing.assert_allclose(ad.engine("sct").hessian(bcast)(a, b), want, rtol=1e-11, atol=1e-11)
