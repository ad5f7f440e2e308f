"""docs/ARCHITECTURE.md's four recipes, each followed with a toy: a primitive, an engine, a workload, a study.

Each toy is added the way the recipe says, and then checked as the real ones
are: against JAX, on every engine, through the correctness matrix, into the report.
"""

from __future__ import annotations

import math
import sys
import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare import workloads
from adcompare.engine import Engine
from adcompare.oracle import CHECKED, compare, matrix
from adcompare.primitives import Box, Primitive, Trace, constant_like, new_level
from adcompare.rules import defderiv
from adcompare.tape_engine import missing_rule
from adcompare.trees import tree_flatten, tree_leaves, tree_unflatten

# --------------------------------------------------------------------------
# 1. A primitive: its implementation (primitives/<family>.py) and one derivative entry (rules/<family>.py)

softplus_p = Primitive("toy_softplus", lambda xp, x: xp.logaddexp(0.0, x), register=False)
defderiv(softplus_p, lambda g, x: anp.multiply(g, anp.sigmoid(x)))


@pytest.fixture(params=[True, False], ids=["registered", "unregistered"])
def softplus(request, monkeypatch):
    """The recipe registers it (Primitive's default); an unregistered one works too (SCT calls its rule)."""
    if request.param:
        monkeypatch.setitem(ad.PRIMITIVES, softplus_p.name, softplus_p)
    return softplus_p


def uses_softplus(x):
    return anp.sum(softplus_p(anp.sin(x) * x))


@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_a_new_primitive_differentiates_on_every_engine_and_again(engine, softplus):
    eng = ad.engine(engine)
    x = np.random.default_rng(0).normal(size=5)
    expected = jax.grad(lambda v: jnp.sum(jax.nn.softplus(jnp.sin(v) * v)))(x)
    np.testing.assert_allclose(eng.grad(uses_softplus)(x), expected, rtol=1e-12)
    hess = jax.hessian(lambda v: jnp.sum(jax.nn.softplus(jnp.sin(v) * v)))(x)
    np.testing.assert_allclose(eng.hessian(uses_softplus)(x), hess, rtol=1e-10)


def test_a_new_primitive_runs_in_the_elemental_library_too():
    eng = ad.engine("elemental")
    x = 0.3
    expected = jax.grad(lambda v: jax.nn.softplus(v))(x)
    assert abs(eng.grad(lambda v: softplus_p(v))(x) - expected) < 1e-14


# --------------------------------------------------------------------------
# 2. An engine: implement _jvp and _vjp; the public interface comes from the base class.
# The toy is forward mode by dual numbers that reads the joint rules, with reverse mode
# built from one forward pass per input direction (correct, if slow: the recipe's point).


class ToyDual(Box):
    __slots__ = ("value", "tangent")

    def __init__(self, trace, value, tangent):
        self._trace, self.value, self.tangent = trace, value, tangent

    def __mul__(self, other):
        return anp.multiply(self, other)

    __rmul__ = __mul__

    def __add__(self, other):
        return anp.add(self, other)

    __radd__ = __add__


class ToyTrace(Trace):
    def process(self, prim, args, params):
        values = [a.value if isinstance(a, ToyDual) and a._trace is self else a for a in args]
        tangents = [a.tangent if isinstance(a, ToyDual) and a._trace is self else None for a in args]
        ans = prim(*values, **params)
        if prim.jvp is None:
            raise missing_rule(prim, "JVP")
        return ToyDual(self, ans, prim.jvp(tangents, ans, *values, **params))

    def constant(self, value):  # anp.zeros_like of a dual: a dual with a zero tangent
        return ToyDual(self, value, constant_like(value, 0.0))


class ToyEngine(Engine):
    name = "toy"

    def _jvp(self, f, primals, tangents):
        leaves, tree = tree_flatten(primals)
        with new_level() as level:
            trace = ToyTrace(level)
            y = f(*tree_unflatten(tree, [ToyDual(trace, x, t) for x, t in zip(leaves, tree_leaves(tangents))]))
        mine = isinstance(y, ToyDual) and y._trace is trace
        return (y.value, y.tangent) if mine else (y, None)

    def _vjp(self, f, primals):
        leaves, tree = tree_flatten(primals)
        y = f(*primals)

        def pullback(y_bars):  # written with the vocabulary, so an outer level differentiates it
            (g,) = y_bars
            bars = []
            for k, x in enumerate(leaves):  # one forward pass per input entry
                n, parts = math.prod(np.shape(x)), []
                for j in range(n):
                    t = [np.zeros(np.shape(v)) for v in leaves]
                    t[k] = np.eye(n)[j].reshape(np.shape(x))
                    _, y_dot = self._jvp(f, primals, tree_unflatten(tree, t))
                    parts.append(anp.sum(anp.multiply(g, y_dot)))
                bars.append(anp.reshape(anp.stack(parts), np.shape(x)) if np.ndim(x) else parts[0])
            return bars

        return y, pullback


def test_a_new_engine_gets_the_whole_interface_from_two_methods():
    eng = ToyEngine()
    x = np.random.default_rng(1).normal(size=3)

    def f(v):
        return anp.sum(anp.tanh(v) * v)

    def f_jax(v):
        return jnp.sum(jnp.tanh(v) * v)

    np.testing.assert_allclose(eng.grad(f)(x), jax.grad(f_jax)(x), rtol=1e-12)
    np.testing.assert_allclose(eng.jacfwd(f)(x), jax.jacfwd(f_jax)(x), rtol=1e-12)
    np.testing.assert_allclose(eng.jacrev(f)(x), jax.jacrev(f_jax)(x), rtol=1e-12)
    np.testing.assert_allclose(eng.hessian(f, mode="fwd-rev")(x), jax.hessian(f_jax)(x), rtol=1e-10)


# --------------------------------------------------------------------------
# 3. A workload: a natural form (and an elemental one), seeded inputs per size, then register it


def toy_natural(x):
    return anp.sum(anp.exp(-x * x))


def toy_elemental(x):
    import adcompare.elemental as el

    return el.sum(el.exp(el.negative(el.multiply(x, x))))


TOY = workloads.Workload(name="toy_bump", natural=toy_natural, elemental=toy_elemental,
                         make_inputs=lambda n, rng: (rng.normal(size=n),), sizes={"tiny": 4, "small": 16})


def test_a_new_workload_joins_the_correctness_matrix(monkeypatch):
    monkeypatch.setitem(workloads._REGISTRY, TOY.name, TOY)
    assert TOY.name in workloads.names()
    rows = list(matrix(ad.ENGINES, [TOY.name], seeds=1, backends=("numpy",)))
    assert len(rows) == len(ad.ENGINES) * len(CHECKED)
    assert all(r["passed"] for r in rows), [r for r in rows if not r["passed"]]
    assert compare(ad.engine("sct"), TOY, "grad", seed=1, backend="jax") < 1e-12


# --------------------------------------------------------------------------
# 4. A study: a module in adcompare/report/studies with run(ctx) -> Section, named in ORDER


def test_a_new_study_lands_in_the_report(monkeypatch, tmp_path):
    from adcompare.report import build
    from adcompare.report.study import Claim, Section

    def run(ctx):
        eng = ad.engine("overloading")
        g = eng.grad(toy_natural)(np.zeros(3))
        ctx.write_csv("toy.csv", [{"problem": "toy_bump", "grad_norm": float(np.linalg.norm(g))}])
        return Section("Toy study", "The gradient of a bump at its top is zero.",
                       [Claim("A bump is flat at its top.", "holds" if not np.any(g) else "does not hold",
                              f"|grad| = {np.linalg.norm(g)}")])

    module = types.ModuleType("adcompare.report.studies.toy")
    module.run = run
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(build, "ORDER", build.ORDER + ("toy",))
    report = build.build("smoke", root=tmp_path, studies=("toy",), progress=None).read_text()
    assert "## Toy study" in report and "A bump is flat at its top." in report and "**holds**" in report
    assert (tmp_path / "data" / "toy.csv").read_text().startswith("problem,grad_norm")
