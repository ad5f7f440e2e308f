"""Second order by SCT: ``SCTEngine(higher="sct")`` transforms its own generated code again.

Forward over reverse (``hessian``, ``hvp``), forward over forward (``jacfwd(jacfwd)``),
reverse over forward (``jacrev(jacfwd)``) and reverse over reverse (``hessian(mode="rev-rev")``,
``grad(grad)``) against ``jax.hessian``, ``jax.jvp(jax.grad)`` and ``jax.grad(jax.grad)`` on
seeded inputs, on workloads and on the control-flow programs; no box or tape is made while
they run; the HVP program's source; ``jax.jit`` of the result; what is refused, by its message.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy
import pytest

import adcompare.numpy as anp
from adcompare import workloads
from adcompare.engine import partial_args
from adcompare.engines.sct import SCTEngine
from adcompare.engines.sct.emit.templates import SymbolTrace
from adcompare.oracle import _to_jax, form, max_error
from adcompare.primitives import PRIMITIVES, Primitive, core
from adcompare.rules.base import defjoint
from tests import test_sct_control as control

sct = SCTEngine(higher="sct")

PROGRAMS = ["branch_if_else", "nested_ifs", "early_return", "for_range", "for_over_rows", "for_with_break",
            "for_with_continue", "reversed_loop", "while_with_break", "while_in_for_with_break",
            "return_inside_nested_loops", "newton_in_loop", "recursion_with_branch", "tuple_return_unpack",
            "slicing", "operators_and_powers", "methods"]
CASES = {c[0].__name__: c for c in control.CASES}


def _tangents(rng, primals):
    return tuple(float(rng.normal()) if isinstance(p, float) else rng.normal(size=numpy.shape(p)) for p in primals)


@pytest.mark.parametrize("name", PROGRAMS)
def test_control_flow_hessian_and_hvp_match_jax(name):
    f, inputs, argnums = CASES[name]
    nums = control._nums(argnums)
    rng = numpy.random.default_rng(0)
    for args in inputs[:2]:
        expected = jax.hessian(f, argnums)(*control._jax(args))
        assert max_error(sct.hessian(f, argnums)(*args), expected) < 1e-10, (name, args)
        primals = tuple(args[i] for i in nums)
        tangents = _tangents(rng, primals)
        ours = sct.hvp(partial_args(f, args, nums), primals, tangents)
        theirs = jax.jvp(jax.grad(partial_args(f, control._jax(args), nums)), control._jax(primals),
                         control._jax(tangents))[1]
        assert max_error(ours, theirs) < 1e-10, (name, args)


WORKLOADS = ["rosenbrock", "broadcasting", "reductions", "chain", "loop_accumulate", "newton_sqrt", "det",
             "lse", "lstm", "ode"]


@pytest.mark.parametrize("name", WORKLOADS)
def test_workload_hessian_and_hvp_match_jax(name):
    w = workloads.get(name)
    for seed in (0, 1):
        args = w.inputs("tiny", seed, "numpy")
        nums = w.argnums
        ours = partial_args(form(sct, w), args, nums)
        oracle = partial_args(w.natural, tuple(_to_jax(a) if i in nums else a for i, a in enumerate(args)), nums)
        active = tuple(args[i] for i in nums)
        active_jax = tuple(_to_jax(a) for a in active)
        assert max_error(sct.hessian(ours)(*active), jax.hessian(oracle)(*active_jax)) < 1e-10, (name, seed)
        tangents = _tangents(numpy.random.default_rng(seed), active)
        expected = jax.jvp(jax.grad(oracle), active_jax, tuple(_to_jax(t) for t in tangents))[1]
        assert max_error(sct.hvp(ours, active, tangents), expected) < 1e-10, (name, seed)


def _no_traces(monkeypatch):
    """Every Box lives in a Trace: make constructing one (but the transformation's symbolic
    tracing of the rule entries, which holds no values) raise."""
    original = core.Trace.__init__

    def refuse(self, *args, **kwargs):
        if not isinstance(self, SymbolTrace):
            raise AssertionError(f"a {type(self).__name__} was made during second order by SCT")
        original(self, *args, **kwargs)

    monkeypatch.setattr(core.Trace, "__init__", refuse)


def lstm_like(x, w):
    h = x
    for _ in range(3):
        h = anp.tanh(h * w) + anp.sin(h)
    if anp.sum(h) > 0:
        h = h * 2.0
    return anp.sum(h * h)


def test_no_box_or_tape_during_hessian_hvp_and_forward_over_forward(monkeypatch):
    x, w = numpy.linspace(-1.0, 1.0, 4), numpy.linspace(0.5, 1.5, 4)
    v = numpy.linspace(1.0, 2.0, 4)
    expected_h = jax.hessian(lstm_like)(jnp.asarray(x), jnp.asarray(w))
    expected_hvp = jax.jvp(jax.grad(lambda x: lstm_like(x, jnp.asarray(w))), (jnp.asarray(x),), (jnp.asarray(v),))[1]
    engine = SCTEngine(higher="sct")
    _no_traces(monkeypatch)  # before the first call: transformation and running both make none
    assert max_error(engine.hessian(lstm_like)(x, w), expected_h) < 1e-10
    assert max_error(engine.hvp(partial_args(lstm_like, (x, w), (0,)), (x,), (v,)), expected_hvp) < 1e-10
    assert max_error(engine.jacfwd(engine.jacfwd(lstm_like))(x, w), expected_h) < 1e-10  # forward over forward
    assert max_error(engine.jacfwd(engine.grad(lstm_like))(x, w), expected_h) < 1e-10
    # the same under the boxes composition does make traces: the patch is live
    with pytest.raises(AssertionError, match="was made during second order"):
        SCTEngine(higher="boxes").hessian(lstm_like)(x, w)


def small(x):
    return anp.sum(anp.sin(x) * x)


def test_hvp_source_is_forward_over_the_gradient_program():
    text = sct.source(small, "hvp")
    assert "def grad_small(a0):" in text
    assert "y, residuals = fwd(a0)" in text and "bars = bwd(residuals, seed_like(primal(out)))" in text
    assert "def grad_small_jvp(a0, a0_dot):" in text
    assert "def small_fwd_jvp(x, x_dot):" in text
    assert "def small_bwd_jvp(residuals, residuals_dot," in text
    assert "_t1_bar_dot" in text  # tangents of cotangents: the second-order program
    assert "jacrev_small" in sct.source(small, "hessian")


def test_second_order_compiles_with_jax_jit():
    x, v = jnp.linspace(-1.0, 1.0, 5), jnp.linspace(0.5, 1.0, 5)
    expected = jax.jvp(jax.grad(lambda x: jnp.sum(jnp.sin(x) * x)), (x,), (v,))[1]
    assert max_error(jax.jit(lambda x, v: sct.hvp(small, (x,), (v,)))(x, v), expected) < 1e-12
    assert max_error(jax.jit(sct.hessian(small))(x), jax.hessian(lambda x: jnp.sum(jnp.sin(x) * x))(x)) < 1e-12


REVERSE_OVER_REVERSE = ["branch_elif_chain", "for_over_rows", "for_with_continue", "while_with_continue",
                        "return_inside_loop", "tuple_return_unpack", "tuple_pack_swap", "list_append_stack",
                        "slicing", "methods"]


@pytest.mark.parametrize("name", REVERSE_OVER_REVERSE)
def test_control_flow_reverse_over_reverse_matches_jax(name):
    f, inputs, argnums = CASES[name]
    for args in inputs[:2]:
        expected = jax.hessian(f, argnums)(*control._jax(args))
        assert max_error(sct.hessian(f, argnums, mode="rev-rev")(*args), expected) < 1e-10, (name, args)
        if argnums == 0 and isinstance(args[0], float):
            expected = jax.grad(jax.grad(f))(*control._jax(args))
            assert max_error(sct.grad(sct.grad(f))(*args), expected) < 1e-10, (name, args)


@pytest.mark.parametrize("name", ["chain", "det", "lstm", "ode", "reductions"])
def test_workload_reverse_over_reverse_matches_jax(name):
    w = workloads.get(name)
    args = w.inputs("tiny", 0, "numpy")
    nums = w.argnums
    ours = partial_args(form(sct, w), args, nums)
    oracle = partial_args(w.natural, tuple(_to_jax(a) if i in nums else a for i, a in enumerate(args)), nums)
    active = tuple(args[i] for i in nums)
    expected = jax.hessian(oracle)(*(_to_jax(a) for a in active))
    assert max_error(sct.hessian(ours, mode="rev-rev")(*active), expected) < 1e-10, name


def test_no_box_or_tape_during_reverse_over_reverse(monkeypatch):
    x, w = numpy.linspace(-1.0, 1.0, 4), numpy.linspace(0.5, 1.5, 4)
    expected = jax.hessian(lstm_like)(jnp.asarray(x), jnp.asarray(w))
    engine = SCTEngine(higher="sct")
    _no_traces(monkeypatch)
    assert max_error(engine.hessian(lstm_like, mode="rev-rev")(x, w), expected) < 1e-10
    assert max_error(engine.jacrev(engine.jacfwd(lstm_like))(x, w), expected) < 1e-10  # reverse over forward
    assert max_error(engine.grad(engine.grad(lambda y: anp.sin(y) * y))(0.3),
                     jax.grad(jax.grad(lambda y: jnp.sin(y) * y))(0.3)) < 1e-12


cube_p = Primitive("higher_test_cube", lambda xp, x: x * x * x, register=False)
defjoint(cube_p, jvp=lambda ts, ans, x: anp.multiply(anp.multiply(3.0, anp.multiply(x, x)), ts[0]),
         vjp=lambda active, ans, x: lambda g: (anp.multiply(g, anp.multiply(3.0, anp.multiply(x, x))),))


def test_a_joint_rule_is_differentiated_again_as_one_call(monkeypatch):
    """A joint rule (defjoint) has no per-operand source to transform again: that one call runs on
    boxes (the same rule), the rest is SCT over SCT; the source says so."""
    monkeypatch.setitem(PRIMITIVES, cube_p.name, cube_p)
    for seed in range(3):
        x = numpy.random.default_rng(seed).normal(size=3)
        expected = jax.hessian(lambda y: jnp.sum(y * y * y))(jnp.asarray(x))
        for mode in ("fwd-rev", "rev-rev"):
            assert max_error(sct.hessian(lambda y: anp.sum(cube_p(y)), mode=mode)(x), expected) < 1e-12


def test_einsum_and_linalg_rules_are_transformed_again():
    """helmholtz (einsum's variadic VJP rule) and gp (cholesky's triangle masks) by SCT over SCT."""
    for name in ("helmholtz", "gp", "matmul"):
        w = workloads.get(name)
        args = w.inputs("tiny", 0, "numpy")
        nums = w.argnums
        oracle = partial_args(w.natural, tuple(_to_jax(a) if i in nums else a for i, a in enumerate(args)), nums)
        ours = partial_args(form(sct, w), args, nums)
        argnums = 0 if len(nums) == 1 else tuple(range(len(nums)))
        active = tuple(args[i] for i in nums)
        expected = jax.hessian(oracle, argnums)(*(_to_jax(a) for a in active))
        for mode in ("fwd-rev", "rev-rev"):
            assert max_error(sct.hessian(ours, argnums, mode=mode)(*active), expected) < 1e-10, (name, mode)


REVERSE_OVER_FORWARD = ["branch_if_else", "early_return", "for_range", "for_with_break", "while_in_for_with_break",
                        "return_inside_nested_loops", "recursion_with_branch", "methods"]


@pytest.mark.parametrize("name", REVERSE_OVER_FORWARD)
def test_reverse_over_forward_matches_jax(name):
    """jacrev(jacfwd(f)): the reverse transform of the jacfwd program and of the generated jvp."""
    f, inputs, _ = CASES[name]
    for args in inputs[:2]:
        assert max_error(sct.jacrev(sct.jacfwd(f))(*args), jax.hessian(f)(*control._jax(args))) < 1e-10, name
