"""What SCT transforms from source and what it runs on boxes: engine-made functions are marked, not found by path.

An engine marks the functions it makes (``grad_f``, ``jac``, ``f_vjp``, SCT's generated code) with
``adcompare.engine.engine_made``; SCT differentiates a marked function by running it on the
overloading engine's boxes, and any other Python function by transforming its source, wherever
its file is (a user's module that happens to sit inside the adcompare package included).
"""

from __future__ import annotations

import linecache
import os

import jax
import jax.numpy as jnp
import numpy as np

import adcompare as ad
import adcompare.engines
import adcompare.numpy as anp
from adcompare.engine import engine_made, is_engine_made
from adcompare.engines.sct import transform

sct = ad.engine("sct")
SEEDS = (0, 1, 2)


def cube_sin(x):
    return anp.sin(x) * x * x


def _function_in(directory: str, name: str, text: str):
    """``name`` defined by ``text`` as if in a file of ``directory`` (its source served by linecache)."""
    filename = os.path.join(directory, f"user_model_{name}.py")
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    namespace = {"anp": anp}
    exec(compile(text, filename, "exec"), namespace)
    return namespace[name]


def test_engines_mark_what_they_make_and_nothing_else():
    made = [sct.grad(cube_sin), sct.value_and_grad(cube_sin), sct.jacfwd(cube_sin), sct.jacrev(cube_sin),
            sct.hessian(cube_sin), sct.vjp(cube_sin, 0.5)[1], ad.engine("overloading").grad(cube_sin)]
    assert all(is_engine_made(f) for f in made)
    generated = transform.transform(cube_sin, "reverse", (0,)).functions
    assert generated and all(is_engine_made(f) for f in generated.values())
    assert not is_engine_made(cube_sin)
    assert not is_engine_made(lambda x: x)
    assert not is_engine_made(1.0) and not is_engine_made([cube_sin])  # not weakly referenceable, unhashable


def test_a_user_function_in_a_file_under_the_engines_package_is_transformed():
    text = "def model(x):\n    return anp.sin(x) * x * x\n"
    f = _function_in(os.path.dirname(os.path.abspath(adcompare.engines.__file__)), "model", text)
    transform.clear_cache()
    for seed in SEEDS:
        x = np.random.default_rng(seed).normal(size=3)
        ours = sct.grad(lambda v: anp.sum(f(v)))(x)
        expected = jax.grad(lambda v: jnp.sum(jnp.sin(v) * v * v))(x)
        np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-14)
    assert transform.cached(f, "reverse", (0,)) is not None  # from its source, not on boxes
    assert "model_bwd" in sct.source(f, "reverse")


def test_a_marked_function_runs_on_boxes_inside_transformed_code():
    def user_made(x):
        return anp.sin(x) * x

    marked = engine_made(lambda x: user_made(x))

    def outer(x):
        return marked(x) * 2.0

    for seed in SEEDS:
        x = float(np.random.default_rng(seed).normal())
        expected = jax.grad(lambda v: jnp.sin(v) * v * 2.0)(x)
        np.testing.assert_allclose(sct.grad(outer)(x), expected, rtol=1e-12)
        np.testing.assert_allclose(sct.grad(marked)(x), expected / 2.0, rtol=1e-12)
    assert "made by an engine" in transform.transform(marked, "reverse", (0,)).source
    assert transform.cached(user_made, "reverse", (0,)) is None  # never transformed: run on boxes


def test_grad_of_grad_differentiates_the_engine_made_derivative_on_boxes():
    for seed in SEEDS:
        x = float(np.random.default_rng(seed).normal())
        expected = jax.grad(jax.grad(lambda v: jnp.sin(v) * v * v))(x)
        np.testing.assert_allclose(sct.grad(sct.grad(cube_sin))(x), expected, rtol=1e-12)
