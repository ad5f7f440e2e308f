"""Probe 9: a list made by a comprehension, handed to a vocabulary function, on the SCT engine, as in JAX.

``anp.array([v * 3.0 for v in x])`` crashed SCT's reverse mode (and its second order) with NumPy's
"Field elements must be 2- or 3-tuples": the comprehension's list reached the rule of ``asarray`` as
if it were an array, while a list display (``anp.array([a, b])``) is packed by ``stack`` first, as
``jnp.asarray`` packs it. A comprehension's result is now known to be a list, as a display is, and
packed the same way. A list SCT cannot know before it runs (a parameter, a helper's result, a slice,
``tuple(...)``) reaches the rule itself, which now gives each element its cotangent, and packs the
elements' tangents, as the list was packed; SCT adds that list of cotangents to the list's others
element by element (with ``+`` it would have concatenated them, dropping one use's share). Checked
with grad, jvp, vjp and the Hessian against JAX in float64 on several seeds, negative values and
zeros among them.

A list built by ``append`` and then written by index (``lst[1] = v``) was refused at the append as
"not a local list", with the hint to start it as ``lst = []``, which it was; the refusal now names
the write into the list, at its line, as for a list built by a display.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.oracle import max_error

jax.config.update("jax_enable_x64", True)

SCT = ad.engine("sct")
SCT2 = ad.engine("sct", higher="sct")


def array_of_comprehension(x):
    return anp.sum(anp.array([v * 3.0 for v in x]) ** 2)


def nested_comprehension(x):
    return anp.sum(anp.sin(anp.asarray([[v, v * v] for v in x])))


def reductions_of_comprehensions(x):
    return anp.sum([v * 2.0 for v in x]) * anp.max([v * v for v in x]) + anp.mean(anp.stack([anp.exp(v) for v in x]))


def _as_list(x):
    return [x[0] * x[1], anp.sin(x[2]), 2.0, x[3]]


def array_of_runtime_lists(x):
    made = _as_list(x)
    return anp.sum(anp.array(made) ** 2) * anp.sum(anp.asarray(made[1:3])) + anp.sum(
        anp.array(tuple([v * v for v in x])))


def array_of_a_list_parameter(x, values):
    return anp.sum(anp.array(values) * x)


INPUTS = [np.random.default_rng(seed).normal(size=4) for seed in range(1)] + [np.array([0.0, -1.5, 2.0, 0.0])]


def check_against_jax(f, inputs, seed: int) -> None:
    """grad, jvp and vjp of ``f`` on SCT are JAX's on every input, and so is the Hessian on the first."""
    rng = np.random.default_rng(seed)
    for k, x in enumerate(inputs):
        xj = jax.numpy.asarray(x)
        assert max_error(SCT.grad(f)(x), jax.grad(f)(xj)) < 1e-12
        t = rng.normal(size=x.shape)
        assert max_error(SCT.jvp(f, (x,), (t,)), jax.jvp(f, (xj,), (jax.numpy.asarray(t),))) < 1e-12
        y, pullback = SCT.vjp(f, x)
        y_jax, pullback_jax = jax.vjp(f, xj)
        assert max_error((y, pullback(-0.7)), (y_jax, pullback_jax(-0.7))) < 1e-12
        if k == 0:  # (JAX's Hessian is the slow part: one input)
            assert max_error(SCT2.hessian(f)(x), jax.hessian(f)(xj)) < 1e-10


@pytest.mark.parametrize("f", [array_of_comprehension, nested_comprehension, reductions_of_comprehensions,
                               array_of_runtime_lists])
def test_comprehension_lists_match_jax(f):
    check_against_jax(f, INPUTS, seed=7)


def test_list_argument_packed_as_jax_packs_it():
    x, values = INPUTS[0], [1.5, -0.5, 0.0, 2.0]
    ours = SCT.grad(array_of_a_list_parameter, argnums=(0, 1))(x, values)
    theirs = jax.grad(array_of_a_list_parameter, argnums=(0, 1))(jax.numpy.asarray(x), [jax.numpy.float64(v)
                                                                                           for v in values])
    assert isinstance(ours[1], list) and max_error(ours, theirs) < 1e-12


def appended_then_written(x):
    lst = []
    for i in range(3):
        lst.append(x * i)
    lst[1] = lst[1] * x
    return lst[0] + lst[1]


def test_write_into_an_appended_list_is_jax():
    # (refused at the write until probe 11 took a write into a local list: test_probe11_tangent_list_writes.py)
    assert max_error(SCT.grad(appended_then_written)(0.5), jax.grad(appended_then_written)(0.5)) < 1e-12
