"""The reverse sweep's peephole: an accumulation into a cotangent known to hold ``0.0`` is an assignment.

:func:`adcompare.engines.sct.emit.peephole.peephole` follows, through branches and loops, which
cotangent names hold the placeholder ``0.0`` (a loop body that ends by resetting one starts each
iteration with it); ``v_bar = v_bar + e`` there becomes ``v_bar = e``, and ``v_bar = v_bar + -e``
becomes ``v_bar = v_bar - e``. Checked on code written here (what is rewritten and what must not
be: a ``continue``, a body that leaves a value, a loop entered with a value) and end to end
against JAX on loops that reset cotangents (callees in a loop, nested loops, branches).
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
from adcompare.engines.sct.emit.peephole import peephole

BARS = frozenset({"a_bar", "b_bar", "c_bar"})


def _run(code: str) -> str:
    block = ast.parse(textwrap.dedent(code)).body
    return ast.unparse(ast.fix_missing_locations(ast.Module(peephole(block, None, BARS), [])))


def test_loop_body_entered_with_zero():
    out = _run("""
        a_bar = 0.0
        for i in r:
            a_bar = a_bar + g(i)
            h(a_bar)
            a_bar = 0.0
    """)
    assert "a_bar = g(i)" in out and "a_bar + g" not in out


def test_nested_loop_and_branch_keep_the_zero():
    out = _run("""
        a_bar = 0.0
        for i in r:
            for j in s:
                if c:
                    a_bar = a_bar + g(j)
                else:
                    a_bar = a_bar + k(j)
                h(a_bar)
                a_bar = 0.0
    """)
    assert "a_bar = g(j)" in out and "a_bar = k(j)" in out


@pytest.mark.parametrize("code", [
    # a continue skips the reset
    """
    a_bar = 0.0
    for i in r:
        a_bar = a_bar + g(i)
        if c:
            continue
        a_bar = 0.0
    """,
    # the body leaves a value for the next iteration
    """
    a_bar = 0.0
    for i in r:
        a_bar = a_bar + g(i)
    """,
    # the loop is entered with a value
    """
    a_bar = f()
    for i in r:
        a_bar = a_bar + g(i)
        a_bar = 0.0
    """,
    # a reset in one branch only
    """
    a_bar = 0.0
    for i in r:
        a_bar = a_bar + g(i)
        if c:
            a_bar = 0.0
    """,
    # the loop target is the cotangent
    """
    a_bar = 0.0
    for a_bar in r:
        a_bar = a_bar + g(i)
        a_bar = 0.0
    """,
])
def test_not_zero_no_rewrite(code):
    assert "a_bar = a_bar + g(i)" in _run(code)


def test_a_name_not_a_cotangent_is_left_alone():
    out = _run("""
        total = 0.0
        for i in r:
            total = total + g(i)
            total = 0.0
    """)
    assert "total = total + g(i)" in out


def test_negation_folds_into_subtraction():
    assert "a_bar = a_bar - e" in _run("a_bar = f()\na_bar = a_bar + -e\n")
    assert "x = x + -e" in _run("x = f()\nx = x + -e\n")  # not a cotangent


# --- end to end -------------------------------------------------------------------


def step(x, y):
    return anp.concatenate([x[:1], anp.sin(y[:-1]) * x[1:]])


def steps(x, y, h, count):
    for _ in range(count):
        k1 = step(x, y)
        k2 = step(x, y + h * k1)
        y = y + h * (k1 - 2.0 * k2)
    return anp.sum(y * y)


def nested(x, n):
    acc = x
    for _ in range(n):
        for j in range(2):
            t = anp.tanh(acc) * x
            if j == 0:
                acc = acc + t
            else:
                acc = acc - 0.5 * t
    return anp.sum(acc)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loops_with_reset_cotangents_against_jax(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=6), rng.normal(size=6)
    sct = ad.engine("sct")
    src = sct.source(steps, argnums=(0, 1))
    body = src[src.index("for _ in reversed"):]
    assert "k2_bar = k2_bar +" not in body  # k2_bar starts each iteration as 0.0, k1_bar too:
    assert body.index("k1_bar = unbroadcast") < body.index("k1_bar = k1_bar +")  # its first term is assigned
    for got, want in zip(sct.grad(steps, argnums=(0, 1))(x, y, 0.1, 3),
                         jax.grad(steps, argnums=(0, 1))(jnp.asarray(x), jnp.asarray(y), 0.1, 3)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(sct.grad(nested)(x, 3), jax.grad(nested)(jnp.asarray(x), 3), rtol=1e-12)
    np.testing.assert_allclose(sct.hessian(nested)(x, 2), jax.hessian(nested)(jnp.asarray(x), 2), rtol=1e-10)
    np.testing.assert_allclose(sct.grad(steps)(float(x[0]) * np.ones(1), y[:1], 0.2, 2),
                               jax.grad(steps)(jnp.ones(1) * x[0], jnp.asarray(y[:1]), 0.2, 2), rtol=1e-12)
