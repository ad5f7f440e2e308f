"""SCT's default second order is SCT over SCT (``higher="sct"``): the cases that kept the default at boxes.

Each is checked against JAX in float64 on several seeded inputs, in both Hessian
compositions where they exist: (a) a sourceless ``custom_jvp`` inside a product;
(b) a primitive with joint rules only (``defjoint``); (c) ``index_update``'s rules
differentiated again; (d) a local lambda or nested def under a second derivative;
(e) ``control="lax"`` under ``jax.jit``: the Hessian of a function with ``if``/``elif``
on traced values, and a refusal that names the user's function and file.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare import workloads
from adcompare.engines.sct import SCTEngine, SCTError
from adcompare.oracle import TOLERANCE, compare, max_error
from adcompare.primitives import PRIMITIVES, Primitive
from adcompare.rules.base import defjoint
from tests.test_joint_rules import _hypot_jvp, _hypot_vjp
from tests.test_sct_higher import _no_traces, lstm_like

MODES = ("fwd-rev", "rev-rev")
SEEDS = (0, 1, 2)


def _x(seed: int, n: int = 4) -> numpy.ndarray:
    return numpy.random.default_rng(seed).uniform(-1.2, 1.2, size=n)


def test_the_default_is_sct_and_makes_no_box(monkeypatch):
    assert SCTEngine().higher == "sct" and ad.engine("sct").higher == "sct"
    assert SCTEngine(higher="boxes").higher == "boxes"  # kept: the report compares the two
    x, w = numpy.linspace(-1.0, 1.0, 4), numpy.linspace(0.5, 1.5, 4)
    expected = jax.hessian(lstm_like)(jnp.asarray(x), jnp.asarray(w))
    engine = ad.engine("sct")
    _no_traces(monkeypatch)
    for mode in MODES:
        assert max_error(engine.hessian(lstm_like, mode=mode)(x, w), expected) < 1e-10


# (a) a custom_jvp with no Python source, inside a product

erf = ad.custom_jvp(numpy.vectorize(math.erf, otypes=[numpy.float64]))


@erf.defjvp
def _erf_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return erf(x), anp.multiply(t, anp.multiply(2.0 / math.sqrt(math.pi), anp.exp(anp.negative(x * x))))


def erf_product(x):
    return anp.sum(erf(x) * x * anp.sin(x))


def erf_product_jax(x):
    return jnp.sum(jsp.erf(x) * x * jnp.sin(x))


@ad.custom_vjp
def softplus(x):
    return anp.log1p(anp.exp(x))


softplus.defvjp(lambda x: (softplus(x), x), lambda x, g: (g * anp.sigmoid(x),))


@pytest.mark.parametrize("mode", MODES)
def test_a_sourceless_custom_jvp_inside_a_product(mode):
    for seed in SEEDS:
        x = _x(seed)
        expected = jax.hessian(erf_product_jax)(jnp.asarray(x))
        assert max_error(ad.engine("sct").hessian(erf_product, mode=mode)(x), expected) < 1e-10


def test_a_custom_vjp_inside_a_product_reverse_over_reverse():
    sct = ad.engine("sct")
    for seed in SEEDS:
        x = _x(seed)
        expected = jax.jacrev(jax.grad(lambda y: jnp.sum(jax.nn.softplus(y) * y)))(jnp.asarray(x))
        assert max_error(sct.hessian(lambda y: anp.sum(softplus(y) * y), mode="rev-rev")(x), expected) < 1e-10


# (b) a primitive with joint rules only

hypot_p = Primitive("higher_default_hypot", lambda xp, x, y: xp.sqrt(x * x + y * y), register=False)
defjoint(hypot_p, jvp=_hypot_jvp, vjp=_hypot_vjp)  # test_joint_rules' toy rules, on a primitive of its own


def joint(x, y):
    return anp.sum(anp.sin(hypot_p(x, y)) * x)


def joint_jax(x, y):
    return jnp.sum(jnp.sin(jnp.sqrt(x * x + y * y)) * x)


@pytest.mark.parametrize("mode", MODES)
def test_a_primitive_with_joint_rules_only(mode, monkeypatch):
    monkeypatch.setitem(PRIMITIVES, hypot_p.name, hypot_p)
    sct = ad.engine("sct")
    for seed in SEEDS:
        x, y = _x(seed, 3), _x(seed + 10, 3)
        expected = jax.hessian(joint_jax, (0, 1))(jnp.asarray(x), jnp.asarray(y))
        assert max_error(sct.hessian(joint, (0, 1), mode=mode)(x, y), expected) < 1e-10
    assert "higher_default_hypot_joint_vjp0, made by an engine" in sct.source(joint, "hessian")


# (c) index_update's rules differentiated again (slices, integer arrays and Ellipsis among the residuals)


def updates(x):
    y = anp.index_update(x * x, slice(1, 3), anp.sin(x[2:4]) * x[0])
    y = anp.index_update(y, numpy.array([0, 4, 0]), anp.exp(x[1:4]))
    y = anp.index_update(y, (Ellipsis, slice(0, 1)), anp.cos(x[4:5]))
    return anp.sum(y * y * x)


def updates_jax(x):
    y = (x * x).at[1:3].set(jnp.sin(x[2:4]) * x[0])
    y = y.at[jnp.array([0, 4, 0])].set(jnp.exp(x[1:4]))
    y = y.at[..., 0:1].set(jnp.cos(x[4:5]))
    return jnp.sum(y * y * x)


@pytest.mark.parametrize("mode", MODES)
def test_index_update_rules_differentiated_again(mode):
    for seed in SEEDS:
        x = _x(seed, 5)
        expected = jax.hessian(updates_jax)(jnp.asarray(x))
        assert max_error(ad.engine("sct").hessian(updates, mode=mode)(x), expected) < 1e-10


# (d) a local lambda or a nested def under a second derivative


def with_lambda(x):
    square = lambda v: v * v  # noqa: E731
    return anp.sum(anp.sin(square(x)) * x)


def with_lambda_jax(x):
    return jnp.sum(jnp.sin(x * x) * x)


def with_def(x):
    def inner(v):
        return anp.exp(v) * x

    return anp.sum(inner(x) * anp.cos(x))


def with_def_jax(x):
    return jnp.sum(jnp.exp(x) * x * jnp.cos(x))


CLOSURES = [(with_lambda, with_lambda_jax), (with_def, with_def_jax)]


@pytest.mark.parametrize("f, f_jax", CLOSURES)
def test_second_order_of_a_function_with_a_nested_function(f, f_jax):
    sct = ad.engine("sct")
    for seed in SEEDS:
        x = _x(seed)
        expected = jax.hessian(f_jax)(jnp.asarray(x))
        for mode in MODES:
            assert max_error(sct.hessian(f, mode=mode)(x), expected) < 1e-10
        assert max_error(sct.jacfwd(sct.jacrev(f))(x), expected) < 1e-10
        assert max_error(sct.hvp(f, (x,), (x[::-1],)), expected @ x[::-1]) < 1e-10
        first = jax.grad(lambda y: jax.grad(f_jax)(y)[0])(jnp.asarray(x))
        assert max_error(sct.grad(lambda y: sct.grad(f)(y)[0])(x), first) < 1e-10


def test_grad_of_grad_of_a_scalar_function_with_a_lambda():
    def f(x):
        cube = lambda v: v * v * v  # noqa: E731
        return anp.sin(cube(x)) * x

    sct = ad.engine("sct")
    for x in (0.3, -0.7, 1.1):
        expected = jax.grad(jax.grad(lambda y: jnp.sin(y ** 3) * y))(x)
        assert abs(sct.grad(sct.grad(f))(x) - expected) < 1e-12


# (e) control="lax" under jax.jit: branches of the generated code transformed again


def branches(x):
    if x[0] > 0.5:
        return anp.sum(anp.sin(x) * x)
    elif x[0] > 0.0:
        return anp.sum(anp.exp(x) * x)
    else:
        return anp.sum(x * x * x)


def branches_jax(x):
    inner = lambda y: jax.lax.cond(y[0] > 0.0, lambda z: jnp.sum(jnp.exp(z) * z),  # noqa: E731
                                   lambda z: jnp.sum(z * z * z), y)
    return jax.lax.cond(x[0] > 0.5, lambda z: jnp.sum(jnp.sin(z) * z), inner, x)


def one_sided(x):
    k = 0.0
    if x[1] > 0.2:
        k = anp.sum(x * x)
    elif x[2] > 0.0:
        k = anp.sum(anp.sin(x))
    return k * anp.sum(x)


def one_sided_jax(x):
    k = jnp.where(x[1] > 0.2, jnp.sum(x * x), jnp.where(x[2] > 0.0, jnp.sum(jnp.sin(x)), 0.0))
    return k * jnp.sum(x)


@pytest.mark.parametrize("f, f_jax", [(branches, branches_jax), (one_sided, one_sided_jax)])
@pytest.mark.filterwarnings("ignore::adcompare.engines.sct.emit.lax_runtime.UnrolledLoopWarning")
def test_lax_hessian_of_if_elif_under_jit(f, f_jax):
    sct = ad.engine("sct", control="lax")
    for x in (jnp.linspace(0.6, 1.0, 4), jnp.linspace(0.05, 0.6, 4), jnp.linspace(-1.0, 0.1, 4)):
        expected = jax.hessian(f_jax)(x)
        assert max_error(jax.jit(sct.hessian(f))(x), expected) < 1e-10
        for mode in MODES:
            assert max_error(sct.hessian(f, mode=mode)(x), expected) < 1e-10
        try:  # reverse over reverse under jit: right, or refused naming the user's function
            assert max_error(jax.jit(sct.hessian(f, mode="rev-rev"))(x), expected) < 1e-10
        except SCTError as err:
            assert f"in function '{f.__name__}'" in str(err) and __file__ in str(err)


def branch_in_loop(x):
    s = 0.0
    for i in range(3):
        if x[i] > 0.3:
            s = s + anp.sin(x[i])
        else:
            s = s - x[i] * x[i]
    return s


@pytest.mark.filterwarnings("ignore::adcompare.engines.sct.emit.lax_runtime.UnrolledLoopWarning")
def test_lax_refusal_in_generated_code_names_the_users_function():
    sct = ad.engine("sct", control="lax")
    with pytest.raises(SCTError) as err:
        jax.jit(sct.hessian(branch_in_loop))(jnp.linspace(0.1, 1.0, 4))
    message = str(err.value)
    assert "in function 'branch_in_loop'" in message and __file__ in message
    assert "transformed again for a second derivative" in message and "without jax.jit" in message


def test_second_order_of_a_vocabulary_function_or_a_custom_function_itself():
    """``grad(grad(anp.tanh))``: the function SCT differentiates is not transformed from source (a
    vocabulary primitive, a custom function), so its derivative's derivative runs on the boxes too."""
    sct = ad.engine("sct")
    for x in (0.3, -0.7, 1.1):
        assert abs(sct.grad(sct.grad(anp.tanh))(x) - jax.grad(jax.grad(jnp.tanh))(x)) < 1e-12
        assert abs(sct.grad(sct.grad(softplus))(x) - jax.grad(jax.grad(jax.nn.softplus))(x)) < 1e-12
        assert abs(sct.grad(sct.grad(erf))(x) - jax.grad(jax.grad(jsp.erf))(x)) < 1e-12


def test_generated_code_sct_cannot_take_again_is_differentiated_on_boxes_for_that_call():
    """A list of scalars packed into an array (``stack(seq)`` in the generated code, then asarray's
    rule, which reads ``np.shape`` in ``constant_like``) is not transformed a second time: that Hessian
    is taken on the boxes, and is JAX's."""
    def packed(x, y):
        return anp.sum(anp.sin(anp.array([[x, y], [y * x, x]])))

    def packed_jax(x, y):
        return jnp.sum(jnp.sin(jnp.array([[x, y], [y * x, x]])))

    sct = ad.engine("sct")
    for x, y in ((0.3, 0.7), (-1.1, 0.4), (2.0, -0.5)):
        expected = jax.hessian(packed_jax, (0, 1))(x, y)
        for mode in MODES:
            assert max_error(sct.hessian(packed, (0, 1), mode=mode)(x, y), expected) < 1e-12


@pytest.mark.parametrize("name", workloads.names())
def test_every_workload_hessian_by_the_default_makes_no_box(name, monkeypatch):
    """The report's ``sct:sct`` cells (study 7) take the default engine's Hessians of workloads:
    none of them may fall back to boxes for a call (:meth:`SCTEngine._entry_or_boxes`), in
    either composition, and each agrees with JAX."""
    w = workloads.get(name)
    _no_traces(monkeypatch)
    # the oracle runs the engine's Hessian in both compositions (MODES) against JAX's, which it
    # computes once per workload and seed for every test that asks
    assert compare(ad.engine("sct"), w, "hessian", 0, "numpy") < TOLERANCE, name
