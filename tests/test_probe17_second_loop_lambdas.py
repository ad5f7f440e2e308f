"""A lambda that a derivative takes and runs at once, reading a value the loop around it assigns again (probe 17).

``for _ in range(2): h = h + E.grad(lambda y: anp.sum(anp.sin(y * h)))(h)`` (or ``E.value_and_grad``, ``E.jvp``,
``E.vjp`` of such a lambda inside a loop) was refused by SCT: "a lambda, which reads 'h', assigned again after it
is defined", since the closure conversion reads the captured values when the closure is made, and Python when it
runs. Made and run in one expression, the two are the same values, so such a lambda is now taken (as JAX takes
it), in every engine composition; one kept and run after the value changes stays refused. JAX (float64) is the
oracle on several seeds.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare.engines.sct import SCTError
from tests.test_probe17_second_nested_options import E, agree_to_second_order
from tests.test_probe17_second_programs import OURS, THEIRS

jax.config.update("jax_enable_x64", True)


def jvp_and_vjp_in_a_loop(D):  # D: an engine, or jax (adcompare.numpy runs on JAX's values too)
    def f(x):
        h = x * 0.5
        for _ in range(2):
            _, t = D.jvp(lambda y: anp.tanh(y * h), (x,), (h,))
            y, pull = D.vjp(lambda z: anp.sin(z) * h, t)
            h = h + pull(y)[0]
        return anp.sum(h ** 2)

    return f


def test_a_lambda_run_at_once_in_a_loop_against_jax():
    agree_to_second_order(jvp_and_vjp_in_a_loop(E), jvp_and_vjp_in_a_loop(jax))


@pytest.mark.parametrize("name", ["nest_grad_in_loop", "nest_value_and_grad_loop"])
def test_the_probes_gradient_steps_in_a_loop_against_jax(name):  # (tests/probe17_programs.py)
    agree_to_second_order(OURS.PROGRAMS[name], THEIRS.PROGRAMS[name])


def kept_and_run_later(x):
    h = x
    g = E.grad(lambda y: anp.sum(anp.sin(y * h)))
    h = h * 2.0  # Python's g reads this h
    return anp.sum(g(x) * h)


def test_a_lambda_kept_and_run_after_its_value_changes_is_still_refused():
    with pytest.raises(SCTError, match="a lambda, which reads 'h', assigned again after it is defined"):
        E.grad(kept_and_run_later)(np.array([0.3, -0.5, 0.7]))
