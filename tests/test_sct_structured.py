"""SCT's structured control flow: ``SCTEngine(control="lax")`` hands loops and branches to JAX.

Each program is differentiated (grad and jvp, eagerly and under ``jax.jit``) by the
structured output and compared with JAX and with the plain-Python output; the
compiled program is checked for its shape (a forward and a reverse ``scan``, a
``cond``, a ``while``); what the structured form cannot express either keeps the
Python form (exact) or is refused by message, naming the user's line.
"""

from __future__ import annotations

import inspect
import warnings

import jax
import jax.numpy as jnp
import numpy
import pytest
from test_sct_control import CASES  # the control-flow suite, run here on the structured output

import adcompare as ad
import adcompare.numpy as anp
import adcompare.workloads as workloads
from adcompare.engine import partial_args
from adcompare.engines.sct import SCTEngine, SCTError
from adcompare.oracle import max_error
from adcompare.workloads.control import newton_sqrt
from adcompare.workloads.lstm import lstm, lstm_segment

lax_sct = SCTEngine(control="lax")
plain = SCTEngine()
RNG = numpy.random.default_rng(11)


# --- programs ---------------------------------------------------------------------


def carried_scalar(x):
    acc = 0.0  # a Python float before the loop, an array after one iteration
    for i in range(5):
        acc = acc * 0.5 + anp.sin(x * i)
    return acc


def carried_vector(x, w):
    h = x
    for t in range(4):
        h = anp.tanh(h * w + 0.1 * t)
    return anp.sum(h * h)


def branch_in_loop(x):
    for _i in range(4):
        if anp.sum(x) > 0.0:
            x = anp.sin(x) * 1.5
        else:
            x = x * x - 0.3
    return anp.sum(x)


def traced_branch(x):
    if x > 0.0:
        y = anp.sin(x) * x
    else:
        y = x * x * x
    return y * 2.0


def nested_loops(x):
    for _i in range(3):
        for j in range(2):
            x = anp.sin(x) * 1.1 + 0.1 * j
    return x


def bound_in_loop(x):
    for i in range(3):
        y = x * (i + 1.0)
        z = anp.cos(y)
    return z * x


def indexed_rows(a, w):
    total = 0.0
    for t in range(len(a) - 1):
        total = total + anp.sum(a[t] * w * a[t + 1])
    return total


def overwritten_in_loop(x):
    y = x * 2.0
    z = anp.sin(y)
    for i in range(3):
        y = 1.0 * i  # the loop overwrites y with a constant: y's cotangent from after the loop stops here
        z = z * 1.5
    return z + y * x


def growing_list(x):
    rows = []
    for i in range(3):
        rows.append(x * (i + 1.0))
    return anp.sum(anp.stack(rows))


def growing_shape(x):
    y = x
    for _i in range(3):
        y = anp.concatenate([y, anp.sin(x)])
    return anp.sum(y * y)


def loop_with_break(x):
    for _i in range(5):
        x = x * 1.2
        if x > 2.0:
            break
    return x


def break_on_counter(x):
    for i in range(5):
        if i == 3:  # a concrete test: the loop stays Python, exact, unrolled under jit
            break
        x = anp.sin(x) * 1.1
    return x


def checkpointed_loop(x):
    for _t in ad.checkpointed_range(6, every=2):  # forward mode: a scan; reverse mode: the Python loop
        x = anp.sin(x) * 1.2
    return anp.sum(x)


def sides_differ(x):
    if x > 0.0:
        y = anp.stack([x, x])
    else:
        y = x
    return anp.sum(y)


def invariant_slices(w, x):
    h = x
    for _t in range(4):  # every w[k] (and sin(w[3])) is the same in every iteration: kept once
        h = anp.tanh(h * w[0] + w[1]) * w[2] + anp.sin(w[3]) * h
    return anp.sum(h * h)


def slices_before_the_loop(w, x):  # invariant_slices with the invariant values computed by hand before it
    a, b, c, d = w[0], w[1], w[2], anp.sin(w[3])
    h = x
    for _t in range(4):
        h = anp.tanh(h * a + b) * c + d * h
    return anp.sum(h * h)


def invariant_in_inner_loop(x, w):
    for _i in range(3):
        s = anp.sin(x) * w  # changes with the outer loop, the same in every iteration of the inner one
        for j in range(2):
            x = x * s + 0.1 * j
    return anp.sum(x)


PROGRAMS = [
    (carried_scalar, [(0.7,), (-1.2,)], 0),
    (carried_vector, [(RNG.normal(size=3), RNG.normal(size=3))], (0, 1)),
    (branch_in_loop, [(RNG.normal(size=3),), (-numpy.ones(3),)], 0),
    (traced_branch, [(0.8,), (-0.6,)], 0),
    (nested_loops, [(0.4,), (1.3,)], 0),
    (bound_in_loop, [(0.5,), (-0.9,)], 0),
    (indexed_rows, [(RNG.normal(size=(5, 3)), RNG.normal(size=3))], (0, 1)),
    (overwritten_in_loop, [(0.7,)], 0),
    (growing_list, [(0.7,)], 0),
    (growing_shape, [(RNG.normal(size=2),)], 0),
    (break_on_counter, [(0.4,)], 0),
    (checkpointed_loop, [(RNG.normal(size=2),)], 0),
    (invariant_slices, [(RNG.normal(size=(4, 3)), RNG.normal(size=3))], (0, 1)),
    (invariant_in_inner_loop, [(RNG.normal(size=2), RNG.normal(size=2))], (0, 1)),
]


def _jax(args):
    return tuple(jnp.asarray(a, dtype=jnp.float64) if isinstance(a, (float, numpy.ndarray)) else a for a in args)


def _nums(argnums) -> tuple[int, ...]:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _tangents(primals, rng):
    return tuple(jnp.asarray(rng.normal(size=numpy.shape(p))) for p in primals)


def _check(f, args, argnums, jit: bool, tol: float = 1e-12):
    """grad and jvp of the structured output against JAX's (and, eagerly, the plain output's); under
    jit, of the differentiated arguments (the others, such as a step count, stay Python values)."""
    args = _jax(args)
    nums = _nums(argnums)
    g = partial_args(f, args, nums)
    primals = tuple(args[i] for i in nums)
    every = tuple(range(len(nums)))
    grad = lax_sct.grad(g, every)
    ours = jax.jit(grad)(*primals) if jit else grad(*primals)
    assert max_error(ours, jax.grad(g, every)(*primals)) < tol, f.__name__
    if not jit:
        assert max_error(ours, plain.grad(g, every)(*primals)) < tol, f.__name__
    tangents = _tangents(primals, numpy.random.default_rng(3))

    def jvp(*ps):
        return lax_sct.jvp(g, ps, tangents)

    ours = jax.jit(jvp)(*primals) if jit else jvp(*primals)
    assert max_error(ours, jax.jvp(g, primals, tangents)) < tol, f.__name__


@pytest.mark.parametrize("f, inputs, argnums", PROGRAMS, ids=[p[0].__name__ for p in PROGRAMS])
@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_programs_match_jax_and_plain_output(f, inputs, argnums, jit):
    for args in inputs:
        _check(f, args, argnums, jit)


@pytest.mark.parametrize("f, inputs, argnums", CASES, ids=[c[0].__name__ for c in CASES])
def test_control_suite_on_jax_inputs(f, inputs, argnums):
    """The whole control-flow suite, eagerly on JAX arrays (concrete tests, trip counts)."""
    for args in inputs[:2]:
        _check(f, args, argnums, jit=False)


@pytest.mark.parametrize("f, inputs, argnums", CASES, ids=[c[0].__name__ for c in CASES])
def test_control_suite_under_jit_is_right_or_refused(f, inputs, argnums):
    """Under jax.jit every program of the suite gives JAX's answer or a clear SCTError naming its
    file and line (a while or a break on a traced value in reverse mode): never a wrong one."""
    args = _jax(inputs[0])
    nums = _nums(argnums)
    g = partial_args(f, args, nums)
    primals = tuple(args[i] for i in nums)
    every = tuple(range(len(nums)))
    try:
        ours = jax.jit(lax_sct.grad(g, every))(*primals)
    except SCTError as e:  # in f or in a function it calls
        assert e.filename.endswith(".py") and e.line > 0
        assert "traced" in str(e)
        return
    except jax.errors.ConcretizationTypeError:  # Python control flow on a traced value that SCT does not own
        return
    assert max_error(ours, jax.grad(g, every)(*primals)) < 1e-12


# --- workloads with loops -------------------------------------------------------------


@pytest.mark.parametrize("name", ["lstm", "ode", "llsq", "loop_accumulate", "chain", "det", "piecewise"])
def test_workloads_under_jit(name):
    w = workloads.get(name)
    size = "small" if name in ("lstm", "ode", "llsq") else "tiny"
    args = w.inputs(size, backend="jax")
    _check(w.natural, args, w.argnums, jit=True, tol=1e-10)
    _check(w.natural, args, w.argnums, jit=False, tol=1e-10)


def test_while_in_forward_mode_is_a_while_loop():
    f = jax.jit(lambda x: lax_sct.jvp(newton_sqrt, (x,), (1.0,)))
    for x in (2.0, 0.3, 9.0):
        assert max_error(f(jnp.float64(x)), jax.jvp(newton_sqrt, (x,), (1.0,))) < 1e-12
    jaxpr = jax.make_jaxpr(lambda x: lax_sct.jvp(newton_sqrt, (x,), (1.0,)))(jnp.float64(2.0))
    assert "while" in _primitives(jaxpr.jaxpr)


# --- the shape of the output ------------------------------------------------------------


def _primitives(jaxpr) -> list[str]:
    out = []
    for eq in jaxpr.eqns:
        out.append(eq.primitive.name + ("-reverse" if eq.params.get("reverse") else ""))
        for p in eq.params.values():
            for sub in (p if isinstance(p, (tuple, list)) else [p]):
                inner = getattr(sub, "jaxpr", None)
                if inner is not None:
                    out += _primitives(getattr(inner, "jaxpr", inner))
    return out


def _lstm_args(c: int):
    return workloads.get("lstm").make_inputs((2, 3, c), numpy.random.default_rng(0))


def test_generated_source_has_scans_and_no_python_loop_for_the_converted_loop():
    text = lax_sct.source(lstm_segment, "reverse", (0, 1, 2, 3))
    fwd, bwd = text.split("def lstm_segment_bwd")
    assert "scan_fwd(_range1, loop_fwd" in fwd and "for t in" not in fwd
    assert "scan_bwd(_range1, loop_bwd" in bwd and "reversed(_range1)" not in bwd
    assert "for j in _range2" in fwd  # the inner loop grows a list: kept as Python, unrolled in the body
    forward = lax_sct.source(lstm_segment, "forward", (0, 1, 2, 3))
    assert "scan_loop(_range1, loop_body" in forward and "for t in" not in forward
    assert "scan_fwd" not in plain.source(lstm_segment, "reverse", (0, 1, 2, 3))  # the cache keys on control
    assert "cond_fwd(" in lax_sct.source(traced_branch) and "while_loop(" in lax_sct.source(newton_sqrt, "forward")


def test_compiled_program_is_a_forward_and_a_reverse_scan_whatever_the_length():
    sizes = {}
    for c in (6, 12):
        args = tuple(jnp.asarray(a) for a in _lstm_args(c))
        prims = _primitives(jax.make_jaxpr(lax_sct.grad(lstm, (0, 1)))(*args).jaxpr)
        assert "scan" in prims and "scan-reverse" in prims
        sizes[c] = len(prims)
    assert sizes[6] == sizes[12]  # nothing unrolled: the program does not grow with the sequence
    prims = _primitives(jax.make_jaxpr(lambda x: lax_sct.grad(traced_branch)(x))(jnp.float64(0.3)).jaxpr)
    assert prims.count("cond") == 2  # the branch in both sweeps


def _forward_scan_outputs(f, *args) -> list[int]:
    """How many values each forward (not reversed) scan of jit(grad(f)) gives back, before jit's DCE."""
    out = []

    def walk(jaxpr):
        for eq in jaxpr.eqns:
            if eq.primitive.name == "scan" and not eq.params["reverse"]:
                out.append(len(eq.outvars))
            for p in eq.params.values():
                inner = getattr(p, "jaxpr", None)
                if inner is not None:
                    walk(getattr(inner, "jaxpr", inner))

    walk(jax.make_jaxpr(lax_sct.grad(f, tuple(range(len(args)))))(*args).jaxpr)
    return out


def test_loop_invariant_saves_are_not_stacked():
    w, x = jnp.asarray(RNG.normal(size=(4, 3))), jnp.asarray(RNG.normal(size=3))
    (inside,), (outside,) = _forward_scan_outputs(invariant_slices, w, x), _forward_scan_outputs(
        slices_before_the_loop, w, x)
    assert inside <= outside  # the slices and sin(w[3]) read in the loop are kept once, as if computed before it
    for c in (6, 12):  # lstm: its weights' rows are read every step; only what the step changes is stacked
        args = tuple(jnp.asarray(a) for a in _lstm_args(c))
        (lstm_outputs,) = _forward_scan_outputs(partial_args(lstm, args, (0, 1)), *args[:2])
        assert lstm_outputs <= 45  # 52 when every slice of the weights was stacked per step


def test_checkpointed_range_in_forward_mode_is_a_scan():
    x = jnp.asarray(RNG.normal(size=2))
    jaxpr = jax.make_jaxpr(lambda x: lax_sct.jvp(checkpointed_loop, (x,), (jnp.ones(2),)))(x)
    assert "scan" in _primitives(jaxpr.jaxpr)


def test_loops_kept_in_python_form_warn_under_jit_naming_their_line():
    from adcompare.engines.sct.emit.lax_runtime import UnrolledLoopWarning
    x = jnp.float64(0.7)
    cases = [(growing_list, "grows the list 'rows'", lax_sct.grad(growing_list)),
             (growing_shape, "carried state changes", lax_sct.grad(growing_shape)),
             (break_on_counter, "has a break", lax_sct.grad(break_on_counter)),
             (checkpointed_loop, "checkpointed range", lax_sct.grad(checkpointed_loop)),
             (break_on_counter, "has a break", lambda x: lax_sct.jvp(break_on_counter, (x,), (1.0,)))]
    for f, why, derivative in cases:
        arg = jnp.asarray(RNG.normal(size=2)) if f in (growing_shape, checkpointed_loop) else x
        with pytest.warns(UnrolledLoopWarning, match=why) as record:
            jax.jit(derivative)(arg)
        line = next(n for n, text in enumerate(inspect.getsourcelines(f)[0]) if "for " in text)
        assert any(w.filename == __file__ and w.lineno == inspect.getsourcelines(f)[1] + line for w in record)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnrolledLoopWarning)  # concrete values: nothing unrolled, no warning
        assert max_error(lax_sct.grad(growing_list)(x), jax.grad(growing_list)(x)) < 1e-12


def test_numpy_arrays_beside_jax_inputs_keep_the_loop_structured():
    # the inactive arguments (lstm's state and text) closed over as NumPy arrays, as jax.jit users do:
    # the loop body indexes them by its counter, which lax.scan traces
    sizes = {}
    for c in (6, 12):
        args = _lstm_args(c)
        params = tuple(jnp.asarray(a) for a in args[:2])
        f = partial_args(lstm, (*params, *args[2:]), (0, 1))
        prims = _primitives(jax.make_jaxpr(lax_sct.grad(f, (0, 1)))(*params).jaxpr)
        assert "scan" in prims and "scan-reverse" in prims
        sizes[c] = len(prims)
        ours = jax.jit(lax_sct.grad(f, (0, 1)))(*params)
        assert max_error(ours, jax.grad(lstm, (0, 1))(*params, *args[2:])) < 1e-12
    assert sizes[6] == sizes[12]


def test_forms_it_cannot_express_keep_the_python_loop():
    for f, x in ((growing_list, jnp.float64(0.7)), (growing_shape, jnp.asarray(RNG.normal(size=2)))):
        assert "scan" not in _primitives(jax.make_jaxpr(lax_sct.grad(f))(x).jaxpr)
        assert max_error(jax.jit(lax_sct.grad(f))(x), jax.grad(f)(x)) < 1e-12


def test_numpy_inputs_use_the_plain_output():
    x = RNG.normal(size=3)
    w = RNG.normal(size=3)
    ours = lax_sct.grad(carried_vector, (0, 1))(x, w)
    assert all(type(g) is numpy.ndarray for g in ours)
    assert max_error(ours, jax.grad(carried_vector, (0, 1))(*_jax((x, w)))) < 1e-12


def test_break_on_a_traced_value_in_reverse_mode_is_refused_by_line():
    line = inspect.getsourcelines(loop_with_break)[1] + 3  # the if holding the break
    with pytest.raises(SCTError, match="break or raise") as info:
        jax.jit(lax_sct.grad(loop_with_break))(jnp.float64(0.5))
    assert info.value.line == line and info.value.filename == __file__
    assert "forward mode (jvp)" in str(info.value)
    with pytest.raises(SCTError, match="break or raise") as info:  # forward mode: no hint to use it
        jax.jit(lambda x: lax_sct.jvp(loop_with_break, (x,), (1.0,)))(jnp.float64(0.5))
    assert info.value.line == line and "forward mode (jvp)" not in str(info.value)
    assert max_error(lax_sct.grad(loop_with_break)(jnp.float64(0.5)), jax.grad(loop_with_break)(0.5)) < 1e-12


def test_while_on_a_traced_value_in_reverse_mode_is_refused_by_line():
    with pytest.raises(SCTError, match="while loop in reverse mode") as info:
        jax.jit(lax_sct.grad(newton_sqrt))(jnp.float64(2.0))
    assert info.value.line == inspect.getsourcelines(newton_sqrt)[1] + 3
    assert info.value.filename == inspect.getsourcefile(newton_sqrt)


def test_branch_sides_of_different_shapes_are_refused_by_line():
    line = inspect.getsourcelines(sides_differ)[1] + 1
    for derivative in (lax_sct.grad(sides_differ), lambda x: lax_sct.jvp(sides_differ, (x,), (1.0,))):
        with pytest.raises(SCTError, match="different structures, shapes or types") as info:
            jax.jit(derivative)(jnp.float64(0.5))
        assert info.value.line == line
    assert max_error(lax_sct.grad(sides_differ)(jnp.float64(0.5)), 2.0) < 1e-12  # concrete: the Python branch


def test_control_option_is_checked():
    with pytest.raises(ValueError, match="control must be"):
        SCTEngine(control="scan")


def repeated_sine(x, n):
    for _i in range(n):
        x = anp.sin(x)
    return x


def test_traced_trip_count_is_refused_by_line():
    line = inspect.getsourcelines(repeated_sine)[1] + 1
    assert max_error(lax_sct.grad(repeated_sine)(jnp.float64(0.3), 3), jax.grad(repeated_sine)(0.3, 3)) < 1e-12
    for derivative in (lax_sct.grad(repeated_sine), lambda x, n: lax_sct.jvp(repeated_sine, (x, n), (1.0, 0.0))):
        with pytest.raises(SCTError, match="range has a traced bound") as info:
            jax.jit(derivative)(0.3, 3)
        assert info.value.line == line and info.value.filename == __file__
