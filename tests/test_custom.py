"""ad.custom_vjp and ad.custom_jvp: user rules honoured by every engine, checked against JAX."""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.measure.footprint import kept_bytes
from adcompare.oracle import max_error

TAPE_ENGINES = ("overloading", "elemental")
TOL = 1e-12

# --------------------------------------------------------------------------
# A numerically stable logsumexp, in both forms, with counters on its rules

calls = {"fwd": 0, "bwd": 0}


@ad.custom_vjp
def lse(x):
    m = anp.max(x)
    return m + anp.log(anp.sum(anp.exp(x - m)))


def lse_fwd(x):
    calls["fwd"] += 1
    m = anp.max(x)
    y = m + anp.log(anp.sum(anp.exp(x - m)))
    return y, (x, y)


def lse_bwd(residuals, g):
    calls["bwd"] += 1
    x, y = residuals
    return (g * anp.exp(x - y),)


lse.defvjp(lse_fwd, lse_bwd)


@ad.custom_vjp
def lse_el(x):
    m = el.max(x)
    return el.add(m, el.log(el.sum(el.exp(el.subtract(x, m)))))


def lse_el_fwd(x):
    m = el.max(x)  # not lse_el(x): forward over reverse would then meet a custom_vjp call (as in JAX)
    y = el.add(m, el.log(el.sum(el.exp(el.subtract(x, m)))))
    return y, (x, y)


def lse_el_bwd(residuals, g):
    x, y = residuals
    return (el.multiply(g, el.exp(el.subtract(x, y))),)


lse_el.defvjp(lse_el_fwd, lse_el_bwd)


def loss(x):
    return lse(x * 2.0) * anp.sum(x)


def loss_el(x):
    return el.multiply(lse_el(el.multiply(x, 2.0)), el.sum(x))


@jax.custom_vjp
def lse_jax(x):
    m = jnp.max(x)
    return m + jnp.log(jnp.sum(jnp.exp(x - m)))


def _lse_jax_fwd(x):
    y = lse_jax(x)
    return y, (x, y)


lse_jax.defvjp(_lse_jax_fwd, lambda res, g: (g * jnp.exp(res[0] - res[1]),))


def loss_jax(x):
    return lse_jax(x * 2.0) * jnp.sum(x)


def program(name):
    return loss_el if name == "elemental" else loss


X = np.array([0.3, -1.2, 2.0, 0.7])


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("name", TAPE_ENGINES)
def test_stable_logsumexp_gradient_matches_jax(name, backend):
    x = X if backend == "numpy" else jnp.asarray(X)
    g = ad.engine(name).grad(program(name))(x)
    assert isinstance(g, np.ndarray if backend == "numpy" else jax.Array)
    assert max_error(g, jax.grad(loss_jax)(jnp.asarray(X))) < TOL


@pytest.mark.parametrize("name", TAPE_ENGINES)
def test_stable_logsumexp_stays_finite_where_the_naive_one_overflows(name):
    x = np.array([1000.0, 999.0, -5.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = ad.engine(name).grad(lambda v: anp.log(anp.sum(anp.exp(v))))(x)
    assert not np.all(np.isfinite(naive))
    g = ad.engine(name).grad(lse_el if name == "elemental" else lse)(x)
    assert max_error(g, jax.nn.softmax(jnp.asarray(x))) < TOL


def test_jax_grad_of_the_same_source_uses_jax_custom_vjp():
    @ad.custom_vjp
    def halve_gradient(x):
        return x

    halve_gradient.defvjp(lambda x: (x, None), lambda _, g: (0.5 * g,))
    f = lambda x: anp.sin(halve_gradient(x))  # noqa: E731
    expected = 0.5 * math.cos(0.4)
    assert abs(jax.grad(f)(0.4) - expected) < TOL
    for name in TAPE_ENGINES:
        assert abs(ad.engine(name).grad(f)(0.4) - expected) < TOL


@pytest.mark.parametrize("name", TAPE_ENGINES)
def test_fwd_runs_once_per_application_and_bwd_once_per_cotangent(name):
    counts = {"fwd": 0, "bwd": 0}

    @ad.custom_vjp
    def weighted(x, w):
        return anp.tanh(x) * w

    def weighted_fwd(x, w):
        counts["fwd"] += 1
        t = anp.tanh(x)
        return t * w, (t, w)

    def weighted_bwd(residuals, g):
        counts["bwd"] += 1
        t, w = residuals
        return g * w * (1.0 - t * t), g * t

    weighted.defvjp(weighted_fwd, weighted_bwd)
    eng = ad.engine(name)
    x, w = np.array([0.1, 0.5, -0.3]), np.array([2.0, -1.0, 0.5])
    bars = eng.grad(lambda a, b: anp.sum(weighted(a, b)), (0, 1))(x, w)
    assert counts == {"fwd": 1, "bwd": 1}
    expected = jax.grad(lambda a, b: jnp.sum(jnp.tanh(a) * b), (0, 1))(jnp.asarray(x), jnp.asarray(w))
    assert max_error(bars, expected) < TOL

    counts.update(fwd=0, bwd=0)
    jac = eng.jacrev(weighted)(x, w)  # three cotangents, one application
    assert counts == {"fwd": 1, "bwd": 3}
    assert max_error(jac, jax.jacrev(lambda a: jnp.tanh(a) * jnp.asarray(w))(jnp.asarray(x))) < TOL


@pytest.mark.parametrize("how", ["fwd-rev", "rev-rev"])
@pytest.mark.parametrize("name", TAPE_ENGINES)
def test_rules_written_with_the_vocabulary_differentiate_again(name, how):
    x = X[:3]
    hessian = ad.engine(name).hessian(program(name), mode=how)(x)
    assert max_error(hessian, jax.jacrev(jax.jacrev(loss_jax))(jnp.asarray(x))) < 1e-10


def test_rules_are_used_at_the_top_level_only():
    calls.update(fwd=0, bwd=0)
    ad.engine("overloading").hessian(loss, mode="rev-rev")(X[:2])
    # The inner gradient applies lse once and pulls one cotangent back through it; the outer
    # level recorded lse_fwd's and lse_bwd's own operations and sweeps those (twice, one per
    # row of the Hessian) without calling the rules again.
    assert calls == {"fwd": 1, "bwd": 1}


def test_the_rules_called_straight_from_the_table():
    ans, g = lse(X), 0.5
    calls.update(fwd=0, bwd=0)
    x_bar = lse.vjps[0](ans, X)(g)  # no application: the rule makes its own
    assert max_error(x_bar, jax.grad(lse_jax)(jnp.asarray(X)) * g) < TOL
    assert calls == {"fwd": 1, "bwd": 1}


def test_kept_bytes_count_the_residuals():
    x = np.ones(50)
    for name in TAPE_ENGINES:
        eng = ad.engine(name)
        _, f_vjp = eng.vjp(lse_el if name == "elemental" else lse, x)
        assert kept_bytes(f_vjp) == 50 * 8 + 8  # the residuals (x, y): the internals are not kept


# --------------------------------------------------------------------------
# Functions with no Python source, wrapped by the user

erf_array = ad.custom_vjp(np.vectorize(math.erf, otypes=[np.float64]))
erf_array.defvjp(lambda x: (erf_array(x), x),
                 lambda x, g: (g * (2.0 / math.sqrt(math.pi)) * anp.exp(-x * x),))
erf_scalar = ad.custom_vjp(math.erf)
erf_scalar.defvjp(lambda x: (math.erf(x), x),
                  lambda x, g: (g * (2.0 / math.sqrt(math.pi)) * anp.exp(-x * x),))


@pytest.mark.parametrize("name", TAPE_ENGINES)
def test_a_numpy_function_without_source_gets_its_rule(name):
    x = np.linspace(-1.5, 2.0, 6)
    eng = ad.engine(name)
    f = (lambda v: el.sum(el.multiply(erf_array(v), v))) if name == "elemental" else (
        lambda v: anp.sum(erf_array(v) * v))
    expected = jax.grad(lambda v: jnp.sum(jsp.erf(v) * v))(jnp.asarray(x))
    assert max_error(eng.grad(f)(x), expected) < TOL
    assert max_error(eng.jacrev(erf_array)(x), jax.jacrev(jsp.erf)(jnp.asarray(x))) < TOL


@pytest.mark.parametrize("name", TAPE_ENGINES)
def test_a_builtin_gets_its_rule(name):
    f = (lambda v: el.multiply(erf_scalar(v), el.sin(v))) if name == "elemental" else (
        lambda v: erf_scalar(v) * anp.sin(v))
    assert erf_scalar.__name__ == "erf"
    expected = jax.grad(lambda v: jsp.erf(v) * jnp.sin(v))(0.8)
    assert abs(ad.engine(name).grad(f)(0.8) - expected) < TOL


erf_jvp_calls = [0]
erf_by_jvp = ad.custom_jvp(np.vectorize(math.erf, otypes=[np.float64]))


@erf_by_jvp.defjvp
def _erf_jvp(primals, tangents):
    erf_jvp_calls[0] += 1
    (x,), (t,) = primals, tangents
    return erf_by_jvp(x), anp.multiply(t, anp.multiply(2.0 / math.sqrt(math.pi), anp.exp(-x * x)))


@pytest.mark.parametrize("name", TAPE_ENGINES)
def test_custom_jvp_in_forward_and_in_reverse_mode(name):
    eng = ad.engine(name)
    x, t = np.linspace(-1.0, 1.5, 5), np.linspace(0.5, 1.0, 5)
    y, y_dot = eng.jvp(erf_by_jvp, (x,), (t,))
    y_jax, y_dot_jax = jax.jvp(jsp.erf, (jnp.asarray(x),), (jnp.asarray(t),))
    assert max_error(y, y_jax) < TOL and max_error(y_dot, y_dot_jax) < TOL
    # reverse mode transposes the jvp rule: once per application, whatever the cotangents
    erf_jvp_calls[0] = 0
    assert max_error(eng.jacrev(erf_by_jvp)(x), jax.jacrev(jsp.erf)(jnp.asarray(x))) < TOL
    assert erf_jvp_calls[0] == 1


def test_custom_jvp_runs_its_rule_once_per_call_in_forward_mode():
    counts = [0]

    @ad.custom_jvp
    def product(x, y):
        return x * y

    @product.defjvp
    def product_jvp(primals, tangents):
        counts[0] += 1
        (x, y), (x_dot, y_dot) = primals, tangents
        return x * y, x_dot * y + x * y_dot

    eng = ad.engine("overloading")
    assert eng.jvp(product, (2.0, 3.0), (1.0, 10.0)) == (6.0, 23.0)
    assert counts[0] == 1  # the rule is joint: once for all active operands together
    assert eng.jvp(lambda x: product(x, 3.0), (2.0,), (1.0,)) == (6.0, 3.0)
    assert counts[0] == 2
    assert eng.hessian(lambda v: product(v[0], v[1]) * v[0])(np.array([2.0, 3.0])).tolist() == [[6.0, 4.0],
                                                                                            [4.0, 0.0]]


# --------------------------------------------------------------------------
# JAX's API: tuple outputs, nondiff_argnums, and its errors


@partial(ad.custom_vjp, nondiff_argnums=(1,))
def scale_and_total(x, k):
    return x * k, anp.sum(x)


scale_and_total.defvjp(lambda x, k: ((x * k, anp.sum(x)), None),
                       lambda k, _, g: (g[0] * k + g[1],))


@partial(jax.custom_vjp, nondiff_argnums=(1,))
def scale_and_total_jax(x, k):
    return x * k, jnp.sum(x)


scale_and_total_jax.defvjp(lambda x, k: ((x * k, jnp.sum(x)), None), lambda k, _, g: (g[0] * k + g[1],))


@pytest.mark.parametrize("name", TAPE_ENGINES)
def test_tuple_outputs_and_nondiff_argnums(name):
    x = np.array([0.5, -1.0, 2.0])

    def f(v):
        scaled, total = scale_and_total(v, 3.0)
        return anp.sum(anp.sin(scaled)) * total

    def f_jax(v):
        scaled, total = scale_and_total_jax(v, 3.0)
        return jnp.sum(jnp.sin(scaled)) * total

    f_el = lambda v: el.multiply(el.sum(el.sin(scale_and_total(v, 3.0)[0])), scale_and_total(v, 3.0)[1])  # noqa: E731
    expected = jax.grad(f_jax)(jnp.asarray(x))
    assert max_error(ad.engine(name).grad(f_el if name == "elemental" else f)(x), expected) < TOL
    assert max_error(jax.grad(f)(jnp.asarray(x)), expected) < TOL  # the same source, as jax.custom_vjp
    assert scale_and_total(x, k=2.0)[1] == 1.5  # keywords are matched to positions


def test_calling_a_custom_function_before_its_rules_are_defined_names_it():
    @ad.custom_vjp
    def unfinished(x):
        return x

    @ad.custom_jvp
    def unstarted(x):
        return x

    with pytest.raises(NotImplementedError, match=r"'unfinished' has no rules yet.*unfinished\.defvjp"):
        unfinished(1.0)
    with pytest.raises(NotImplementedError, match=r"'unstarted' has no rule yet.*@unstarted\.defjvp"):
        ad.engine("overloading").grad(unstarted)(1.0)


def test_forward_mode_on_a_custom_vjp_function_is_refused_as_in_jax():
    with pytest.raises(TypeError, match="custom_vjp function 'lse' has no forward-mode rule"):
        ad.engine("overloading").jvp(lse, (X,), (X,))


def test_a_bwd_with_the_wrong_number_of_cotangents_is_reported():
    @ad.custom_vjp
    def twice(x):
        return 2.0 * x

    twice.defvjp(lambda x: (2.0 * x, None), lambda _, g: (2.0 * g, g))
    with pytest.raises(ValueError, match="'twice'.*tuple of 1 cotangent"):
        ad.engine("overloading").grad(twice)(1.0)


def test_an_active_value_in_a_nondiff_argument_is_refused():
    with pytest.raises(TypeError, match="argument 1 of custom_vjp function 'scale_and_total'"):
        ad.engine("overloading").grad(lambda k: scale_and_total(X, k)[1])(2.0)


# --------------------------------------------------------------------------
# The SCT engine


def _sct_honours_custom_vjp() -> bool:
    try:
        g = ad.engine("sct").grad(loss)(X)
    except Exception:
        return False
    return max_error(g, jax.grad(loss_jax)(jnp.asarray(X))) < TOL


def test_sct_honours_a_custom_vjp_function_called_from_natural_form():
    assert _sct_honours_custom_vjp()


# A custom_jvp function with no Python source, inside a product: the outer level of a
# Hessian must apply the custom rule too (a wrapped builtin would drop its derivative).
erf_builtin = ad.custom_jvp(np.vectorize(math.erf, otypes=[np.float64]))


@erf_builtin.defjvp
def _erf_builtin_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    slope = anp.multiply(2.0 / math.sqrt(math.pi), anp.exp(anp.negative(anp.multiply(x, x))))
    return erf_builtin(x), anp.multiply(t, slope)


def erf_times_x(x):
    return anp.sum(erf_builtin(x) * x)


def erf_times_x_el(x):
    return el.sum(el.multiply(erf_builtin(x), x))


@pytest.mark.parametrize("name", ["overloading", "elemental", "sct"])
@pytest.mark.parametrize("how", ["fwd-rev", "rev-rev"])
def test_hessian_through_a_sourceless_custom_jvp_inside_a_product(name, how):
    x = np.array([0.3, -0.7, 1.1])
    expected = jax.hessian(lambda v: jnp.sum(jsp.erf(v) * v))(jnp.asarray(x))
    f = erf_times_x_el if name == "elemental" else erf_times_x
    assert max_error(ad.engine(name).hessian(f, mode=how)(x), expected) < 1e-12
