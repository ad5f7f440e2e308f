"""The elemental library and its engine.

The derivatives of every elemental form against JAX (jvp, vjp, grad, hessian;
both backends; three seeds) are checked by ``test_engines.py``, which runs every
engine in ``ad.ENGINES`` on every problem; here we make sure that covers all of
them, and test what is the elemental library's own: values equal to the natural
form's, refused operators, constants, nesting, the tape, and the usability table.
"""

from __future__ import annotations

import inspect
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare import cli, workloads
from adcompare.engines.elemental import CallTape
from adcompare.measure import source_size
from adcompare.measure.footprint import held, kept_bytes
from adcompare.oracle import max_error

eng = ad.engine("elemental")
PROBLEMS = workloads.names()


def test_every_problem_has_an_elemental_form_in_the_jax_matrix():
    assert "elemental" in ad.ENGINES  # so test_engines.py checks it against JAX
    assert [name for name in PROBLEMS if workloads.get(name).elemental is None] == []


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("problem", PROBLEMS)
def test_elemental_form_computes_the_natural_value(problem, backend):
    w = workloads.get(problem)
    for seed in range(3):
        args = w.inputs("tiny", seed, backend)
        y_elemental, y_natural = w.elemental(*args), w.natural(*args)
        assert type(y_elemental) is type(y_natural)  # same backend, no box left
        assert max_error(y_elemental, y_natural) < 1e-13, f"{problem}/{backend} seed {seed}"


def test_library_has_the_vocabulary_names_plus_primal():
    vocabulary = {n for n, v in vars(anp).items() if not n.startswith("_") and n != "annotations"
                  and not inspect.ismodule(v)}
    assert set(el.__all__) == vocabulary | {"primal"}
    assert all(hasattr(el, n) for n in el.__all__)


# --------------------------------------------------------------------------
# Operators and comparisons are refused, in both modes


OPERATORS = [
    (lambda x, y: x * y, r"use el\.multiply\(x, y\)"),
    (lambda x, y: 2.0 * x, r"use el\.multiply\(x, y\)"),
    (lambda x, y: np.ones(3) * x, r"use el\.multiply\(x, y\)"),
    (lambda x, y: jnp.ones(3) * x, r"use el\.multiply\(x, y\)"),
    (lambda x, y: x + 1.0, r"use el\.add\(x, y\)"),
    (lambda x, y: x - y, r"use el\.subtract\(x, y\)"),
    (lambda x, y: x / y, r"use el\.divide\(x, y\)"),
    (lambda x, y: x**2, r"use el\.power\(x, y\)"),
    (lambda x, y: x @ y, r"use el\.matmul\(x, y\)"),
    (lambda x, y: -x, r"use el\.negative\(x\)"),
    (lambda x, y: abs(x), r"use el\.abs\(x\)"),
    (lambda x, y: x[0], r"use el\.getitem\(x, idx\)"),
    (lambda x, y: len(x), r"use el\.shape\(x\)"),
    (lambda x, y: float(x), r"use el\.primal\(x\)"),
]
COMPARISONS = [lambda x, y: x < 0.5, lambda x, y: x >= y, lambda x, y: x == y,
               lambda x, y: bool(x), lambda x, y: 1.0 if x else 0.0]


def _run_in_both_modes(g):
    """Calls ``g(x, y)`` on elemental values, inside a jvp and inside a vjp."""
    x = np.array([0.5, 1.0, 2.0])

    def f(x):
        g(x, el.sin(x))
        return el.sum(x)

    yield lambda: eng.jvp(f, (x,), (x,))
    yield lambda: eng.vjp(f, x)


@pytest.mark.parametrize("op, message", OPERATORS)
def test_operators_are_refused_naming_the_library_call(op, message):
    for run in _run_in_both_modes(op):
        with pytest.raises(TypeError, match=message):
            run()


@pytest.mark.parametrize("compare", COMPARISONS)
def test_comparisons_are_refused_pointing_to_primal(compare):
    for run in _run_in_both_modes(compare):
        with pytest.raises(TypeError, match=r"compare el\.primal\(x\)"):
            run()


def test_the_natural_form_is_refused_by_the_elemental_engine():
    with pytest.raises(TypeError, match=r"operator \* .* use el\.multiply\(x, y\)"):
        eng.grad(workloads.get("seed").natural)(1.0, 2.0)  # log(x1) + x1 * x2 - sin(x2)


# --------------------------------------------------------------------------
# Constants, backends


def test_library_calls_on_constants_just_compute():
    assert el.sin(0.5) == math.sin(0.5) and type(el.multiply(2.0, 3)) is float
    assert isinstance(el.add(np.ones(2), 1.0), np.ndarray)
    assert isinstance(el.multiply(jnp.ones(2), np.ones(2)), jax.Array)
    assert el.primal(2.5) == 2.5


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_constants_of_every_kind_in_calls(backend):
    xp = np if backend == "numpy" else jnp
    x = xp.asarray([0.3, -1.2, 2.0])
    weights = np.array([1.0, 2.0, 3.0])  # a NumPy constant, whatever the backend
    offset = xp.asarray([0.5, 0.25, 0.125])  # a constant on the inputs' backend (a JAX one on jax)

    def f(x):
        y = el.multiply(el.add(x, 1), weights)  # an int, a NumPy array
        y = el.add(el.power(y, 2), offset)  # an int exponent
        y = el.where(el.primal(x) > 0, y, np.float64(3.0))  # a NumPy scalar
        return el.sum(el.multiply(2.5, y))  # a Python float

    def f_jax(x):
        y = jnp.where(x > 0, ((x + 1) * weights) ** 2 + jnp.asarray(offset), 3.0)
        return jnp.sum(2.5 * y)

    g = eng.grad(f)(x)
    assert isinstance(g, np.ndarray if backend == "numpy" else jax.Array)
    assert max_error(g, jax.grad(f_jax)(jnp.asarray(x))) < 1e-14
    t = xp.asarray([1.0, -1.0, 0.5])
    assert max_error(eng.jvp(f, (x,), (t,)), jax.jvp(f_jax, (jnp.asarray(x),), (jnp.asarray(t),))) < 1e-14


def test_output_that_does_not_depend_on_the_input():
    assert eng.jvp(lambda x: el.sin(2.0), (1.0,), (1.0,)) == (math.sin(2.0), 0.0)
    assert eng.grad(lambda x: el.multiply(3.0, 4.0))(1.0) == 0.0


# --------------------------------------------------------------------------
# Nesting: levels keep derivatives apart, across engines too


def test_no_perturbation_confusion_in_reverse():
    # d/dx [x * d/dy (x + y)] = 1; mixing the levels would give 2.
    assert eng.grad(lambda x: el.multiply(x, eng.grad(lambda y: el.add(x, y))(1.0)))(2.0) == 1.0


def test_no_perturbation_confusion_in_forward():
    def inner(x):
        return eng.jvp(lambda y: el.multiply(x, y), (1.0,), (1.0,))[1]  # = x

    assert eng.jvp(lambda x: el.multiply(x, inner(x)), (3.0,), (1.0,)) == (9.0, 6.0)


def test_third_derivative_by_nesting():
    d3 = eng.grad(eng.grad(eng.grad(lambda x: el.multiply(el.sin(x), x))))
    expected = jax.grad(jax.grad(jax.grad(lambda x: jnp.sin(x) * x)))(0.7)
    assert abs(d3(0.7) - expected) < 1e-14


def test_elemental_inside_overloading():
    overloading = ad.engine("overloading")
    # d/dx [x * d/dy (x * y)] = d/dx x^2 = 2x
    f = lambda x: x * eng.grad(lambda y: el.multiply(x, y))(1.0)  # noqa: E731
    assert overloading.grad(f)(3.0) == 6.0


def test_hessian_both_modes_and_hvp_match_jax():
    w = workloads.get("rosenbrock")
    x = w.inputs("tiny", seed=1)[0]
    v = np.random.default_rng(2).normal(size=x.shape)
    expected = jax.hessian(w.natural)(jnp.asarray(x))
    for mode in ("fwd-rev", "rev-rev"):
        assert max_error(eng.hessian(w.elemental, mode=mode)(x), expected) < 1e-13
    hvp = jax.jvp(jax.grad(w.natural), (jnp.asarray(x),), (jnp.asarray(v),))[1]
    assert max_error(eng.hvp(w.elemental, (x,), (v,)), hvp) < 1e-13


# --------------------------------------------------------------------------
# The tape: one record per library call, swept without recursion


def test_tape_records_each_call_and_keeps_its_operands_and_result():
    x = np.ones(1000)
    _, f_vjp = eng.vjp(lambda v: el.sum(el.multiply(el.sin(v), 2.0)), x)
    (tape,) = held(f_vjp, CallTape)
    assert len(tape) == 4  # the input, sin, multiply, sum
    # sin keeps x and sin(x); multiply keeps sin(x), 2.0 and the product; sum its result.
    assert kept_bytes(f_vjp) == 3 * 8000 + 8 + 8


def test_a_long_chain_does_not_recurse():
    w = workloads.get("chain")
    args = w.make_inputs(20_000, np.random.default_rng(0))
    _, f_vjp = eng.vjp(w.elemental, *args)
    (tape,) = held(f_vjp, CallTape)
    assert len(tape) > 20_000  # far beyond the recursion limit
    g = f_vjp(1.0)[0]
    expected = ad.engine("overloading").grad(w.natural)(*args)  # the same rules, another mechanism
    assert abs(g - expected) <= 1e-12 * abs(expected)


# --------------------------------------------------------------------------
# The usability measure


@pytest.mark.parametrize("row", source_size.table(), ids=lambda r: r.problem)
def test_elemental_form_is_larger_than_the_natural_one(row):
    assert row.elemental is not None
    assert row.natural.lines > 0 and row.natural.nodes > 0
    assert row.elemental.nodes > row.natural.nodes
    assert row.elemental.chars > row.natural.chars


def _helper(x):
    return el.sin(x)


def _uses_helper(x):
    """A docstring is not code."""
    # nor is a comment

    return _helper(x)


def test_usability_counts_helpers_once_and_skips_docstrings_and_comments():
    # _uses_helper: def, return; FunctionDef, arguments, arg, Return, Call, Name, Name
    # _helper: def, return; FunctionDef, arguments, arg, Return, Call, Attribute, Name, Name
    assert source_size.measure(_uses_helper) == source_size.Size(lines=4, nodes=15, chars=68)


def test_usability_command_prints_every_problem(capsys):
    assert cli.main(["usability"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in PROBLEMS) and "total" in out
