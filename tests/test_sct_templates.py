"""SCT's inline templates are generated from the rule table and compute what the rules compute.

Each ``defderiv`` entry is traced on symbolic stand-ins; the expression it gives
is evaluated, on floats, NumPy arrays (broadcasting included) and JAX arrays,
against the rule itself: on a toy primitive defined here and on every real one.
An entry that reads primal values cannot be traced and falls back to the rule.
"""

from __future__ import annotations

import ast

import jax.numpy as jnp
import numpy as np
import pytest

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.engines.sct.emit import runtime, templates
from adcompare.primitives import PRIMITIVES
from adcompare.rules import defderiv
from adcompare.rules.base import mask

# A toy primitive, given its one entry the ordinary way: d/dx (x^2 y + exp(y)) and d/dy.
toy_p = p.Primitive("toy_cubic", lambda xp, x, y: x * x * y + xp.exp(y), register=False)
defderiv(toy_p,
         lambda g, x, y: anp.multiply(g, anp.multiply(2.0, anp.multiply(x, y))),
         lambda g, x, y: anp.multiply(g, anp.add(anp.multiply(x, x), anp.exp(y))))
# One that reads a primal value: it cannot be traced, so generated code calls the rule.
ramp_p = p.Primitive("toy_ramp", lambda xp, x: xp.maximum(x, 0.0), register=False)
defderiv(ramp_p, lambda g, x: anp.multiply(g, mask(x, 0.0, 0.5)))

BINARY_SHAPES = [((), ()), ((3,), (3,)), ((3, 1), (4,)), ((4,), ()), ((), (2, 3))]
UNARY_SHAPES = [(), (5,), (2, 3)]


def _operands(name: str, shapes, rng, backend: str):
    def draw(s):
        low = 0.2 if name in ("log", "sqrt", "power", "log1p") else -1.0
        v = rng.uniform(low, 1.5, size=s)
        if s == ():
            return float(v)
        return jnp.asarray(v) if backend == "jax" else v

    return [draw(s) for s in shapes]


def _evaluate(text: str, values: dict):
    tree = ast.Expression(templates.instantiate(text, {k: ast.Name(k, ast.Load()) for k in values}))
    namespace = dict(templates.HELPERS, **values)
    return eval(compile(ast.fix_missing_locations(tree), "<template>", "eval"), namespace)


def _check(prim, i: int, backend: str) -> None:
    rng = np.random.default_rng(0)
    binary = len(prim.derivatives) == 2
    vjp_text, jvp_text = templates.generate(prim, i, "g"), templates.generate(prim, i, "t")
    assert vjp_text is not None and jvp_text is not None
    for shapes in BINARY_SHAPES if binary else [(s,) for s in UNARY_SHAPES]:
        xs = _operands(prim.name, shapes, rng, backend)
        ans = prim(*xs)
        names = dict(zip(("x", "y"), xs), ans=ans)
        # reverse: g -> operand i's cotangent, summed down to its shape as generated code does
        g = np.asarray(rng.normal(size=np.shape(ans))) if np.shape(ans) else float(rng.normal())
        if backend == "jax" and np.shape(ans):
            g = jnp.asarray(g)
        ours = _evaluate(vjp_text, dict(names, g=g))
        if binary:
            ours = runtime.unbroadcast(ours, xs[i])
        theirs = prim.vjps[i](ans, *xs)(g)
        assert np.shape(ours) == np.shape(theirs)
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-15, atol=0)
        # forward: operand i's tangent -> its contribution to the result's tangent
        t = xs[i] * 0.0 + rng.normal()
        ours = runtime.broadcast(_evaluate(jvp_text, dict(names, t=t)), ans)
        theirs = prim.jvps[i](t, ans, *xs)
        assert np.shape(ours) == np.shape(theirs)
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-15, atol=0)


def test_a_toy_primitive_gets_its_template_from_its_entry():
    assert templates.generate(toy_p, 0, "g") == "g * (2.0 * (x * y))"
    assert templates.generate(toy_p, 1, "t") == "t * (x * x + exp(y))"
    assert templates.HELPERS["exp"] is p.exp_p
    for i in (0, 1):
        _check(toy_p, i, "numpy")


def test_an_entry_that_reads_primal_values_falls_back_to_the_rule():
    assert templates.generate(ramp_p, 0, "g") is None
    for name in ("power", "abs", "maximum", "minimum", "where"):
        assert all(t is None for t in templates.VJP[name]), name


def test_readable_operators_and_sct_numerics():
    assert templates.VJP["sin"] == ("g * cos(x)",)
    assert templates.JVP["subtract"] == ("t", "-t")
    assert templates.VJP["divide"][0] == "divide(g, y)"  # runtime.divide: NumPy's inf and nan
    assert templates.HELPERS["divide"] is runtime.divide
    assert "add" in templates.LONE_JVP_BROADCAST and "multiply" not in templates.LONE_JVP_BROADCAST
    assert "multiply" in templates.BROADCASTING and "sin" not in templates.BROADCASTING


CASES = [(name, i) for name in templates.VJP for i, t in enumerate(templates.VJP[name]) if t is not None]


def test_most_real_elementwise_primitives_are_inlined():
    assert {"add", "subtract", "multiply", "divide", "sin", "cos", "exp", "log", "tanh"} <= {n for n, _ in CASES}


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("name, i", CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_generated_template_equals_rule(name, i, backend):
    _check(PRIMITIVES[name], i, backend)
