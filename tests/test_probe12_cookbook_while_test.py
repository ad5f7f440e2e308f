"""Probe 12 (JAX's Autodiff Cookbook adapted: the JVP of a function with a while loop on a value, under
``jax.jit``): a loop whose test joins two comparisons with Python's ``and``, on SCT with ``control="lax"``.

``SCTEngine(control="lax")`` makes such a loop ``lax.while_loop`` when its state is traced; the test
``n < 20 and max(|x|) > 1`` then asks Python for the truth of a traced value, and JAX's bare
TracerBoolConversionError came out of ``while_cond`` in adcompare/engines/sct/emit/lax_runtime.py, naming
neither the user's loop nor what to write instead. It is an SCTError at the user's loop now, with the hint to
write the test with ``anp.logical_and`` (which then runs, as JAX's ``jvp`` of it does). Checked against JAX in
float64 on several seeds.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp


def halve_python_and(x):
    n = 0
    while n < 20 and anp.max(anp.abs(x)) > 1.0:
        x = x / 2.0
        n = n + 1
    return anp.sum(anp.sin(x) * x)


def halve_logical_and(x):
    n = 0
    while anp.logical_and(n < 20, anp.max(anp.abs(x)) > 1.0):
        x = x / 2.0
        n = n + 1
    return anp.sum(anp.sin(x) * x)


def _inputs(seed: int):
    rng = np.random.default_rng(seed)
    return jnp.asarray(4.0 * rng.normal(size=3)), jnp.asarray(rng.normal(size=3))


def test_python_and_on_a_traced_test_is_refused_at_the_users_loop():
    eng = ad.engine("sct", control="lax")
    x, t = _inputs(0)
    with pytest.raises(ad.SCTError) as info:
        jax.jit(lambda x, t: eng.jvp(halve_python_and, (x,), (t,)))(x, t)
    message = str(info.value)
    assert "takes a traced value as True or False" in message and "anp.logical_and" in message
    assert f"{__file__}, line {halve_python_and.__code__.co_firstlineno + 2}" in message


def test_the_logical_and_loop_runs_as_jax():
    eng = ad.engine("sct", control="lax")
    jvp = jax.jit(lambda x, t: eng.jvp(halve_logical_and, (x,), (t,)))
    for seed in (0, 1, 2):
        x, t = _inputs(seed)
        y, y_dot = jvp(x, t)
        y_jax, y_dot_jax = jax.jvp(halve_logical_and, (x,), (t,))  # the same source, on JAX
        np.testing.assert_allclose(y, y_jax, rtol=1e-12)
        np.testing.assert_allclose(y_dot, y_dot_jax, rtol=1e-12)
        assert eng.jvp(halve_python_and, (x,), (t,))[1] == pytest.approx(float(y_dot_jax), rel=1e-12)  # unjitted
