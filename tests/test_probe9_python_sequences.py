"""SCT reads the items of a loop over zip/enumerate/reversed, and of Python's sum/max/min/list, by
position; a dict (whose iteration gives keys), a set or a dict's view is refused there, naming the
user's line, and a builtin on a constant runs as the builtin.

Found by review: with W = {1: 3.0, 0: 2.0} a constant, ``for k in reversed(W)``, ``enumerate(W)``,
``zip(W, x)`` (also in a comprehension) and ``max(W)`` read W[0], W[1] (its values) where Python
iterates over its keys: SCT's value and gradient were silently JAX's at other points (e.g. 4.2, [2, 3]
for 0.3, [1, 0]); ``max(SET)`` of a global set crashed with a bare TypeError. JAX (float64) is the oracle.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad

jax.config.update("jax_enable_x64", True)

W = {1: 3.0, 0: 2.0}
SET = {2.0, 5.0}
X = np.array([0.3, 1.2])


def over_reversed(x):
    t = 0.0
    for k in reversed(W):
        t = t * x[0] + x[1] * k
    return t


def over_enumerate(x):
    t = 0.0
    for i, k in enumerate(W):
        t = t + x[i] * k
    return t


def over_zip(x):
    t = 0.0
    for k, v in zip(W, x):
        t = t + v * k
    return t


def in_comprehension(x):
    return sum([v * k for k, v in zip(W, x)])


def local_dict_max(x):
    d = {1: x[0], 0: x[1]}
    return max(d) * x[0]


def reversed_keys(x):
    t = 0.0
    for k in reversed(W.keys()):
        t = t + x[0] * k
    return t


@pytest.mark.parametrize("f", [over_reversed, over_enumerate, over_zip, in_comprehension, local_dict_max,
                               reversed_keys])
def test_reading_a_dict_by_position_is_refused_at_the_users_line(f):
    with pytest.raises(ad.SCTError) as info:
        ad.engine("sct").grad(f)(X)
    err = info.value
    assert ("dict" in str(err)) and err.filename == __file__, str(err)


def constant_builtins(x):
    return max(W) * x[0] + min(W) * x[1] + max(SET) * x[0] * x[1] + sum(SET) * x[1]


def test_builtins_on_constants_run_as_the_builtins():
    want_value, want_grad = jax.value_and_grad(constant_builtins)(jnp.asarray(X))
    for name in ("sct", "overloading"):
        value, grad = ad.engine(name).value_and_grad(constant_builtins)(X)
        assert abs(value - want_value) < 1e-12 and np.allclose(grad, want_grad, rtol=1e-12, atol=0), name


def builtins_on_values(x):
    return max(x[0], x[1] * 2.0) + min([x[1], x[0] * x[0]]) + sum(x, 1.0) + sum(list(x * x))


def test_builtins_on_values_still_as_jax():
    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=2)
        want = jax.grad(builtins_on_values)(jnp.asarray(x))
        got = ad.engine("sct").grad(builtins_on_values)(x)
        assert np.allclose(got, want, rtol=1e-12, atol=1e-14), (seed, got, want)
