"""GradBench's nested-derivative problems, ``particle`` and ``saddle``, on every engine and composition.

The oracle is JAX: the same programs written with ``lax.while_loop`` (below),
differentiated by ``jax.jacfwd`` (JAX cannot reverse a while loop), with the
inner gradient by ``jax.grad``. GradBench's published answers are checked where
a whole run is affordable in a test. SCT runs as ``SCTEngine(higher="sct")``, both
derivatives by source transformation (closure conversion, see
``adcompare.engines.sct.front.closures``), and makes no box or tape doing it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare.engines.sct import SCTEngine
from adcompare.oracle import nested_matrix
from adcompare.workloads import nested

FORMS = {"elemental": ("elemental",), "overloading": ("natural", "elemental"), "sct": ("natural", "elemental")}


def _engine(name):
    """The engine under test; SCT with both derivatives by source transformation."""
    return SCTEngine(higher="sct") if name == "sct" else ad.engine(name)

# --------------------------------------------------------------------------
# The same programs in JAX's structured control flow (the oracle)


def _euler_jax(w):
    def potential(x):
        return 1.0 / jnp.linalg.norm(x - jnp.stack([10.0, 10.0 - w])) + 1.0 / jnp.linalg.norm(
            x - jnp.array([10.0, 0.0]))

    grad_potential = jax.grad(potential)

    def body(state):
        x, v = state
        return x + 0.1 * v, v - 0.1 * grad_potential(x)

    x, v = jax.lax.while_loop(lambda s: s[0][1] + 0.1 * s[1][1] > 0.0, body,
                              (jnp.array([0.0, 8.0]), jnp.array([0.75, 0.0])))
    return (x[0] + (-x[1] / v[1]) * v[0]) ** 2


def _argmax_jax(f, x):
    """GradBench's gradient ascent, as one while loop over (x, f(x), grad f(x), i, eta)."""
    grad_f = jax.grad(f)

    def step(s):
        x, fx, gx, i, eta, _ = s
        grow = i == 10
        x_new = x + eta * gx
        stop = jnp.linalg.norm(gx) <= 1e-5
        stop |= ~grow & (jnp.linalg.norm(x - x_new) <= 1e-5)
        better = f(x_new) > fx
        take = ~stop & ~grow & better
        return (jnp.where(take, x_new, x), jnp.where(take, f(x_new), fx), jnp.where(take, grad_f(x_new), gx),
                jnp.where(grow | ~better, 0, i + 1), jnp.where(grow, 2 * eta, jnp.where(better, eta, eta / 2)),
                stop)

    state = (x, f(x), grad_f(x), 0, 1e-5, False)
    return jax.lax.while_loop(lambda s: ~s[5], step, state)[0]


def _best_response_jax(p1):
    def against(p2):
        return p1 @ p1 - p2 @ p2

    return against(_argmax_jax(against, jnp.array([1.0, 1.0])))


W, P1 = 0.3, (0.5, -0.3)


@pytest.fixture(scope="module")
def oracle():
    return {"particle": float(jax.jit(jax.jacfwd(_euler_jax))(W)),
            "saddle": np.asarray(jax.jit(jax.jacfwd(_best_response_jax))(jnp.array(P1)))}


def _case_list():
    for name, forms in FORMS.items():
        for form in forms:
            for modes in nested.COMPOSITIONS:
                yield pytest.param(name, form, modes, id=f"{name}-{form}-{modes}")


CASES = list(_case_list())


@pytest.mark.parametrize(("name", "form", "modes"), CASES)
def test_particle_outer_derivative_runs_through_the_inner_one(name, form, modes, oracle):
    eng = _engine(name)
    euler = nested.naive_euler if form == "natural" else nested.naive_euler_elemental

    def objective(v):
        return euler(v[0], eng, modes[1])

    (d,) = nested.derivative(eng, modes[0], objective)((W,))
    np.testing.assert_allclose(float(d), oracle["particle"], rtol=1e-10)


@pytest.mark.parametrize(("name", "form", "modes"), CASES)
def test_saddle_outer_derivative_runs_through_the_inner_argmax(name, form, modes, oracle):
    eng = _engine(name)

    def objective(p1):
        return nested.best_response(p1, eng, modes[1], form=form)

    d = nested.derivative(eng, modes[0], objective)(P1)
    np.testing.assert_allclose(np.array([float(c) for c in d]), oracle["saddle"], rtol=1e-10)


def test_oracle_is_jax_running_the_same_program():
    """The while-loop forms compute what the adcompare program computes, on JAX values too."""
    np.testing.assert_allclose(float(_euler_jax(W)), float(nested.naive_euler(W, jax, "r")), rtol=1e-12)
    np.testing.assert_allclose(float(_best_response_jax(jnp.array(P1))),
                               float(nested.best_response(P1, jax, "r")), rtol=1e-12)


def test_saddle_gives_gradbench_answer_in_the_correctness_matrix():
    """``adcompare check --nested``'s rows: a whole run against GradBench's published answer, and a
    run that raises as a failing row with its reason."""
    (row,) = nested_matrix(["overloading"], ["saddle"], ["rr"])
    assert row["passed"] and row["note"] == "" and row["max_error"] < 1e-9, row
    (bad,) = nested_matrix(["overloading"], ["particle"], ["rx"])
    assert not bad["passed"] and bad["max_error"] is None and "composition is one of" in bad["note"]


def test_bad_composition_and_form_are_refused():
    with pytest.raises(ValueError, match="composition is one of ff, fr, rf, rr"):
        nested.particle(ad.engine("overloading"), "rx")
    with pytest.raises(ValueError, match="form is 'natural' or 'elemental'"):
        nested.saddle(ad.engine("overloading"), "rr", form="sct")


def test_sct_refuses_a_derivative_inside_the_code_it_transforms_on_boxes():
    """``SCTEngine(higher="boxes")`` does not take a derivative of a closure inside code it
    transforms: it says so, naming the construct and the line, never a wrong number."""
    eng = ad.engine("sct", higher="boxes")

    def objective(v):
        return nested.naive_euler(v[0], eng, "r")

    with pytest.raises(ad.SCTError, match="grad by the sct engine of a nested def or lambda") as info:
        eng.grad(objective)((W,))
    assert info.value.filename == nested.__file__


@pytest.mark.parametrize("modes", nested.COMPOSITIONS)
def test_sct_takes_both_derivatives_without_boxes(modes, oracle, monkeypatch):
    """SCT over SCT: the generated code runs on plain values (no trace, so no box and no tape)."""
    from adcompare.engines.sct.emit.templates import SymbolTrace
    from adcompare.primitives import core

    original = core.Trace.__init__

    def refuse(self, *args, **kwargs):
        assert isinstance(self, SymbolTrace), f"a {type(self).__name__} was made"
        original(self, *args, **kwargs)

    eng = _engine("sct")

    def objective(v):
        return nested.naive_euler(v[0], eng, modes[1])

    monkeypatch.setattr(core.Trace, "__init__", refuse)
    (d,) = nested.derivative(eng, modes[0], objective)((W,))
    np.testing.assert_allclose(float(d), oracle["particle"], rtol=1e-10)
