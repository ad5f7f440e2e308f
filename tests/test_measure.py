"""The measurement harness itself: hand counts, CSV columns, skipped peers, bad options."""

from __future__ import annotations

import csv

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare import workloads
from adcompare.measure import bench, costs, tools, worker
from adcompare.measure.cell import Cell
from adcompare.measure.footprint import kept_bytes
from adcompare.measure.opcount import count
from adcompare.measure.timing import time_call


def sin_times_x(x):
    return anp.sin(x) * x


def test_op_counts_match_a_hand_count():
    # f: sin, multiply.
    assert count(sin_times_x, (0.3,), (0,)).total == 2
    # grad: f's 2 ops, then multiply's pull-backs (g*x and x*g: 2 multiplies), sin's
    # pull-back (cos and a multiply) and one add where x's two cotangents meet: 7.
    eng = ad.engine("overloading")
    assert count(eng.grad(sin_times_x), (0.3,), (0,)).total == 7
    # rosenbrock: 2 slices, 3 powers, 2 subtracts, a multiply, an add, a sum.
    rosen = workloads.get("rosenbrock")
    assert dict(count(rosen.natural, rosen.inputs("tiny"), (0,))) == {
        "getitem": 2, "power": 3, "subtract": 2, "multiply": 1, "add": 1, "sum": 1}


def test_intermediate_bytes_are_the_results_of_f():
    x = np.ones(100)
    log = count(lambda v: anp.sum(anp.exp(v) * v), (x,), (0,))
    assert log.bytes_out == 800 + 800 + 8  # exp, multiply, then the scalar sum


def test_kept_bytes_match_a_hand_count():
    eng = ad.engine("overloading")
    _, f_vjp = eng.vjp(lambda v: anp.sum(anp.exp(v) * v), np.ones(100))
    # exp keeps its result (800 B, reused by multiply as its y); multiply keeps v (800 B) and
    # exp(v) (the same 800 B array); sum keeps nothing but a shape; the pull-back holds the output (8 B).
    assert kept_bytes(f_vjp) == 1608
    del f_vjp  # the engine keeps nothing once the user lets the pull-back go
    assert not hasattr(eng, "last_tape") and not hasattr(eng, "kept_bytes")


def test_timing_reports_a_median_inside_its_quartiles():
    t = time_call(lambda: sum(range(1000)), samples=5, min_sample_s=0.001)
    assert t.q1 <= t.median <= t.q3 and t.calls >= 1 and t.samples == 5


def test_bench_writes_every_column(tmp_path):
    out = tmp_path / "bench.csv"
    specs = bench.cells(["seed"], ["tiny"], ["overloading"], ["grad"], "numpy", samples=3, min_sample_s=0.001)
    rows = bench.run(specs, out, progress=None)
    with open(out) as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == costs.COLUMNS
        written = list(reader)
    assert rows[0]["status"] == "ok", rows[0]["note"]
    for column in ("primal_s", "derivative_s", "ratio", "ops_f", "ops_derivative", "kept_bytes",
                   "intermediate_bytes", "primal_peak_bytes", "cpu", "jax", "numpy", "date", "settings"):
        assert written[0][column] != "", column
    assert "OMP_NUM_THREADS=1" in written[0]["settings"]


def test_a_missing_peer_is_skipped_with_a_note(monkeypatch):
    monkeypatch.setattr(tools, "available", lambda peer: False)
    (row,) = worker.measure(Cell("bench", "autograd", "seed", "tiny", "grad"))
    assert row["status"] == "skipped" and "not installed" in row["note"]


def test_autograd_forward_mode_is_measured():
    """autograd has forward mode (make_jvp): its jvp and forward-over-reverse cells run (their
    answers against JAX: tests/test_measure_autograd.py)."""
    pytest.importorskip("autograd")
    for mode in ("jvp", "hvp"):
        (row,) = worker.measure(Cell("bench", "autograd", "rosenbrock", "tiny", mode))
        assert row["status"] == "ok", row["note"]


@pytest.mark.parametrize("argv, message", [
    (["--problems", "nope"], "unknown problem 'nope'"),
    (["--tools", "tapenade"], "unknown tool 'tapenade'"),
    (["--modes", "sideways"], "unknown mode 'sideways'"),
    (["--problems", "rosenbrock", "--sizes", "huge"], "unknown size 'huge' of rosenbrock"),
])
def test_bad_options_get_a_clear_error(argv, message, capsys):
    from adcompare.cli import main

    assert main(["bench", *argv]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("peer", ["autograd", "torch"])
@pytest.mark.parametrize("problem", ["rosenbrock", "gmm", "lstm", "piecewise"])
def test_peers_differentiate_the_same_source_as_jax(peer, problem):
    """The vocabulary dispatches on autograd boxes and torch tensors: same source, same gradient."""
    pytest.importorskip(peer)
    import jax

    from adcompare.engine import partial_args
    from adcompare.oracle import max_error

    w = workloads.get(problem)
    args = w.inputs("tiny", seed=2)
    every = tuple(range(len(w.argnums)))
    args_jax = w.inputs("tiny", 2, "jax")
    expected = jax.grad(partial_args(w.natural, args_jax, w.argnums), every)(
        *(args_jax[i] for i in w.argnums))
    prepared = tools.prepare(peer, w, tools.to_torch(args) if peer == "torch" else args, "grad")
    ours = prepared.derivative()
    ours = tuple(np.asarray(g.detach().cpu()) if hasattr(g, "detach") else np.asarray(g) for g in ours)
    assert max_error(ours, tuple(expected)) < 1e-10


# --------------------------------------------------------------------------
# Measurement needs no state in the engines and no hook in the core


def test_op_counts_are_a_trace_on_any_backend():
    import jax.numpy as jnp

    assert dict(count(sin_times_x, (jnp.asarray(0.3),), (0,))) == {"sin": 1, "multiply": 1}
    assert count(sin_times_x, (0.3,), ()).total == 0  # nothing active: nothing of f's dataflow


@pytest.mark.parametrize("name", ad.ENGINES)
def test_the_pullback_alone_keeps_the_residuals_alive(name):
    """Every array the pull-back reaches, but the input, dies with it: the engine keeps none."""
    import gc
    import weakref

    from adcompare.measure.footprint import reachable

    eng = ad.engine(name)
    f = getattr(workloads.get("lse"), eng.source_form)
    x = np.linspace(0.0, 1.0, 50)
    _, f_vjp = eng.vjp(f, x)
    kept = [weakref.ref(v) for v in reachable(f_vjp) if isinstance(v, np.ndarray) and v is not x]
    assert kept and kept_bytes(f_vjp) >= 50 * 8
    del f_vjp
    gc.collect()
    assert [r for r in kept if r() is not None] == []


def test_kept_bytes_of_sct_are_its_residuals():
    def f(v):
        return anp.sum(anp.exp(v) * v)

    _, f_vjp = ad.engine("sct").vjp(f, np.ones(100))
    # f_fwd keeps exp(v) and v (see eng.source(f)), the sum's pull-back only a shape: 2 x 800 B; and
    # the output, 8 B.
    assert kept_bytes(f_vjp) == 2 * 800 + 8


def test_each_engine_declares_its_source_form():
    from adcompare.oracle import form

    w = workloads.get("rosenbrock")
    assert {name: form(ad.engine(name), w) for name in ad.ENGINES} == {
        "overloading": w.natural, "sct": w.natural, "elemental": w.elemental}

    class ElementalOnly(ad.Engine):
        source_form = "elemental"

    assert form(ElementalOnly(), w) is w.elemental


def test_cells_of_every_kind_share_one_protocol():
    from adcompare.measure import fresh

    cells = [Cell("opcounts", "overloading", "seed", "tiny"),
             Cell("bench", "overloading", "seed", "tiny", samples=1, min_sample_s=0.0, tags={"length": 7}),
             Cell("sideways", "overloading", "seed")]
    opcounts, (bench_row,), (failed,) = fresh.run(cells, timeout=300)
    assert opcounts[0]["ops_f"] == count(workloads.get("seed").natural, workloads.get("seed").inputs("tiny"),
                                         workloads.get("seed").argnums).total
    assert bench_row["status"] == "ok" and bench_row["length"] == 7 and bench_row["size"] == "tiny"
    assert failed["status"] == "error" and "unknown cell kind 'sideways'" in failed["note"]


def test_a_raw_size_is_a_value_and_its_tags_are_columns(tmp_path):
    out = tmp_path / "sweep.csv"
    rows = bench.run([Cell("bench", "overloading", "lstm", (2, 3, 4), samples=1, min_sample_s=0.0,
                           tags={"length": 4})], out, progress=None)
    assert rows[0]["status"] == "ok", rows[0]["note"]
    with open(out) as fh:
        (written,) = list(csv.DictReader(fh))
    assert written["size"] == "2x3x4" and written["length"] == "4"


def test_a_counted_value_can_be_written_into_by_index():
    """``anp.zeros_like`` of a counted value is a counted constant (gmm and ode write into one)."""
    def f(x):
        y = anp.zeros_like(x)
        y[0] = anp.sin(x[0])
        return anp.sum(y)

    log = count(f, (np.ones(3),), (0,))
    assert log["sin"] == 1 and log["sum"] == 1 and log["getitem"] == 1


# --------------------------------------------------------------------------
# SCT configurations as tools; a cell that raises is data; a cell held against JAX


SCT_TOOLS = ("sct:boxes", "sct:sct", "sct:lax", "sct:boxes+jit", "sct:sct+jit", "sct:lax+jit")


def test_the_sct_configurations_are_tools():
    from adcompare.engines.sct import SCTEngine

    assert set(SCT_TOOLS) <= set(tools.all_tools())
    assert tools.split("sct:lax+jit") == ("sct", "lax", "jit") and tools.split("jax+scan") == ("jax", "", "scan")
    eng = tools.engine_of("sct:boxes")
    assert isinstance(eng, SCTEngine) and eng.higher == "boxes"
    assert tools.backend_of("sct:sct", "numpy") == "numpy"
    assert tools.backend_of("sct:lax", "numpy") == "jax" and tools.backend_of("sct:sct+jit", "numpy") == "jax"
    with pytest.raises(ValueError, match="unknown tool 'sct:nope'"):
        tools.engine_of("sct:nope")


def test_bench_accepts_the_sct_configurations(monkeypatch, capsys):
    from adcompare.cli import main

    ran = []
    monkeypatch.setattr(bench, "run", lambda cells, *a, **k: ran.extend(cells) or [])
    assert main(["bench", "--problems", "rosenbrock", "--sizes", "tiny", "--tools", *SCT_TOOLS, "--check"]) == 0
    assert [c.tool for c in ran] == list(SCT_TOOLS) and all(c.options == {"check": True} for c in ran)
    assert main(["bench", "--tools", "sct:nope"]) == 2
    assert "unknown tool 'sct:nope'" in capsys.readouterr().err


@pytest.mark.parametrize("tool, mode, against", [
    ("sct:boxes", "hessian", True), ("sct:boxes", "hvp", "jax+jit"), ("sct:sct", "hessian", "jax+jit"),
    ("sct:sct", "hvp-rr", True), ("sct:lax", "grad", True)])
def test_each_sct_configuration_gives_a_checked_number_or_a_reason(tool, mode, against):
    """Whatever the engine builds today: a cell that ran agrees with JAX (eager, or jitted with the same
    tangents); one that did not says why."""
    (row,) = worker.measure(Cell("bench", tool, "rosenbrock", "tiny", mode, samples=1, min_sample_s=0.0,
                                 options={"check": against}))
    assert row["status"] in ("ok", "unsupported"), row["note"]
    if row["status"] == "ok":
        assert row["max_error"] < 1e-9
    else:
        assert row["note"].startswith("NotImplementedError") or row["note"].startswith("SCTError")


def test_an_option_not_built_is_unsupported_with_its_message(monkeypatch):
    def not_built(tool):
        raise NotImplementedError(f"{tool} is not built yet")

    monkeypatch.setattr(tools, "engine_of", not_built)
    (row,) = worker.measure(Cell("bench", "sct:sct", "rosenbrock", "tiny", "hessian"))
    assert row["status"] == "unsupported" and row["note"] == "NotImplementedError: sct:sct is not built yet"
    (row,) = worker.measure(Cell("jit-stages", "sct:lax+jit", "lstm", (2, 3, 4)))
    assert row["status"] == "unsupported" and "sct:lax+jit is not built yet" in row["note"]


def test_a_wrong_derivative_is_caught_by_the_check(monkeypatch):
    prepare = tools.prepare

    def off_by_one(tool, *args, **kwargs):  # the tool's derivative off, JAX's reference left alone
        prepared = prepare(tool, *args, **kwargs)
        if tool != "jax":
            right = prepared.derivative
            prepared.derivative = lambda: tuple(g + 1.0 for g in right())
        return prepared

    cell = Cell("bench", "sct", "rosenbrock", "tiny", "grad", samples=1, min_sample_s=0.0, options={"check": True})
    (row,) = worker.measure(cell)
    assert row["status"] == "ok" and row["max_error"] < 1e-12
    monkeypatch.setattr(tools, "prepare", off_by_one)
    (row,) = worker.measure(cell)
    assert row["status"] == "wrong" and row["max_error"] > 1e-6 and "against JAX" in row["note"]


def test_a_missing_torch_is_skipped_before_any_tensor_is_made(monkeypatch):
    monkeypatch.setattr(tools, "available", lambda peer: peer != "torch")
    (row,) = worker.measure(Cell("bench", "torch", "rosenbrock", "tiny", "hessian"))
    assert row["status"] == "skipped" and "torch is not installed" in row["note"]


def test_jit_stages_time_any_staged_tool(monkeypatch):
    (scan,) = worker.measure(Cell("jit-stages", "jax+scan", "lstm", (2, 3, 4), samples=1, min_sample_s=0.0))
    assert scan["status"] == "ok" and scan["staging_s"] == scan["trace_s"] + scan["lower_s"] + scan["compile_s"]
    (eager,) = worker.measure(Cell("jit-stages", "sct", "lstm", (2, 3, 4)))
    assert eager["status"] == "error" and "not staged by jax.jit" in eager["note"]
    # a stand-in for the structured-output option: the variant's code path with an engine that runs
    monkeypatch.setitem(tools.SCT_VARIANTS, "lax", {})
    (lax,) = worker.measure(Cell("jit-stages", "sct:lax+jit", "lstm", (2, 3, 4), samples=1, min_sample_s=0.0,
                                 options={"check": "jax+scan"}))
    assert lax["status"] == "ok" and lax["max_error"] < 1e-9 and lax["jit_s"] > 0


@pytest.mark.parametrize("name", ad.ENGINES)
def test_hvp_rr_of_a_function_of_several_arguments_matches_jax(name):
    """The harness's reverse-over-reverse HVP (the gradient of <grad f, v> in the first argument, the rest
    fixed) on gmm's four active arguments: the outer function a source transformation reads takes no *args."""
    import jax

    from adcompare.engine import partial_args
    from adcompare.measure.modes import derivative_of
    from adcompare.oracle import form, max_error

    w, eng = workloads.get("gmm"), ad.engine(name)
    answers = []
    for api, source, backend in ((eng, form(eng, w), "numpy"), (jax, w.natural, "jax")):
        args = w.inputs("tiny", 1, backend)
        active = tuple(args[i] for i in w.argnums)
        answers.append(derivative_of(api, partial_args(source, args, w.argnums), active, "hvp-rr",
                                     np.random.default_rng(3))())
    assert max_error(*answers) < 1e-9
