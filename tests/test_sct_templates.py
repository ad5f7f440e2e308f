"""SCT's inlined templates compute exactly what the rule table computes.

Generated code inlines the elementwise rules as Python arithmetic; this is the
mechanical tie to adcompare.rules: every template, on every operand, on
floats, NumPy arrays (broadcasting included) and JAX arrays, against the rule.
"""

from __future__ import annotations

import ast

import jax.numpy as jnp
import numpy as np
import pytest

from adcompare import rules  # noqa: F401  (fills the rule table)
from adcompare.engines.sct.emit import runtime, templates
from adcompare.primitives import PRIMITIVES

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


CASES = [(name, i) for name in templates.VJP for i, t in enumerate(templates.VJP[name]) if t is not None]


def test_templates_cover_real_primitives_operand_for_operand():
    for table in (templates.JVP, templates.VJP):
        for name, entry in table.items():
            prim = PRIMITIVES[name]
            assert prim.jvps is not None and prim.vjps is not None
            assert len(entry) == len(prim.vjps)
    assert set(templates.JVP) == set(templates.VJP)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("name, i", CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_template_equals_rule(name, i, backend):
    prim = PRIMITIVES[name]
    rng = np.random.default_rng(0)
    binary = len(prim.vjps) == 2
    for shapes in BINARY_SHAPES if binary else [(s,) for s in UNARY_SHAPES]:
        xs = _operands(name, shapes, rng, backend)
        ans = prim(*xs)
        names = dict(zip(("x", "y"), xs), ans=ans)
        # reverse: g -> operand i's cotangent, summed down to its shape as generated code does
        g = np.asarray(rng.normal(size=np.shape(ans))) if np.shape(ans) else float(rng.normal())
        if backend == "jax" and np.shape(ans):
            g = jnp.asarray(g)
        ours = _evaluate(templates.VJP[name][i], dict(names, g=g))
        if name in templates.BROADCASTING:
            ours = runtime.unbroadcast(ours, xs[i])
        theirs = prim.vjps[i](ans, *xs)(g)
        assert np.shape(ours) == np.shape(theirs)
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-15, atol=0)
        # forward: operand i's tangent -> its contribution to the result's tangent
        t = xs[i] * 0.0 + rng.normal()
        ours = _evaluate(templates.JVP[name][i], dict(names, t=t))
        if name in templates.LONE_JVP_BROADCAST:
            ours = runtime.broadcast(ours, ans)
        theirs = prim.jvps[i](t, ans, *xs)
        assert np.shape(ours) == np.shape(theirs)
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-15, atol=0)
