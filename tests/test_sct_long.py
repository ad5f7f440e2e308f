"""SCT on long functions: thousands of statements, and one expression of a thousand terms.

The functions are generated (seeded, :mod:`adcompare.measure.longsource`), written
to a file and imported, then differentiated by SCT (grad in reverse mode, jvp in
forward mode) and by JAX on the same source. The transform's cost is measured in
the compile study, not here: these tests check that long code transforms at all
and stays right.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare.engines.sct.errors import SCTError
from adcompare.measure import longsource

sct = ad.engine("sct")
POINTS = [(0.7, -1.3), (-0.4, 0.9), (1.8, 0.25)]


def _against_jax(f, points=POINTS) -> None:
    for x, y in points:
        got = sct.grad(f, argnums=(0, 1))(x, y)
        want = jax.grad(f, argnums=(0, 1))(jnp.float64(x), jnp.float64(y))
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        value, tangent = sct.jvp(f, (x, y), (0.3, -1.1))
        want_value, want_tangent = jax.jvp(f, (jnp.float64(x), jnp.float64(y)),
                                           (jnp.float64(0.3), jnp.float64(-1.1)))
        np.testing.assert_allclose(value, want_value, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(tangent, want_tangent, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n, seed", [(1000, 0), (300, 1)])
def test_long_straight_line_function(tmp_path, n, seed):
    name = f"straight_{n}_{seed}"
    f = longsource.load(longsource.straight_line(n, seed, name), name, tmp_path)
    _against_jax(f, POINTS[:2] if n > 500 else POINTS)


@pytest.mark.parametrize("terms", [200, 1000])
def test_one_long_expression(tmp_path, terms):
    name = f"expression_{terms}"
    f = longsource.load(longsource.one_expression(terms, 3, name), name, tmp_path)
    _against_jax(f, POINTS[:2] if terms > 500 else POINTS)
    assert "return" in sct.source(f, "reverse") and "return" in sct.source(f, "forward")


def _load(tmp_path, name: str, body: str):
    return longsource.load(f"def {name}(x, y):\n" + body, name, tmp_path)


def test_deep_parenthesized_expression(tmp_path):
    # right-nested: each level is an operand of the one above, 180 levels deep
    expr = "x"
    for k in range(90):
        expr = f"(anp.sin(x) * {0.5 + k / 200} + y * ({expr}))" if k % 2 else f"(y - 0.3 * ({expr}))"
    f = _load(tmp_path, "deep_parens", f"    z = {expr}\n    return z * z\n")
    _against_jax(f)


def test_long_expressions_in_loops_branches_and_calls(tmp_path):
    terms = " + ".join(f"{(k % 7) / 10} * anp.tanh(s + {k / 100} * x)" for k in range(300))
    listed = ", ".join(f"anp.sin({k / 50} * y + s)" for k in range(150))
    body = (f"    s = 0.1 * x\n"
            f"    for i in range(2):\n"
            f"        if s > -10.0:\n"
            f"            s = ({terms}) / 300.0\n"
            f"        s += anp.sum(anp.stack([{listed}]))\n"
            f"    return s\n")
    f = _load(tmp_path, "long_in_blocks", body)
    _against_jax(f, POINTS[:2])


def test_too_deep_conditional_expression_is_refused(tmp_path):
    chain = " else ".join(f"x * {k} if y < {k}" for k in range(300)) + " else y"
    f = _load(tmp_path, "deep_ifexp", f"    z = {chain}\n    return z\n")
    with pytest.raises(SCTError, match=r"nested more than \d+ levels deep") as info:
        sct.grad(f)(0.5, 1.5)
    assert "deep_ifexp.py" in str(info.value)
