"""Probe 10: NumPy arrays written into after a derivative was taken change nothing, as JAX's arrays cannot.

Every engine's ``vjp`` kept the caller's arrays, and handed back arrays it kept or was given, so a write in
place afterwards changed derivatives with no error:

* ``y, f_vjp = eng.vjp(anp.exp, x); y -= data; f_vjp(y)`` (a residual computed in place) pulled back
  through ``exp(x) - data`` (``exp``'s and ``tanh``'s rules keep their answer, which ``y`` was);
* ``x *= 10`` or ``x[0] = 100`` between ``vjp`` and ``f_vjp`` gave the derivative at the new ``x`` (and
  so did such a write into the base of a read-only view ``x``);
* ``f_vjp``'s result for ``a + 1`` was the cotangent passed in, so scaling it in place scaled the
  caller's cotangent, and a second ``f_vjp`` of it was wrong;
* ``grad(f, argnums=(0, 1))`` of ``sum(a + b)`` gave one array for both gradients (a dict input
  too): an optimizer step ``g *= lr`` on the first scaled the second;
* ``jvp`` of the identity returned the caller's primal and tangent themselves.

``vjp`` now keeps copies of the NumPy primals and returns copies of its outputs (``aux`` too), and
no tangent or cotangent handed back shares memory with what the caller passed or with another one
(:func:`adcompare.trees.snapshot`, :func:`adcompare.trees.unaliased`). Checked against JAX in float64
on several seeds (JAX run on the values as they were at the call), on every engine.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine

TOL = 1e-12
SEEDS = (0, 1, 2)


@pytest.fixture(params=[*ad.ENGINES, "sct-higher"])
def eng(request):
    return SCTEngine(higher="sct") if request.param == "sct-higher" else ad.engine(request.param)


def _inputs(seed: int):
    rng = np.random.default_rng(seed)
    return rng.normal(size=4), rng.normal(size=4)


def _close(ours, ref) -> None:
    np.testing.assert_allclose(np.asarray(ours), np.asarray(ref), rtol=TOL, atol=TOL)


def _sin_x(a):
    return anp.multiply(anp.sin(a), a)


def _sin_x_jax(a):
    return jnp.sin(a) * a


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["exp", "tanh"])
def test_a_residual_computed_in_place_in_the_output(eng, name, seed):
    x, data = _inputs(seed)
    y, f_vjp = eng.vjp(getattr(anp, name), x)
    y -= data  # r = f(x) - data, in place
    y_ref, f_vjp_ref = jax.vjp(getattr(jnp, name), jnp.asarray(x))
    _close(y, np.asarray(y_ref) - data)
    _close(f_vjp(y)[0], f_vjp_ref(y_ref - data)[0])


@pytest.mark.parametrize("seed", SEEDS)
def test_writing_into_the_primal_after_vjp(eng, seed):
    x, y_bar = _inputs(seed)
    ref = jax.vjp(_sin_x_jax, jnp.asarray(x))[1](jnp.asarray(y_bar))[0]
    for write in (lambda a: a.__setitem__(0, 100.0), lambda a: a.__imul__(10.0)):
        mine = x.copy()
        y, f_vjp = eng.vjp(_sin_x, mine)
        write(mine)
        _close(y, _sin_x_jax(x))
        _close(f_vjp(y_bar)[0], ref)
        mine = x.copy()  # a read-only view changes with its base
        view = mine[:]
        view.flags.writeable = False
        y, f_vjp = eng.vjp(_sin_x, view)
        write(mine)
        _close(y, _sin_x_jax(x))
        _close(f_vjp(y_bar)[0], ref)
        _close(f_vjp(y_bar)[0], ref)  # and again


@pytest.mark.parametrize("seed", SEEDS)
def test_the_identity_hands_back_no_array_of_the_caller(eng, seed):
    x, t = _inputs(seed)
    x0, t0 = x.copy(), t.copy()
    y, f_vjp = eng.vjp(lambda a: a, x)
    y *= 2.0
    (g,) = f_vjp(t)
    g *= 2.0
    y2, t2 = eng.jvp(lambda a: a, (x,), (t,))
    y2 *= 2.0
    t2 *= 2.0
    _close(x, x0)
    _close(t, t0)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_cotangent_passed_through_is_not_the_callers(eng, seed):
    x, y_bar = _inputs(seed)
    y_bar0 = y_bar.copy()
    _, f_vjp = eng.vjp(lambda a: anp.add(a, 1.0), x)
    (g,) = f_vjp(y_bar)
    g *= 0.5
    _close(y_bar, y_bar0)
    _close(f_vjp(y_bar)[0], y_bar0)


def _sum_of_sum(a, b):
    return anp.sum(anp.add(a, b))


@pytest.mark.parametrize("seed", SEEDS)
def test_two_gradients_are_two_arrays(eng, seed):
    x, y = _inputs(seed)
    ref = jax.grad(lambda a, b: jnp.sum(a + b), argnums=(0, 1))(jnp.asarray(x), jnp.asarray(y))
    for make in (eng.grad(_sum_of_sum, argnums=(0, 1)), lambda a, b: eng.vjp(anp.add, a, b)[1](np.ones(4))):
        ga, gb = make(x, y)
        ga *= 0.1  # an optimizer's step, in place
        _close(gb, ref[1])
    d = eng.grad(lambda p: anp.sum(anp.multiply(anp.add(p["a"], p["b"]), 2.0)))({"a": x, "b": y})
    d["a"] *= 0.1
    _close(d["b"], 2.0 * np.ones(4))


def test_aux_and_vjp_outputs_are_copies_that_the_pullback_does_not_read(eng):
    x, y_bar = _inputs(0)
    y, f_vjp, aux = eng.vjp(lambda a: (anp.exp(a), anp.exp(a)), x, has_aux=True)
    aux *= 0.0
    y *= 0.0
    _close(f_vjp(y_bar)[0], np.exp(x) * y_bar)
