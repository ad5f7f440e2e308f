"""SCT's reverse mode keeps only what its adjoints read (issue 14, item 4).

What it keeps, and how that shows in the generated source: only a shape where
the adjoints read only a shape (``shape_of``); a rule's pull-back, made in the
forward sweep, instead of the values the rule is called on; a value only where
the version an adjoint reads is overwritten (not every version of the name);
a view ``x[i]`` of a value kept anyway read again rather than kept. Gradients
are checked against JAX; kept bytes (deterministic: the arrays the pull-back
reaches) against the overloading engine's tape on small lstm and ode.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.measure import tools
from adcompare.workloads import get

sct = ad.engine("sct")
TOL = 1e-10


def shape_only_loop(x, w):
    total = 0.0
    for _ in range(3):
        h = x * w  # its adjoint reads x and w
        total = total + h  # its adjoint reads only the shapes of total and h
    return anp.sum(total)


def reductions_in_a_loop(x, m):
    out = 0.0
    parts = []
    for k in range(3):
        y = anp.matmul(m, x) * (k + 1.0)
        parts.append(anp.sum(anp.tanh(y)))
        x = anp.concatenate([x[1:], anp.sin(x[:1])])
    return anp.sum(anp.stack(parts)) + out


def views_of_kept_values(x, w):
    s = anp.exp(x * w)  # its adjoint reads s: s is kept
    a = s[:2]
    b = s[2:]
    return anp.sum(a * w[:2]) + anp.sum(b * b)


def views_of_kept_values_value_read(x):
    s = anp.exp(x)  # its adjoint reads s: s is kept
    a = s[:2]
    return anp.sum(anp.sin(a)) + anp.sum(s)  # a's value is read (cos), never its shape


def overwrite_then_break(x):
    y = x
    for k in range(6):
        z = anp.exp(y) * 0.5
        y = z - y
        if k == 3:
            break
        y = anp.cos(y)
    return anp.sum(y)


def versions(x, w):
    out = 0.0
    for k in range(3):
        c = x[k]  # this value of c is read by the adjoint of c * w
        d = c * w
        c = anp.sin(d)  # this one by no adjoint (sin's reads d, tanh's its own result)
        out = out + anp.sum(anp.tanh(c))
    return out


def broadcast_then_scale(col, grid):
    return anp.sum(anp.tanh(col - grid)) + anp.sum(2.0 * (grid - col))


def checkpointed_shapes(x, n):
    total = 0.0
    for _ in ad.checkpointed_range(n, every=2):
        x = anp.sin(x) * 1.5
        total = total + x
    return anp.sum(total)


CASES = [
    (shape_only_loop, lambda r: (r.normal(size=4), r.normal(size=4))),
    (reductions_in_a_loop, lambda r: (r.normal(size=3), r.normal(size=(3, 3)))),
    (views_of_kept_values, lambda r: (r.normal(size=4), r.normal(size=4))),
    (overwrite_then_break, lambda r: (r.uniform(0.1, 0.5, size=3),)),
    (broadcast_then_scale, lambda r: (r.normal(size=(3, 1)), r.normal(size=(3, 4)))),
    (versions, lambda r: (r.normal(size=(3, 2)), r.normal(size=2))),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("f, inputs", CASES, ids=[f.__name__ for f, _ in CASES])
def test_gradients_equal_jax(f, inputs, seed):
    args = inputs(np.random.default_rng(seed))
    nums = tuple(range(len(args)))
    ours = sct.grad(f, nums)(*args)
    theirs = jax.grad(f, nums)(*map(jnp.asarray, args))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("n", [0, 1, 5])
def test_checkpointed_loop_gradients_equal_jax(n):
    x = np.random.default_rng(n).normal(size=3)
    ours = sct.grad(checkpointed_shapes)(x, n)
    theirs = jax.grad(checkpointed_shapes)(jnp.asarray(x), n)
    np.testing.assert_allclose(ours, theirs, rtol=TOL, atol=TOL)


def _sweeps(f, argnums):
    text = sct.source(f, "reverse", argnums)
    name = f.__name__
    return text[:text.index(f"def {name}_bwd")], text[text.index(f"def {name}_bwd"):]


def _residuals(fwd: str) -> str:
    return fwd[fwd.rindex("return (out, ("):]


def test_a_value_whose_shape_is_all_that_is_read_is_kept_as_its_shape():
    fwd, bwd = _sweeps(shape_only_loop, (0, 1))
    assert "push(shape_of(total))" in fwd and "push(total)" not in fwd
    assert "shape_of(h)" in _residuals(fwd)
    assert "unbroadcast(total_bar, total)" in bwd  # the adjoint reads the stand-in by the same name


def test_a_rule_pullback_is_made_forward_and_called_back():
    fwd, bwd = _sweeps(reductions_in_a_loop, (0, 1))
    # matmul's two active operands: its joint rule, one pull-back for both (emit/joint.py)
    assert "sum_vjps[0](" in fwd and "matmul_vjp((True, True), " in fwd and "stack_p" in fwd
    assert "sum_vjps" not in bwd and "matmul_vjp" not in bwd and "pull(" in bwd and "pull_each(" in bwd
    assert "push(parts)" not in fwd  # stack's rule reads only the shapes of the list


def test_a_view_of_a_kept_value_is_read_again_not_kept():
    fwd, bwd = _sweeps(views_of_kept_values_value_read, (0,))
    residuals = _residuals(fwd)
    assert " a," not in residuals and "(a," not in residuals and " s," in residuals
    assert "cos(s[:2])" in bwd


def test_a_view_whose_shape_is_read_too_is_kept_itself():
    # a's adjoint reads its shape (unbroadcast): a, a view of s (no data of its own), is kept and
    # read, not its shape kept and the view taken again (changed in issue 14 item 5)
    fwd, bwd = _sweeps(views_of_kept_values, (0, 1))
    residuals = _residuals(fwd)
    assert " a," in residuals and " s," in residuals and "shape_of(a)" not in residuals
    assert "* a" in bwd or "a *" in bwd
    assert "s[:2] *" not in bwd and "* s[:2]" not in bwd


def test_a_version_no_adjoint_reads_is_not_saved():
    fwd, _ = _sweeps(versions, (0, 1))
    assert fwd.count("push(c)") == 1  # before c = sin(d) overwrites x[k]; not before c = x[k]
    assert " c," not in _residuals(fwd)  # nor is its last value returned


@pytest.mark.parametrize("problem, size", [("lstm", (2, 14, 4)), ("lstm", (2, 14, 8)), ("ode", (10, 2)),
                                           ("ode", (10, 10))])
def test_sct_keeps_no_more_than_the_tape(problem, size):
    w = get(problem)
    args = w.inputs(size, 0, "numpy")
    kept = {}
    for tool in ("overloading", "sct"):
        kept[tool] = tools.prepare(tool, w, args, "grad").kept_bytes()
    assert 0 < kept["sct"] <= kept["overloading"]



@pytest.mark.parametrize("f, inputs", CASES, ids=[f.__name__ for f, _ in CASES])
def test_second_order_and_jit_through_the_kept_shapes_and_pullbacks(f, inputs):
    """The generated code runs on boxes (the Hessian) and on tracers (jax.jit) as well."""
    args = inputs(np.random.default_rng(7))
    np.testing.assert_allclose(sct.hessian(f)(*args), jax.hessian(f)(*map(jnp.asarray, args)),
                               rtol=1e-9, atol=1e-9)
    nums = tuple(range(len(args)))
    ours = jax.jit(sct.grad(f, nums))(*map(jnp.asarray, args))
    for a, b in zip(ours, jax.grad(f, nums)(*map(jnp.asarray, args))):
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)
