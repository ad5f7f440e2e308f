"""Probe 17 (fixes): ``ys = xs.copy()`` of a local list, then ``ys.append(v)`` (front/local_lists).

SCT refused the append ("ys.append on a value that is not a local list", hint ``list(xs)``), though a list's
``.copy()`` is a new list (a shallow copy: appending to it leaves ``xs`` alone), as ``list(xs)`` is. Where ``xs``
is a local list (each assignment of it a display, a comprehension, ``list(...)``, ``+`` of such lists or such a
copy), its ``.copy()`` is ``list(xs)`` now: appends, pops and writes by position into the copy run as on
``list(xs)``, checked against JAX in float64 (grad, jvp, vjp and the Hessian, SCT both ways and the overloading
engine). The copy of a list SCT does not see made (a parameter's) is a new list where it is appended to (only a
list's copy has ``append``), checked when it runs: an array's copy appended to is refused at the copy's line
(Python raises AttributeError at the append). A write into an element array of the copy (``ys[0][0] = v``, which
NumPy's ``xs[0]`` sees too) stays refused at its line.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from tests.test_probe11_python_dicts import check_engines
from tests.test_probe12_sct_list_del import refused_at_mark

INPUTS = [np.array([0.3, -1.2, 0.7, 1.1]), np.array([1.4, 0.2, -0.5, 0.9]), np.array([-0.8, 0.6, 1.3, -0.2])]


def appended(x):
    xs = [x[0], x[1] * 2.0]
    ys = xs.copy()
    ys.append(x[2] * x[0])
    return sum(ys) * xs[1] + len(xs) * x[3]


def appended_jax(x):
    return (x[0] + x[1] * 2.0 + x[2] * x[0]) * x[1] * 2.0 + 2 * x[3]


def copied_twice_in_a_loop(x):
    xs = [x[k] * x[k] for k in range(2)]
    ys = xs.copy()
    for k in range(3):
        zs = ys.copy()
        zs.append(anp.sin(x[k]))
        ys = zs.copy()  # (ys = zs, a second name of a list, is refused as it is for list(ys))
    ys[0] = ys[0] * x[3]
    last = ys.pop()
    return sum(ys) * last + xs[0]


def copied_twice_in_a_loop_jax(x):
    ys = [x[0] * x[0] * x[3], x[1] * x[1], jnp.sin(x[0]), jnp.sin(x[1])]
    return sum(ys) * jnp.sin(x[2]) + x[0] * x[0]


def arrays_in_the_copy(x):
    xs = [x[:2] * 1.0, x[2:] * 2.0]
    ys = xs.copy()
    ys.append(x[1:3] * x[0])
    ys[1] = ys[1] + 1.0  # a new array in the copy's place: xs[1] keeps its own
    return anp.sum(anp.stack(ys) ** 2) + anp.sum(xs[1] * x[:2])


def arrays_in_the_copy_jax(x):
    ys = [x[:2], x[2:] * 2.0 + 1.0, x[1:3] * x[0]]
    return jnp.sum(jnp.stack(ys) ** 2) + jnp.sum(x[2:] * 2.0 * x[:2])


@pytest.mark.parametrize("f, oracle", [(appended, appended_jax), (copied_twice_in_a_loop, copied_twice_in_a_loop_jax),
                                       (arrays_in_the_copy, arrays_in_the_copy_jax)], ids=lambda f: f.__name__)
def test_a_copy_of_a_local_list_is_a_new_list(f, oracle):
    for x in INPUTS:  # the oracle is the function's meaning in Python (NumPy runs it as written)
        np.testing.assert_allclose(f(x.copy()), oracle(jnp.asarray(x)), rtol=1e-13)
    check_engines(f, INPUTS, 17, oracle)


def written_into_an_element(x):
    xs = [x[:2] * 1.0, x[2:] * 2.0]
    ys = xs.copy()
    ys[0][0] = x[3]  # refused: here
    return anp.sum(ys[0] * xs[0])


def appended_to_a_parameters_copy(x, xs):
    ys = xs.copy()  # refused: here (xs an array)
    ys.append(x[0] * x[1])
    ys[0] = ys[0] * x[2]
    return sum(ys) * xs[1]


def appended_to_a_parameters_copy_jax(x, xs):
    return (xs[0] * x[2] + xs[1] + x[0] * x[1]) * xs[1]


def test_a_write_into_an_element_of_the_copy_stays_refused():
    refused_at_mark(written_into_an_element, INPUTS[0], r"ys\[0\]\[0\]")


def test_an_appended_copy_of_a_list_parameter_is_a_new_list():
    for k, x in enumerate(INPUTS):
        xs = [0.5 + k, x[3] * 2.0]
        if k == 0:  # (every engine, the Hessian too: once, for CI's time)
            check_engines(lambda x: appended_to_a_parameters_copy(x, [x[0] * 2.0, x[1]]), [x], 17,
                          lambda x: appended_to_a_parameters_copy_jax(x, [x[0] * 2.0, x[1]]))
        value, grads = ad.engine("sct").value_and_grad(appended_to_a_parameters_copy, argnums=(0, 1))(x, list(xs))
        want = jax.value_and_grad(appended_to_a_parameters_copy_jax, argnums=(0, 1))(jnp.asarray(x), list(xs))
        np.testing.assert_allclose(value, want[0], rtol=1e-13)
        np.testing.assert_allclose(grads[0], want[1][0], rtol=1e-13)
        np.testing.assert_allclose(grads[1], want[1][1], rtol=1e-13)


def test_an_appended_copy_of_an_array_is_refused_at_the_copy():
    lines, first = inspect.getsourcelines(appended_to_a_parameters_copy)
    line = first + next(k for k, text in enumerate(lines) if "refused: here" in text)
    with pytest.raises(TypeError, match="a .copy\\(\\) of an ndarray appended to later") as info:
        ad.engine("sct").grad(appended_to_a_parameters_copy)(INPUTS[0], np.ones(2))
    assert f"{__file__}:{line}" in str(info.value)
