"""SCT inlines a rule entry that reads a primal value when that value is a literal in the user's code.

``x ** 2``, ``x ** -1``, ``x ** 2.5`` and ``2.0 ** x`` trace the ``power`` entry with the
literal concrete (:func:`adcompare.engines.sct.emit.templates.template`), so the entry takes
its own branch (an integer exponent is JAX's ``integer_pow``) and generated code holds
plain arithmetic instead of a pull-back. Checked three ways: the traced text against the
rule on the same values (floats, 0-d and broadcasting-free arrays, float32, complex), the
generated code (no rule call left where a literal allows the inline form, the rule call
kept where it does not), and derivatives of every order against JAX.
"""

from __future__ import annotations

import ast

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.engines.sct.emit import templates

EXPONENTS = [2, 3, 1, -1, -2, 2.0, 2.5, 0.5, -0.5, 1.0, 0.0, -0.0]
BASES = [2.0, 0.5, 3, 1.0, 0.0]


def _evaluate(text: str, values: dict):
    tree = ast.Expression(templates.instantiate(text, {k: ast.Name(k, ast.Load()) for k in values}))
    return eval(compile(ast.fix_missing_locations(tree), "<template>", "eval"), dict(templates.HELPERS, **values))


def _values(kind: str, rng):
    v = rng.uniform(0.3, 1.7, size=(4,))
    if kind == "float":
        return float(v[0])
    if kind == "0d":
        return np.asarray(v[0])
    if kind == "float32":
        return v.astype(np.float32)
    if kind == "complex":
        return v + 0.5j * v[::-1]
    return v


KINDS = ["float", "0d", "array", "float32", "complex"]


def _same(a, b):
    assert type(a) is type(b) and np.result_type(a) == np.result_type(b), (a, b)
    if np.iscomplexobj(a):  # NumPy's ``z ** 2`` squares, ``np.power(z, 2)`` runs its complex loop: 1 ulp apart
        np.testing.assert_allclose(a, b, rtol=4e-16, atol=0)
    else:
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", EXPONENTS, ids=repr)
def test_power_exponent_literal_equals_rule(n, kind):
    rng = np.random.default_rng(1)
    x, g = _values(kind, rng), _values(kind, rng)
    ans = p.power_p(x, n)
    for seed, table in (("g", templates.VJP), ("t", templates.JVP)):
        text = templates.template(table, p.power_p, 0, [_const("x"), _const(n)])
        if n == 0 and type(n) is int:
            assert text is None  # zeros_like(g) is not arithmetic: the rule is called
            continue
        assert text is not None and "y" not in templates.uses(text)
        _same(_evaluate(text, {seed: g, "x": x, "ans": ans}), p.power_p.vjps[0](ans, x, n)(g))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("b", BASES, ids=repr)
def test_power_base_literal_equals_rule(b, kind):
    rng = np.random.default_rng(2)
    y, g = _values(kind, rng), _values(kind, rng)
    ans = p.power_p(b, y)
    text = templates.template(templates.VJP, p.power_p, 1, [_const(b), _const("y")])
    assert text is not None and "x" not in templates.uses(text)
    _same(_evaluate(text, {"g": g, "y": y, "ans": ans}), p.power_p.vjps[1](ans, b, y)(g))


def test_literal_kinds_are_told_apart():
    """2 and 2.0 (equal, and hashed alike) give different texts: an int stays an int."""
    two = templates.template(templates.VJP, p.power_p, 0, [_const("x"), _const(3)])
    two_f = templates.template(templates.VJP, p.power_p, 0, [_const("x"), _const(3.0)])
    assert "power(x, 2)" in two and "power(x, 2.0)" in two_f


def test_no_literal_no_trace():
    """A bool, a complex literal, a negative base (nan from log) and a variable keep the rule call."""
    for args in ([_const("x"), _const(True)], [_const("x"), _const(2j)], [_const("x"), _const("y")]):
        assert templates.template(templates.VJP, p.power_p, 0, args) is None
    assert templates.template(templates.VJP, p.power_p, 1, [_const(-2.0), _const("y")]) is None


def _const(v):
    from adcompare.engines.sct import ir
    return v if isinstance(v, str) else ir.Const(v)


# --- end to end: generated code and derivatives against JAX --------------------------


def poly(x):
    return anp.sum(x ** 3 + 2.0 ** x + x ** -1 + x ** 2.5 + 0.5 * x ** 2)


def mixed(x, y):
    return anp.sum(x ** y + (1.0 - x) ** 2 + y ** 0)


def test_generated_code_inlines_literal_power():
    sct = ad.engine("sct")
    src = sct.source(poly)
    assert "power_vjps" not in src and "pull(" in src  # the sum's pull-back stays
    assert "power_jvps" not in sct.source(poly, "forward")
    mixed_src = sct.source(mixed, argnums=(0, 1))
    # x ** y: both read primal values, from the rule table: one joint pull-back for both (emit/joint.py)
    assert "power_vjp((True, True), " in mixed_src and "pull_each(" in mixed_src


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
def test_literal_power_against_jax(seed, shape):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.3, 1.7, size=shape)
    y = rng.uniform(0.3, 1.7, size=shape)
    xs = [float(x), np.asarray(x)] if shape == () else [x]
    sct = ad.engine("sct")
    for xv in xs:
        np.testing.assert_allclose(sct.grad(poly)(xv), jax.grad(poly)(jnp.asarray(xv)), rtol=1e-12)
        np.testing.assert_allclose(sct.jvp(poly, (xv,), (np.ones_like(xv) if shape else 1.0,))[1],
                                   jax.jvp(poly, (jnp.asarray(xv),), (jnp.ones_like(jnp.asarray(xv)),))[1],
                                   rtol=1e-12)
        np.testing.assert_allclose(sct.hessian(poly)(xv), jax.hessian(poly)(jnp.asarray(xv)), rtol=1e-11)
    for got, want in zip(sct.grad(mixed, argnums=(0, 1))(x, y), jax.grad(mixed, argnums=(0, 1))(x, y)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_literal_power_keeps_float32_and_integer_power_at_zero():
    """float32 stays float32 (the literals are Python numbers, as in the rule), and x ** 2's
    second derivative at 0 is 2 (integer_pow), not nan (a float exponent would give 0 * inf)."""
    sct = ad.engine("sct")
    x32 = np.array([0.5, 1.5, 2.0], np.float32)
    assert sct.grad(poly)(x32).dtype == np.float32

    def sq(x):
        return anp.sum(x ** 2 + x ** 3)

    x0 = np.array([0.0, 1.0])
    np.testing.assert_allclose(sct.hessian(sq)(x0), jax.hessian(sq)(jnp.asarray(x0)), rtol=1e-14)
    np.testing.assert_allclose(sct.grad(sct.grad(lambda x: x ** 2))(0.0), 2.0)
