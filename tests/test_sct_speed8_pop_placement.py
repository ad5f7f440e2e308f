"""The reverse sweep takes its stack iterator where it first pops, inside the one branch that pops (issue 14 item 5).

``pop = reversed(stack).__next__`` goes just before the first statement that pops, and into the
one branch of an ``if`` that alone pops, never into a loop: a recursion's leaf (det's 1x1 case)
then makes no iterator. Code transformed again keeps it at the top. Checked: where the generated
code puts it (det, a loop at the top, both branches popping), and gradients against JAX of
programs that pop in one branch, in both, in a loop that may run no trip, in nested branches, in
a while loop, and in a recursion, on every path, with several seeds; and second order.
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
from adcompare.workloads import get

sct = ad.engine("sct")
det = get("det").natural


def one_branch(x, n):
    if n > 2:
        total = 0.0
        for i in range(n):
            total = total + anp.sin(x[i]) * x[0]
        return total
    return x[0] * x[1]


def both_branches(x, n):
    total = 0.0
    if n > 2:
        for i in range(n):
            total = total + x[i] * x[i]
    else:
        for i in range(n):
            total = total + anp.exp(x[i]) * total
    return total


def maybe_no_trip(x, k):
    total = x[0] * 2.0
    for i in range(k):
        total = total * x[i + 1]
    return total + x[1]


def nested(x, n):
    total = 0.0
    if n > 1:
        if n > 3:
            for i in range(n):
                total = total + x[i] * anp.cos(total)
        else:
            total = x[0] * x[1]
    else:
        total = anp.sin(x[0])
    return total


def until(x, n):
    total, i = 1.0, 0
    if n > 0:
        while i < n:
            total = total * anp.tanh(x[i] + total)
            i = i + 1
    return total


def fact_like(x, n):
    if n == 0:
        return x[0]
    return x[n] * fact_like(x, n - 1) + anp.sin(x[n])


CASES = [(one_branch, (1, 2, 4)), (both_branches, (1, 2, 3, 5)), (maybe_no_trip, (0, 1, 3)),
         (nested, (1, 2, 4)), (until, (0, 1, 3)), (fact_like, (0, 1, 4))]


@pytest.mark.parametrize("fn, ns", CASES)
def test_gradients_on_every_path_match_jax(fn, ns):
    for n in ns:
        for seed in (0, 1, 2):
            x = np.random.default_rng(seed).normal(size=6)
            ours = sct.grad(fn)(x, n)
            theirs = jax.grad(fn)(jnp.asarray(x), n)
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_second_order_matches_jax():
    x = np.random.default_rng(3).normal(size=6)
    for fn, n in ((one_branch, 4), (nested, 4), (fact_like, 3)):
        eng = ad.engine("sct", higher="sct")
        np.testing.assert_allclose(eng.hessian(fn)(x, n), jax.hessian(fn)(jnp.asarray(x), n),
                                   rtol=1e-10, atol=1e-10)


def _pop_depth(fn, nargs: int) -> list[str]:
    """Where the general bwd binds its stack iterator: the kinds of the statements around it."""
    entry = transform.transform(fn, "reverse", (0,), nargs)
    tree = ast.parse(entry.source)
    bwd = next(d for d in tree.body if isinstance(d, ast.FunctionDef) and "_bwd" in d.name)

    def find(block, path):
        for s in block:
            if isinstance(s, ast.Assign) and isinstance(s.value, ast.Attribute) and s.value.attr == "__next__":
                return path
            for field in ("body", "orelse"):
                found = find(getattr(s, field, []) or [], path + [type(s).__name__])
                if found is not None:
                    return found
        return None

    return find(bwd.body, [])


def test_where_the_iterator_is_taken():
    assert _pop_depth(det, 1) == ["If"]  # det's leaf branch makes none
    assert _pop_depth(one_branch, 2) == ["If"]
    assert _pop_depth(both_branches, 2) == []  # both branches pop: before the if
    assert _pop_depth(maybe_no_trip, 2) == []  # a loop at the top: before it, never inside
