"""Findings of the probes in SCT's second order (``higher="sct"``, the default), each against JAX float64.

(A) a Jacobian (jacrev, jacfwd, hessian) of a container argument called inside
transformed code: never a wrong shape (refused clearly, as at top level);
(B) a fancy (list) index under a second derivative is transformed again, not
refused; (C) ``sqrt`` at 0 under a Hessian gives JAX's -inf, not nan; (D) an
integer ``has_aux`` output of an overloading Jacobian inside SCT's jvp; (E) a
write into a dict argument; (F) the wording of a method called on a conditional
expression.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine
from tests.test_sct_higher import _no_traces

SEEDS = (0, 1, 2)


def _x(seed: int, n: int = 3) -> numpy.ndarray:
    return numpy.random.default_rng(seed).uniform(-1.2, 1.2, size=n)


def _close(a, b) -> None:
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    assert len(la) == len(lb)
    for u, v in zip(la, lb):
        assert numpy.shape(u) == numpy.shape(v)
        numpy.testing.assert_allclose(numpy.asarray(u), numpy.asarray(v), rtol=1e-10, atol=1e-12)


# (A) ------------------------------------------------------------------------------------------------
_REFUSED = r"a Jacobian \(jacrev, jacfwd\) whose output or input is not one real array"


def _vt(t):
    return anp.multiply(anp.sin(t[0]), t[1])


def _vd(t):
    return anp.multiply(anp.sin(t["a"]), t["b"])


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "hessian"])
@pytest.mark.parametrize("box", [tuple, list, dict])
def test_a_jacobian_of_a_container_inside_transformed_code_is_refused_not_misshapen(kind, box):
    sct = SCTEngine(higher="sct")
    inner = _vd if box is dict else _vt
    if kind == "hessian":
        make = sct.hessian(lambda t: anp.sum(inner(t)))
    else:
        make = getattr(sct, kind)(inner)

    def outer(t):
        J = make(t)
        first, second = (J["a"], J["b"]) if box is dict else (J[0], J[1])
        if kind == "hessian":
            first = first["a"] if box is dict else first[0]
            second = second["b"] if box is dict else second[1]
        return anp.multiply(first, second)

    x, y = _x(0), _x(1)
    arg = {"a": x, "b": y} if box is dict else box((x, y))
    with pytest.raises(TypeError, match=_REFUSED):
        sct.jvp(outer, (arg,), (arg,))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", ["jacrev", "jacfwd"])
def test_a_jacobian_of_one_array_inside_transformed_code_is_jax(seed, kind):
    sct = SCTEngine(higher="sct")
    make = getattr(sct, kind)(lambda v: anp.multiply(anp.sin(v), v))
    jmake = getattr(jax, kind)(lambda v: jnp.sin(v) * v)

    def outer(v):
        return anp.multiply(make(v), v)

    x, t = _x(seed), _x(seed + 10)
    _close(sct.jvp(outer, (x,), (t,)), jax.jvp(lambda v: jmake(v) * v, (x,), (t,)))


# (B) ------------------------------------------------------------------------------------------------
def _fancy(x):
    return anp.sum(anp.sin(x[[0, 2, 2]]) * x[[1, 1, 3]] * anp.array([1.0, 2.0, 3.0]))


def _fancy_jax(x):
    return jnp.sum(jnp.sin(x[jnp.array([0, 2, 2])]) * x[jnp.array([1, 1, 3])] * jnp.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("seed", SEEDS)
def test_b_a_fancy_index_under_second_order_is_transformed_again(seed, monkeypatch):
    sct, x, v = SCTEngine(), _x(seed, 4), _x(seed + 10, 4)
    expected = jax.hessian(_fancy_jax)(jnp.asarray(x))
    _no_traces(monkeypatch)  # no fallback to the boxes
    for mode in ("fwd-rev", "rev-rev"):
        _close(sct.hessian(_fancy, mode=mode)(x), expected)
    _close(sct.jacrev(sct.jacrev(_fancy))(x), expected)
    _close(sct.hvp(_fancy, (x,), (v,)), jax.jvp(jax.grad(_fancy_jax), (x,), (v,))[1])


# (D) ------------------------------------------------------------------------------------------------
_pair = ad.engine("overloading").jacrev(lambda v: (anp.multiply(anp.multiply(v, v), v), 3), has_aux=True)
_pair_jax = jax.jacrev(lambda v: (v * v * v, 3), has_aux=True)


def _with_int_aux(v):
    j, n = _pair(v)
    return anp.sum(anp.multiply(anp.multiply(j, n), anp.sin(v)))


def _with_int_aux_jax(v):
    j, n = _pair_jax(v)
    return jnp.sum(j * n * jnp.sin(v))


@pytest.mark.parametrize("seed", SEEDS)
def test_d_an_integer_aux_output_of_another_engine_inside_sct(seed):
    sct, x, t = ad.engine("sct"), _x(seed), _x(seed + 10)
    _close(sct.jvp(_with_int_aux, (x,), (t,)), jax.jvp(_with_int_aux_jax, (x,), (t,)))
    _close(sct.grad(_with_int_aux)(x), jax.grad(_with_int_aux_jax)(x))
    for mode in ("fwd-rev", "rev-rev"):  # the boxes' pull-back among the residuals: taken on the boxes
        _close(sct.hessian(_with_int_aux, mode=mode)(x), jax.hessian(_with_int_aux_jax)(jnp.asarray(x)))


# (E) ------------------------------------------------------------------------------------------------
def _dict_write(d):
    d["a"] = d["a"] * 2.0
    return anp.sum(d["a"])


def _dict_write_by_name(d, k):
    d[k] = d[k] * 2.0
    return anp.sum(d[k])


def _list_write(d):
    d[0] = d[0] * 2.0
    return anp.sum(anp.multiply(d[0], d[1]))


def test_e_a_write_into_a_dict_argument_is_jax():  # (refused until probe 10: a new dict, as JAX's own)
    sct, x = SCTEngine(), _x(0)
    d, jd = {"a": x}, {"a": jnp.asarray(x)}
    _close(sct.grad(_dict_write)(d), jax.grad(_dict_write)(jd))
    _close(sct.jvp(_dict_write, (d,), (d,)), jax.jvp(_dict_write, (jd,), (jd,)))
    assert d["a"] is x  # the caller's dict is not written into, as with JAX
    with pytest.raises(TypeError, match="index_update: writing by index into a dict"):
        sct.grad(_dict_write_by_name)({"a": x}, "a")


@pytest.mark.parametrize("seed", SEEDS)
def test_e_the_same_write_into_a_list_is_jax(seed):
    x, y = _x(seed), _x(seed + 10)

    def list_write_jax(d):
        d = list(d)
        d[0] = d[0] * 2.0
        return jnp.sum(d[0] * d[1])

    _close(SCTEngine().grad(_list_write)([x, y]), jax.grad(list_write_jax)([x, y]))


# (F) ------------------------------------------------------------------------------------------------
_e1, _e2 = SCTEngine(), SCTEngine()


def _method_on_ifexp(v):
    h = (_e1 if v[0] > 0 else _e2).grad(lambda u: anp.sum(anp.sin(u * v)))
    return anp.sum(h(v))


def _method_after_if(v):
    if v[0] > 0:
        h = _e1.grad(lambda u: anp.sum(anp.sin(u * v)))
    else:
        h = _e2.grad(lambda u: anp.sum(anp.sin(u * v)))
    return anp.sum(h(v))


def test_f_a_method_on_a_conditional_expression_is_named_as_such():
    with pytest.raises(ad.SCTError) as err:
        SCTEngine().grad(_method_on_ifexp)(_x(0))
    text = str(err.value)
    assert "the method .grad() called on a conditional expression SCT cannot resolve" in text
    assert "on a differentiated value" not in text and "_method_on_ifexp" in text


@pytest.mark.parametrize("seed", SEEDS)
def test_f_the_hinted_form_is_jax(seed):
    def f_jax(v):
        h = jax.grad(lambda u: jnp.sum(jnp.sin(u * v)))
        return jnp.sum(h(v))

    x = _x(seed)
    _close(SCTEngine().grad(_method_after_if)(x), jax.grad(f_jax)(x))


# (C) ------------------------------------------------------------------------------------------------
def _sqrt_sum(v):
    return anp.sum(anp.sqrt(v))


def _sqrt_sum_jax(v):
    return jnp.sum(jnp.sqrt(v))


@pytest.mark.parametrize("seed", SEEDS)
def test_c_sqrt_at_zero_under_a_hessian_is_jax_not_nan(seed):
    x = numpy.abs(_x(seed, 4))
    x[seed] = 0.0
    sct, boxes, jx = SCTEngine(), SCTEngine(higher="boxes"), jnp.asarray(x)
    with numpy.errstate(divide="ignore", invalid="ignore"):
        by_sct = sct.hessian(_sqrt_sum, mode="fwd-rev")(x)
        assert numpy.isneginf(by_sct[seed, seed])
        _close(by_sct, jax.hessian(_sqrt_sum_jax)(jx))
        _close(by_sct, boxes.hessian(_sqrt_sum, mode="fwd-rev")(x))
        _close(sct.hessian(_sqrt_sum, mode="rev-rev")(x), jax.jacrev(jax.jacrev(_sqrt_sum_jax))(jx))
