"""ad.checkpoint: the same gradients (to 1e-12, and as JAX's), fewer kept bytes, recomputation."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare import workloads
from adcompare.engine import partial_args
from adcompare.measure import worker
from adcompare.measure.cell import Cell
from adcompare.measure.footprint import kept_bytes, traced_peak
from adcompare.oracle import compare, form, max_error

TAPE_ENGINES = ("overloading", "elemental")
SIZES = {"lstm": (2, 3, 10), "ode": (6, 12)}


def gradient_and_kept(eng, w, size):
    args = w.inputs(size)
    f = partial_args(form(eng, w), args, w.argnums)
    active = tuple(args[i] for i in w.argnums)
    grads = eng.grad(f, tuple(range(len(active))))(*active)
    return grads, kept_bytes(eng.vjp(f, *active)[1])


@pytest.mark.parametrize("schedule", ["step", "sqrt", "4"])
@pytest.mark.parametrize("problem", ["lstm", "ode"])
@pytest.mark.parametrize("name", TAPE_ENGINES + ("sct",))
def test_checkpointing_keeps_the_gradient_and_drops_kept_bytes(name, problem, schedule):
    eng, size = ad.engine(name), SIZES[problem]
    plain, kept_plain = gradient_and_kept(eng, workloads.get(problem), size)
    w = workloads.get(f"{problem}@{schedule}")
    checkpointed, kept = gradient_and_kept(eng, w, size)
    assert max_error(checkpointed, plain) < 1e-12
    assert kept < kept_plain / 2
    assert compare(eng, w, "grad", size=size) < 1e-12  # JAX: jax.grad through jax.checkpoint


def test_sqrt_segments_keep_far_less_than_steps_on_a_long_sequence():
    eng = ad.engine("overloading")
    _, kept_plain = gradient_and_kept(eng, workloads.get("lstm"), (2, 14, 101))
    _, kept_step = gradient_and_kept(eng, workloads.get("lstm@step"), (2, 14, 101))
    _, kept_sqrt = gradient_and_kept(eng, workloads.get("lstm@sqrt"), (2, 14, 101))
    assert kept_sqrt < kept_step < kept_plain / 5
    # √n: 10 segments keep a state (448 B) and a running total (8 B) each, beside the
    # parameters (2,128 B) and the sequence (11,312 B) that every call reads; the pull-back
    # also holds the output (8 B).
    assert kept_sqrt == 10 * (448 + 8) + 2128 + 101 * 14 * 8 + 8


@pytest.mark.parametrize("name", TAPE_ENGINES)
def test_the_peak_drops_too_each_recomputed_tape_is_released_after_its_sweep(name):
    eng = ad.engine(name)

    def peak(w):
        args = w.inputs((2, 14, 101))
        g = eng.grad(partial_args(form(eng, w), args, w.argnums), (0, 1))
        return traced_peak(lambda: g(*args[:2]))

    assert peak(workloads.get("lstm@sqrt")) < peak(workloads.get("lstm")) / 3


@pytest.mark.parametrize("name", TAPE_ENGINES)
def test_hessian_through_a_checkpointed_function(name):
    eng, w = ad.engine(name), workloads.get("ode@step")
    assert compare(eng, w, "hessian", size=(4, 3)) < 1e-12  # both compositions
    x, rest = w.inputs((4, 3))[0], w.inputs((4, 3))[1:]
    plain = workloads.get("ode")
    for how in ("fwd-rev", "rev-rev"):
        h = eng.hessian(lambda v: form(eng, w)(v, *rest), mode=how)(x)
        h_plain = eng.hessian(lambda v: form(eng, plain)(v, *rest[:2]), mode=how)(x)
        assert max_error(h, h_plain) < 1e-12


runs = [0]


def damped(w, y):
    runs[0] += 1
    return anp.tanh(w * y) + anp.sin(y) * w


def damped_el(w, y):
    runs[0] += 1
    return el.add(el.tanh(el.multiply(w, y)), el.multiply(el.sin(y), w))


@pytest.mark.parametrize("name", TAPE_ENGINES)
def test_a_checkpointed_step_called_in_a_loop_is_recomputed_once_per_cotangent(name):
    step = ad.checkpoint(damped_el if name == "elemental" else damped)
    plain = damped_el if name == "elemental" else damped

    def loop(w, y, fn):
        for _ in range(20):
            y = fn(w, y)
        return y

    eng = ad.engine(name)
    w, y0 = np.linspace(0.1, 0.9, 3), np.linspace(-1.0, 1.0, 3)
    runs[0] = 0
    jac = eng.jacrev(lambda v: loop(v, y0, step))(w)
    assert runs[0] == 20 + 20 * 3  # the forward sweep, then once per step and per output row
    assert max_error(jac, eng.jacrev(lambda v: loop(v, y0, plain))(w)) < 1e-12
    y_dot = eng.jvp(lambda v: loop(v, y0, step), (w,), (y0,))[1]  # forward mode just runs it
    assert max_error(y_dot, eng.jvp(lambda v: loop(v, y0, plain), (w,), (y0,))[1]) < 1e-12


def test_jax_sees_jax_checkpoint():
    w = workloads.get("ode@step")
    x, lower, steps, every = w.inputs((4, 2), backend="jax")
    jaxpr = jax.make_jaxpr(lambda v: w.natural(v, lower, steps, every))(x)
    names = [e.primitive.name for e in jaxpr.jaxpr.eqns]
    assert sum("remat" in n or "checkpoint" in n for n in names) == 2  # jax.checkpoint, once per step


def test_checkpointing_on_jax_arrays():
    eng = ad.engine("overloading")
    w = workloads.get("lstm@sqrt")
    assert compare(eng, w, "grad", size=SIZES["lstm"], backend="jax") < 1e-12


@pytest.mark.parametrize("schedule", ["", "@step", "@sqrt", "@4"])
@pytest.mark.parametrize("problem", ["lstm", "ode"])
def test_the_lax_scan_forms_match_the_natural_form(problem, schedule):
    w = workloads.get(problem + schedule)
    args = w.inputs(SIZES[problem], backend="jax")
    active = tuple(range(len(w.argnums)))
    scanned = jax.jit(jax.grad(partial_args(w.scan, args, w.argnums), active))(*(args[i] for i in w.argnums))
    natural = jax.grad(partial_args(w.natural, args, w.argnums), active)(*(args[i] for i in w.argnums))
    assert max_error(scanned, natural) < 1e-12


def test_segment_lengths_and_bad_schedules():
    assert workloads.segment_length("sqrt", 4095) == 64
    assert workloads.segment_length("step", 4095) == 1
    assert workloads.get("ode@sqrt").inputs((10, 100))[-1] == 10
    with pytest.raises(ValueError, match="'step', 'sqrt' or a number"):
        workloads.get("lstm@often")
    with pytest.raises(ValueError, match="gmm has no checkpointed form"):
        workloads.get("gmm@step")
    assert "lstm@step" not in workloads.names()


def test_the_rule_called_straight_from_the_table():
    segment = ad.checkpoint(damped)
    w, y = np.array([0.3, 0.6]), np.array([1.0, -0.5])
    ans = segment(w, y)
    g = np.array([1.0, 2.0])
    bars = (segment.vjps[0](ans, w, y)(g), segment.vjps[1](ans, w, y)(g))
    assert max_error(bars, ad.engine("overloading").vjp(damped, w, y)[1](g)) < 1e-15
    y_dot = segment.jvps[1](g, ans, w, y)
    assert max_error(y_dot, ad.engine("overloading").jvp(lambda v: damped(w, v), (y,), (g,))[1]) < 1e-15


def test_static_arguments_must_not_be_active():
    segment = ad.checkpoint(lambda y, h: y * h, static_argnums=(1,))
    with pytest.raises(TypeError, match="argument 1 of checkpoint function"):
        ad.engine("overloading").grad(lambda h: segment(2.0, h))(0.5)


@pytest.mark.parametrize("tool", ["overloading", "jax+scan"])
def test_a_checkpointed_workload_is_a_measurement_cell(tool):
    (row,) = worker.measure(Cell("bench", tool, "lstm@sqrt", (2, 3, 10), samples=1, min_sample_s=0.0))
    assert row["status"] == "ok", row.get("note")
    assert row["kept_bytes"] > 0


def test_sct_honours_a_checkpointed_function():
    w = workloads.get("ode@step")
    assert compare(ad.engine("sct"), w, "grad", size=SIZES["ode"]) < 1e-12


def test_kept_bytes_of_jax_drop_too():
    from adcompare.measure.footprint import jax_residual_bytes

    def kept(w):
        args = w.inputs((6, 40), backend="jax")
        return jax_residual_bytes(jax.vjp(partial_args(w.scan, args, w.argnums), args[0])[1])

    assert kept(workloads.get("ode@sqrt")) < kept(workloads.get("ode")) / 5
    assert jnp.isfinite(jnp.asarray(kept(workloads.get("ode@step"))))
