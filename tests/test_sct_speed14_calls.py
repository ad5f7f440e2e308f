"""The forward sweep makes its stack where it first pushes, inside the one branch that pushes (issue 14 item 5).

``stack = []`` and ``push = stack.append`` go just before the first statement that pushes, and into
the one branch of an ``if`` that alone pushes, never into a loop; the function starts with
``stack = None`` (its residuals carry it). A recursion's leaf (det's 1x1 case, 5,040 of its 8,660
calls per gradient at medium) then makes no list and no bound method, as its reverse sweep already
takes no stack iterator. Code transformed again keeps the stack at the top. Checked: where the
generated code makes it (det, a loop at the top, both branches pushing, nested branches), what a
leaf call keeps, and gradients against JAX on every path of programs that push in one branch, in
both, in a loop that may run no trip, in nested branches, in a while loop and in recursions, with
several seeds; and second order by SCT's own transform.
"""

from __future__ import annotations

import ast

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import transform
from adcompare.engines.sct.emit.specialize import Specialized
from adcompare.workloads import get

sct = ad.engine("sct")
det = get("det").natural


def pushes_in_else(x, n):
    if n < 2:
        return x[0] * x[1]
    acc = 0.0
    for i in range(n):
        acc = acc + anp.cos(x[i]) * x[1]
    return acc


def pushes_in_both(x, n):
    acc = 1.0
    if n % 2 == 0:
        for i in range(n):
            acc = acc * anp.sin(x[i] + acc)
    else:
        for i in range(n):
            acc = acc + x[i] * acc
    return acc


def loop_at_top(x, k):
    acc = x[1] * 3.0
    for i in range(k):
        acc = acc * x[i] + x[0]
    return acc - x[2]


def deep(x, n):
    acc = x[0]
    if n > 1:
        if n > 3:
            for i in range(n):
                acc = acc + anp.exp(-acc) * x[i]
        else:
            acc = anp.tanh(x[1] * acc)
    return acc


def while_branch(x, n):
    acc, i = 0.5, 0
    if n > 1:
        while i < n:
            acc = anp.sin(acc * x[i])
            i = i + 1
    return acc * x[0]


def chain_sum(x, n):
    """A recursion whose leaf pushes nothing: x[n] * chain_sum(n - 1) + cos(x[n])."""
    if n == 0:
        return anp.sin(x[0])
    acc = 0.0
    for i in range(2):
        acc = acc + x[n - i] * x[n]
    return acc * chain_sum(x, n - 1) + anp.cos(x[n])


CASES = [(pushes_in_else, (1, 2, 5)), (pushes_in_both, (0, 1, 2, 5)), (loop_at_top, (0, 1, 4)),
         (deep, (1, 2, 5)), (while_branch, (0, 1, 4)), (chain_sum, (0, 1, 4))]


@pytest.mark.parametrize("fn, ns", CASES)
def test_values_and_gradients_on_every_path_match_jax(fn, ns):
    rng = np.random.default_rng(len(ns))
    for n in ns:
        for x in rng.normal(size=(3, 6)):
            value, grad = sct.value_and_grad(fn)(x, n)
            want_value, want_grad = jax.value_and_grad(fn)(jnp.asarray(x), n)
            assert value == pytest.approx(float(want_value), rel=1e-12, abs=1e-12)
            np.testing.assert_allclose(grad, want_grad, rtol=1e-12, atol=1e-12)


def test_det_gradient_matches_jax():
    for n, seed in ((1, 0), (3, 1)):
        a = np.random.default_rng(seed).normal(size=(n, n))
        np.testing.assert_allclose(sct.grad(det)(a), jax.grad(jnp.linalg.det)(jnp.asarray(a)),
                                   rtol=1e-10, atol=1e-12)


def test_second_order_matches_jax():
    x = np.random.default_rng(4).normal(size=6)
    eng = ad.engine("sct", higher="sct")
    want = jax.jit(jax.hessian(pushes_in_else), static_argnums=1)(jnp.asarray(x), 3)  # compiled: op by op is ~8 s
    np.testing.assert_allclose(eng.hessian(pushes_in_else)(x, 3), want, rtol=1e-10, atol=1e-10)


def _fwd(fn, nargs: int) -> ast.FunctionDef:
    entry = transform.transform(fn, "reverse", (0,), nargs)
    tree = ast.parse(entry.source)
    return next(d for d in tree.body if isinstance(d, ast.FunctionDef) and "_fwd" in d.name)


def _made_at(fn, nargs: int) -> list[str] | None:
    """Where the general fwd makes its stack (``stack = []``): the kinds of the statements it lies in."""
    fwd = _fwd(fn, nargs)
    parents = {id(c): n for n in ast.walk(fwd) for c in ast.iter_child_nodes(n)}
    made = [n for n in ast.walk(fwd) if isinstance(n, ast.Assign) and isinstance(n.value, ast.List)]
    if not made:
        return None
    around, node = [], parents[id(made[0])]
    while node is not fwd:
        around.insert(0, type(node).__name__)
        node = parents[id(node)]
    return around


def test_where_the_stack_is_made():
    assert _made_at(det, 1) == ["If"]  # det's leaf branch makes none
    assert _made_at(pushes_in_else, 2) == ["If"]
    assert _made_at(deep, 2) == ["If", "If"]
    assert _made_at(while_branch, 2) == ["If"]
    assert _made_at(pushes_in_both, 2) == []  # both branches push: before the if
    assert _made_at(loop_at_top, 2) == []  # a loop at the top: before it, never inside
    routes = [s for s in _fwd(det, 1).body if isinstance(s, ast.If) and "specialized(" in ast.unparse(s.body[0])]
    first = _fwd(det, 1).body[len(routes)]  # after a specialization's guard: the residuals carry the stack
    assert ast.unparse(first).startswith("stack") and ast.unparse(first).endswith("= None")


def test_a_leaf_call_keeps_no_stack():
    entry = transform.transform(det, "reverse", (0,), 1)
    a = np.random.default_rng(5).normal(size=(1, 1))
    y, residuals = _unmarked(entry.functions["fwd"](a))
    assert y == a[0, 0]
    assert residuals[0] is None
    y, residuals = _unmarked(entry.functions["fwd"](np.random.default_rng(6).normal(size=(2, 2))))
    assert type(residuals[0]) is list and len(residuals[0]) > 0


def _unmarked(out: tuple) -> tuple:
    """(value, residuals), a specialized sweep's residuals (marked with which one ran) unmarked."""
    y, residuals = out
    return y, residuals[1] if type(residuals) is Specialized else residuals
