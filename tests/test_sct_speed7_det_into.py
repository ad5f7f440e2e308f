"""Callees add into their caller's cotangents: the ``into`` protocol (emit/into.py, issue 14 item 5).

A callee whose parameters' cotangents take only index and callee contributions gets
``bwd(residuals, g, into=None)``; a caller that would add the callee's returned cotangent
into its own hands its accumulators over instead. Checked: gradients against JAX (float64,
several seeds, float32, JAX arrays, second order on both ``higher`` settings), callees where
the protocol must not be taken (a parameter assigned, returned, or with an arithmetic
contribution), callers where it must not be handed over (the same array for two parameters),
a caller cotangent another name shares, the callee's ``into`` path against its plain path, and
the generated source.
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import transform
from adcompare.workloads import get

sct = ad.engine("sct")
TOL = 1e-11
det = get("det").natural


def head(x, y):
    return anp.sum(x[:2] * y[1:3]) + x[1] * y[0]


def two_slots(x, y):
    acc = 0.0
    for i in range(3):
        acc = acc + head(x, y) * (i + 1.0)
        acc = acc + x[i] * y[i]
    return acc


def same_array_twice(x):
    return head(x, x) + x[2] * head(x, x)


def part(v):
    return v[0] + anp.sum(v[1:3])


def shared(x):
    z = x
    return part(x) * 2.0 + part(z) + anp.sum(z * z)


def reassigned(x):
    x = x * 2.0
    return x[0] + x[1]


def returned(x):
    return x


def arithmetic(x):
    return anp.sum(x * x) + x[0]


def calls_excluded(x):
    acc = 0.0
    for i in range(2):
        acc = acc + reassigned(x) * anp.sum(returned(x)) + arithmetic(x) + x[i]
    return acc


def _source(f, nargs=1):
    entry = transform.transform(f, "reverse", tuple(range(nargs)), nargs)
    seen, todo, out = set(), [entry], []
    while todo:
        e = todo.pop()
        if id(e) not in seen:
            seen.add(id(e))
            out.append(e.source)
            todo += e.callees
    return "\n".join(out)


# The oracle is JAX's gradient of its own determinant (the same function, by LU): JAX's gradient of the
# recursive program, op by op, took ~10 s of CI at n = 6
@pytest.mark.parametrize("n, seed", [(n, seed) for n in (2, 3, 4, 5) for seed in (0, 1, 2)] + [(6, 0)])
def test_det_grad_matches_jax(n, seed):
    a = np.random.default_rng(seed).normal(size=(n, n))
    np.testing.assert_allclose(sct.grad(det)(a), jax.grad(jnp.linalg.det)(jnp.asarray(a)), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("f", [two_slots, shared, calls_excluded])
def test_callers_match_jax(f, seed):
    rng = np.random.default_rng(seed)
    args = (rng.normal(size=5), rng.normal(size=5))[:f.__code__.co_argcount]
    argnums = tuple(range(len(args)))
    ours = sct.grad(f, argnums=argnums)(*args)
    theirs = jax.grad(f, argnums=argnums)(*map(jnp.asarray, args))
    for u, v in zip(ours, theirs):
        np.testing.assert_allclose(u, v, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("seed", [0, 1])
def test_same_array_for_two_parameters_matches_jax(seed):
    x = np.random.default_rng(seed).normal(size=5)
    np.testing.assert_allclose(sct.grad(same_array_twice)(x), jax.grad(same_array_twice)(jnp.asarray(x)),
                               rtol=TOL, atol=TOL)
    text = _source(same_array_twice)
    assert "head_bwd(head_res" in text and "[x_bar" not in text  # both slots would be x_bar: the plain sum


def test_float32_and_jax_arrays():
    a = np.random.default_rng(3).normal(size=(5, 5))
    g32 = sct.grad(det)(a.astype(np.float32))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, jax.grad(jnp.linalg.det)(jnp.asarray(a, jnp.float32)), rtol=2e-4, atol=2e-4)
    gj = sct.grad(det)(jnp.asarray(a))
    assert isinstance(gj, jax.Array)
    np.testing.assert_allclose(gj, jax.grad(jnp.linalg.det)(jnp.asarray(a)), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("higher", ["sct", "boxes"])
def test_second_order_matches_jax(higher):
    eng = ad.engine("sct", higher=higher)
    a = np.random.default_rng(4).normal(size=(4, 4))
    np.testing.assert_allclose(eng.hessian(det)(a), jax.hessian(det)(jnp.asarray(a)), rtol=1e-10, atol=1e-10)
    x, y = np.random.default_rng(5).normal(size=(2, 5))
    np.testing.assert_allclose(eng.hessian(two_slots)(x, y), jax.hessian(two_slots)(jnp.asarray(x), jnp.asarray(y)),
                               rtol=1e-10, atol=1e-10)


def test_into_path_gives_the_plain_path_plus_the_accumulator():
    """The callee's bwd with ``into`` returns what its plain bwd returns added to the caller's value:
    bitwise where its contributions do not overlap (minor's regions), to rounding where they do."""
    rng = np.random.default_rng(6)
    minor = get("det").natural.__globals__["minor"]
    for f, args in ((minor, (rng.normal(size=(5, 5)), 2)), (head, (rng.normal(size=5), rng.normal(size=5)))):
        active = (0,) if f is minor else (0, 1)
        entry = transform.transform(f, "reverse", active, len(args))
        assert entry.into
        fwd, bwd = entry.functions["fwd"], entry.functions["bwd"]
        out, res = fwd(*args)
        g = rng.normal(size=np.shape(out))
        accs = [rng.normal(size=np.shape(args[k])) for k in active]
        plain = bwd(res, g)
        cell = [a.copy() for a in accs]
        taken = bwd(res, g, cell)
        assert cell == []
        for p, t, acc in zip(plain, taken, accs):
            if f is minor:
                np.testing.assert_array_equal(t, acc + p)
            else:
                np.testing.assert_allclose(t, acc + p, rtol=1e-14, atol=1e-14)
        again = bwd(res, g, [0.0] * len(active))  # the placeholder: the plain cotangents
        for p, t in zip(plain, again):
            np.testing.assert_array_equal(t, p)


def test_an_accumulator_someone_else_holds_is_not_changed():
    """A caller value held elsewhere is added to, never written into (the reference-count guard)."""
    minor = get("det").natural.__globals__["minor"]
    entry = transform.transform(minor, "reverse", (0,), 2)
    a = np.random.default_rng(7).normal(size=(4, 4))
    out, res = entry.functions["fwd"](a, 0)
    acc = np.ones((4, 4))
    before = acc.copy()
    (bar,) = entry.functions["bwd"](res, np.ones(out.shape), [acc])
    np.testing.assert_array_equal(acc, before)
    assert bar is not acc
    np.testing.assert_array_equal(bar[1:, 1:], before[1:, 1:] + 1.0)


def test_source_shows_the_protocol_only_where_it_applies():
    text = _source(det)
    bwd = text[text.index("def minor_bwd"):]
    assert "def minor_bwd(residuals, out_bar, into=None):" in bwd
    # minor's output reaches its cotangent through det's own call, which may read it only in a branch (as far
    # as analysis/zero_cotangents can tell): its reverse call is guarded against the placeholder, and the
    # guarded call takes the protocol too, its guard handing the caller's value back unchanged
    assert "_t4 = [a_bar]" in text
    assert "a_bar, = _t4 if is_symbolic_zero(_t2_bar) else minor_bwd(minor_res, _t2_bar, _t4)" in text
    excluded = _source(calls_excluded)
    for name in ("reassigned", "returned"):
        head_line = next(line for line in excluded.splitlines() if line.startswith(f"def {name}_bwd"))
        assert "into" not in head_line
    # arithmetic's other write of x_bar adds to it (``x_bar = x_bar + ...``): it takes the caller's
    # value too (an extension of the protocol, see .emit.into), and only it is handed one
    assert "def arithmetic_bwd(residuals, out_bar, into=None):" in excluded
    assert "arithmetic_bwd(arithmetic_res, _t6_bar, _t11)" in excluded
    assert not re.search(r"(reassigned|returned)_bwd\(\w+, \w+, ", excluded)


def first_two(xs):
    return anp.sum(xs[0] * xs[1])


def over_a_list(xs):
    acc = 0.0
    for i in range(3):
        acc = acc + first_two(xs) * (i + 1.0) + anp.sum(xs[1] * i)
    return acc


def by_key(p):
    return anp.sum(p["w"] * 2.0) + p["b"][0]


def over_a_dict(p):
    acc = 0.0
    for i in range(2):
        acc = acc + by_key(p) * anp.sum(p["w"][i])
    return acc


def rows_while(m):
    acc, i = 0.0, 0
    while i < 2:
        acc = acc + anp.sum(m[i] * m[i + 1])
        i = i + 1
    return acc


def calls_rows_while(m):
    acc = 0.0
    for k in range(3):
        acc = acc + rows_while(m) * m[k, k]
    return acc


@pytest.mark.parametrize("seed", [0, 1])
def test_pytree_and_loop_callees_match_jax(seed):
    rng = np.random.default_rng(seed)
    xs = [rng.normal(size=3), rng.normal(size=3)]
    ours, theirs = sct.grad(over_a_list)(xs), jax.grad(over_a_list)([jnp.asarray(v) for v in xs])
    for u, v in zip(ours, theirs):
        np.testing.assert_allclose(u, v, rtol=TOL, atol=TOL)
    p = {"w": rng.normal(size=(2, 3)), "b": rng.normal(size=2)}
    ours, theirs = sct.grad(over_a_dict)(p), jax.grad(over_a_dict)({k: jnp.asarray(v) for k, v in p.items()})
    for k in p:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=TOL, atol=TOL)
    m = rng.normal(size=(3, 3))
    np.testing.assert_allclose(sct.grad(calls_rows_while)(m), jax.grad(calls_rows_while)(jnp.asarray(m)),
                               rtol=TOL, atol=TOL)
    assert "into=None" in _source(calls_rows_while)


def test_under_jit_and_lax_control():
    a = jnp.asarray(np.random.default_rng(8).normal(size=(4, 4)))
    np.testing.assert_allclose(jax.jit(sct.grad(det))(a), jax.grad(det)(a), rtol=TOL, atol=TOL)
    x, y = map(jnp.asarray, np.random.default_rng(9).normal(size=(2, 5)))
    ours, theirs = jax.jit(sct.grad(two_slots, argnums=(0, 1)))(x, y), jax.grad(two_slots, argnums=(0, 1))(x, y)
    for u, v in zip(ours, theirs):
        np.testing.assert_allclose(u, v, rtol=TOL, atol=TOL)
    lax = ad.engine("sct", control="lax")
    np.testing.assert_allclose(lax.grad(det)(a), jax.grad(det)(a), rtol=TOL, atol=TOL)
