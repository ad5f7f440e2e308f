"""The public interface at its edges, on every engine (and SCT with ``higher="sct"``), against JAX.

argnums of any integer-like type; tangents and cotangents of the wrong dtype, kind or
structure; integer primals and outputs (float0, as JAX); a function that is not callable
or is called with the wrong arguments. The functions use ``anp`` calls only, so the
elemental engine takes them too, and JAX runs them unchanged as the oracle.
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
ENGINES = [*ad.ENGINES, "sct-higher"]


@pytest.fixture(params=ENGINES)
def eng(request):
    return SCTEngine(higher="sct") if request.param == "sct-higher" else ad.engine(request.param)


def _close(ours, ref, tol: float = TOL) -> None:
    a_leaves, a_tree = jax.tree_util.tree_flatten(ours)
    b_leaves, b_tree = jax.tree_util.tree_flatten(ref)
    assert a_tree == b_tree
    for a, b in zip(a_leaves, b_leaves):
        assert np.shape(a) == np.shape(b)
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def f2(x, y):
    return anp.sum(anp.add(anp.multiply(x, y), anp.sin(x)))


def f3(x, y, z):
    return anp.sum(anp.multiply(anp.multiply(anp.sin(x), y), z))


def vec(x):
    return anp.sin(x)


def _inputs(seed: int, n: int = 3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n), rng.normal(size=n), rng.normal()


# --- argnums: any integer-like value, checked once for every engine ---------------------------

@pytest.mark.parametrize("argnums", [np.int64(1), np.int32(-1), np.array(1), (np.int64(0), 1), [1, 0],
                                     np.array([0, 2]), (-1, 0)])
@pytest.mark.parametrize("seed", SEEDS)
def test_integer_like_argnums_match_jax(eng, argnums, seed):
    x, y, z = _inputs(seed)
    ref_nums = jax.tree_util.tree_map(int, tuple(argnums) if np.ndim(argnums) else int(argnums))
    _close(eng.grad(f3, argnums=argnums)(x, y, z), jax.grad(f3, argnums=ref_nums)(x, y, z))
    _close(eng.jacrev(f3, argnums=argnums)(x, y, z), jax.jacrev(f3, argnums=ref_nums)(x, y, z))
    _close(eng.jacfwd(f3, argnums=argnums)(x, y, z), jax.jacfwd(f3, argnums=ref_nums)(x, y, z))


def test_integer_like_argnums_in_hessian_and_value_and_grad(eng):
    x, y, z = _inputs(3)
    _close(eng.hessian(f3, argnums=np.int64(1))(x, y, z), jax.hessian(f3, argnums=1)(x, y, z))
    _close(eng.value_and_grad(f3, argnums=(np.int16(0), np.int64(2)))(x, y, z),
           jax.value_and_grad(f3, argnums=(0, 2))(x, y, z))


@pytest.mark.parametrize(("argnums", "message"), [
    (1.0, r"argnums must be an int or a tuple of ints, not 1.0 \(a float is not an integer\)"),
    ((0, 1.5), r"not \(0, 1.5\) \(a float is not an integer\)"),
    (True, r"not the bool True"),
    ((0, np.bool_(True)), r"not the bool (np\.)?True"),
    ("0", r"not '0' \(a str is not an integer\)"),
    (None, r"not None"),
])
def test_argnums_that_are_not_integers_are_refused_by_name(eng, argnums, message):
    with pytest.raises(TypeError, match=message):
        eng.grad(f2, argnums=argnums)
    with pytest.raises(TypeError, match=message):
        eng.jacfwd(f2, argnums=argnums)


@pytest.mark.parametrize(("argnums", "message"), [
    (2, r"argnums=2 is out of range for a function called with 2 positional"),
    (-3, r"argnums=-3 is out of range"),
    ((0, -2), r"names the same argument twice"),
    ((), r"argnums is empty"),
])
def test_argnums_out_of_range_repeated_or_empty(eng, argnums, message):
    x, y, _ = _inputs(0)
    with pytest.raises(ValueError, match=message):
        eng.grad(f2, argnums=argnums)(x, y)


# --- the function itself ------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["grad", "value_and_grad", "jacfwd", "jacrev", "hessian"])
def test_a_function_that_is_not_callable_is_refused(eng, method):
    with pytest.raises(TypeError, match=rf"{method} expects a callable .*got 3 of type int"):
        getattr(eng, method)(3)


def test_jvp_and_vjp_of_a_non_callable_are_refused(eng):
    with pytest.raises(TypeError, match=r"jvp expects a callable"):
        eng.jvp(3, (1.0,), (1.0,))
    with pytest.raises(TypeError, match=r"vjp expects a callable"):
        eng.vjp("f", 1.0)


def test_a_call_with_the_wrong_arguments_names_the_users_function(eng):
    x, y, _ = _inputs(0)
    with pytest.raises(TypeError, match=r"f2\(\)"):
        eng.grad(f2)(x)
    with pytest.raises(TypeError, match=r"f2\(\)"):
        eng.grad(f2)(x, y, y)


def test_has_aux_without_a_pair_names_the_function(eng):
    def three(x):
        return anp.sum(x), 1, 2

    with pytest.raises(TypeError, match=r"has_aux=True requires three to return a pair \(output, aux\); "
                                        r"it returned a tuple of 3 elements"):
        eng.grad(three, has_aux=True)(np.ones(2))


# --- cotangents: shape, dtype and kind, as JAX checks them -------------------------------------

@pytest.mark.parametrize(("bar", "message"), [
    (np.ones(3, np.int64), r"the cotangent has dtype int64 but the output has dtype float64: pass a float"),
    (np.ones(3, bool), r"the cotangent has dtype bool but the output has dtype float64: pass a float"),
    (np.ones(2), r"the cotangent has shape \(2,\) but the output has shape \(3,\)"),
])
def test_a_cotangent_of_the_wrong_kind_or_shape_is_refused(eng, bar, message):
    x, _, _ = _inputs(0)
    _, f_vjp = eng.vjp(vec, x)
    with pytest.raises(ValueError, match=message):
        f_vjp(bar)
    with pytest.raises(ValueError):
        jax.vjp(vec, x)[1](bar)  # JAX refuses it too


def test_a_cotangent_that_is_not_an_array_is_named(eng):
    x, _, _ = _inputs(0)
    with pytest.raises(TypeError, match=r"the cotangent is a str, which is not an array or a number"):
        eng.vjp(vec, x)[1]("a")


def test_a_cotangent_of_another_float_precision_is_refused_as_by_jax(eng):
    """A float32 output takes a float32 cotangent and a Python number (weakly typed); a float64 one
    is refused, as JAX refuses it (tests/test_probe10_fix_cotangent_dtype.py has more). An engine's
    own calls inside a sweep still pass float64 next to float32 (see the tests at the end)."""
    x = np.array([0.3, -1.2], np.float32)
    _, f_vjp = eng.vjp(lambda v: anp.sum(anp.sin(v)), x)
    expected = jax.vjp(lambda v: anp.sum(anp.sin(v)), x)[1](np.float32(2.0))
    for bar in (np.float32(2.0), 2.0):
        _close(f_vjp(bar), expected, 1e-6)
    with pytest.raises(ValueError, match=r"dtype float64 but the output has dtype float32"):
        f_vjp(np.float64(2.0))


def test_an_integer_output_takes_float0_or_a_number_as_its_cotangent(eng):
    def f(x):
        return anp.sum(x) > 0, anp.multiply(x, 2.0)

    if eng.name == "elemental":  # a comparison of elemental values is refused by design
        f = _elemental_pair
    x, _, _ = _inputs(1)
    _, f_vjp = eng.vjp(f, x)
    ref = jax.vjp(f, x)[1]((np.zeros((), jax.dtypes.float0), np.arange(3.0)))
    _close(f_vjp((np.zeros((), jax.dtypes.float0), np.arange(3.0))), ref)
    _close(f_vjp((0.0, np.arange(3.0))), ref)  # what generated code passes: it changes nothing


def _elemental_pair(x):
    import adcompare.elemental as el

    return el.primal(el.sum(x)) > 0, el.multiply(x, 2.0)


# --- tangents --------------------------------------------------------------------------------------

def test_an_integer_primal_takes_a_float0_tangent(eng):
    def f(x, n):
        return anp.sum(anp.multiply(x, n))

    x, t, _ = _inputs(2)
    n = np.arange(3)
    zero = np.zeros(3, jax.dtypes.float0)
    _close(eng.jvp(f, (x, n), (t, zero)), jax.jvp(f, (x, n), (t, zero)))


def test_a_tangent_that_is_not_an_array_is_named(eng):
    x, _, _ = _inputs(0)
    with pytest.raises(TypeError, match=r"jvp: tangent 0 is a str, which is not an array or a number"):
        eng.jvp(vec, (x,), ("a",))


# --- results that JAX gives as numbers --------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_float32_inputs_keep_float32_results(eng, seed):
    x, y = _inputs(seed)[0].astype(np.float32), _inputs(seed)[1]
    for ours, ref in [(eng.grad(f2, argnums=(0, 1))(x, y), jax.grad(f2, argnums=(0, 1))(x, y)),
                      (eng.jacrev(vec)(x), jax.jacrev(vec)(x)), (eng.jacfwd(vec)(x), jax.jacfwd(vec)(x))]:
        a_leaves, b_leaves = jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(ref)
        assert [np.asarray(a).dtype for a in a_leaves] == [np.asarray(b).dtype for b in b_leaves]
        for a, b in zip(a_leaves, b_leaves):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


def test_a_constant_output_has_a_zero_gradient(eng):
    def const(x):
        return 3.0

    x, _, _ = _inputs(0)
    _close(eng.grad(const)(x), jax.grad(const)(x))
    _close(eng.jacrev(const)(x), jax.jacrev(const)(x))
    _close(eng.jvp(const, (x,), (x,)), jax.jvp(const, (x,), (x,)))


def test_empty_arrays(eng):
    e = np.zeros((0,))
    _close(eng.grad(lambda v: anp.sum(anp.sin(v)))(e), jax.grad(lambda v: anp.sum(anp.sin(v)))(e))
    _close(eng.jacrev(vec)(e), jax.jacrev(vec)(e))
    _close(eng.jacfwd(vec)(e), jax.jacfwd(vec)(e))


def test_sqrt_at_zero_and_a_where_with_a_nan_branch(eng):
    x = np.array([0.0, 1.0, 4.0])

    def root(v):
        return anp.sum(anp.sqrt(v))

    def guarded(v):
        return anp.sum(anp.where(v > 0.0, anp.log(v), 0.0))

    _close(eng.grad(root)(x), jax.grad(root)(x))
    if eng.name != "elemental":  # a comparison of elemental values is refused by design
        _close(eng.grad(guarded)(x), jax.grad(guarded)(jnp.asarray(x)))


def test_sct_source_takes_integer_like_argnums_and_refuses_repeats():
    sct = ad.engine("sct")
    assert sct.source(f2, "reverse", argnums=np.int64(1)) == sct.source(f2, "reverse", argnums=1)
    assert sct.source(f2, "forward", argnums=[0, 1]) == sct.source(f2, "forward", argnums=(0, 1))
    with pytest.raises(ValueError, match=r"argnums=\(0, 0\) names the same argument twice"):
        sct.source(f2, "reverse", argnums=(0, 0))
    with pytest.raises(TypeError, match=r"not 1.0 \(a float is not an integer\)"):
        sct.transform(f2, "reverse", argnums=1.0)


def _sum_sin_times(t):
    return anp.sum(anp.multiply(anp.sin(t[0]), t[1]))


def _sin_times(t):
    return anp.multiply(anp.sin(t[0]), t[1])


@pytest.mark.parametrize("seed", SEEDS)
def test_a_jacobian_program_of_a_container_argument_is_taken_on_the_boxes(seed):
    """SCT's jacrev/jacfwd programs stack one array per row: for a tuple or dict argument (it was
    stacked into one array: hessian of a tuple gave a wrong structure) SCT over SCT takes that call
    on the boxes (``higher="sct"`` is the default since this test was written: it asserted a refusal),
    and gives JAX's answer. Inside transformed code the program refuses it: test_sct_second_findings."""
    x, y, _ = _inputs(seed)
    higher = SCTEngine(higher="sct")
    _close(higher.hessian(_sum_sin_times)((x, y)), jax.hessian(_sum_sin_times)((x, y)))
    _close(higher.jacfwd(higher.jacrev(_sin_times))((x, y)), jax.jacfwd(jax.jacrev(_sin_times))((x, y)))
    _close(higher.hessian(lambda d: _sum_sin_times((d["a"], d["b"])))({"a": x, "b": y}),
           jax.hessian(lambda d: _sum_sin_times((d["a"], d["b"])))({"a": x, "b": y}))
    _close(ad.engine("sct").hessian(_sum_sin_times)((x, y)), jax.hessian(_sum_sin_times)((x, y)))
    _close(higher.hvp(_sum_sin_times, ((x, y),), ((y, x),)),
           jax.jvp(jax.grad(_sum_sin_times), ((x, y),), ((y, x),))[1])


@pytest.mark.parametrize(("out", "message"), [
    (lambda x: anp.sin(x), r"f returned an output of shape \(3,\)\. Use jacrev or vjp"),
    (lambda x: 3, r"f returned an output of dtype int64\. Use jacrev or vjp"),
    (lambda x: (anp.sum(x), anp.sum(x)), r"f returned a tuple\. Use jacrev or vjp"),
])
def test_grad_and_value_and_grad_refuse_a_non_scalar_or_integer_output(eng, out, message):
    def f(x):
        return out(x)

    x, _, _ = _inputs(0)
    for make in (eng.grad, eng.value_and_grad):
        with pytest.raises(TypeError, match=r"grad requires a real scalar output; " + message):
            make(f)(x)


# --- an engine's own calls through the interface: a function it made, called inside SCT's code ---

def _inner(x, t):
    return anp.sum(anp.multiply(anp.multiply(anp.sin(x), t[0]), t[1]))


def _inner32(x):
    return anp.sum(anp.multiply(anp.sin(x), x))


def _inner_pair(x):
    return anp.multiply(x, x), 3


def _programs(grad, jacrev):
    """Three functions that call a made derivative (ours, or JAX's as the oracle)."""
    made_grad, made_grad32 = grad(_inner), grad(_inner32)
    made_pair = jacrev(_inner_pair, has_aux=True)

    def with_an_integer_leaf(x, y):
        return anp.sum(made_grad(x, (3, y)))

    def with_a_float64_constant(x):
        return anp.sum(anp.multiply(made_grad32(x), np.array([0.5, -1.0, 2.0])))

    def with_an_integer_aux(x):
        j, n = made_pair(x)
        return anp.sum(anp.multiply(j, n))

    return with_an_integer_leaf, with_a_float64_constant, with_an_integer_aux


_OURS = _programs(ad.engine("overloading").grad, ad.engine("overloading").jacrev)
_JAX = _programs(jax.grad, jax.jacrev)


@pytest.mark.parametrize("higher", ["boxes", "sct"])
@pytest.mark.parametrize("seed", SEEDS)
def test_sct_calls_a_made_function_with_integer_leaves_and_mixed_precision(higher, seed):
    """SCT's generated code calls the made function's jvp with a 0.0 tangent for an integer
    leaf, its pull-back with a 0.0 cotangent for an integer output and with float64
    cotangents for float32 outputs: the interface takes all three."""
    sct = SCTEngine(higher=higher)
    x, t, y = _inputs(seed)
    _close(sct.jvp(_OURS[0], (x, y), (t, 1.0)), jax.jvp(_JAX[0], (x, y), (t, 1.0)))
    _close(sct.grad(_OURS[2])(x), jax.grad(_JAX[2])(x))
    x32 = x.astype(np.float32)
    _close(sct.grad(_OURS[1])(x32), jax.grad(_JAX[1])(x32), 1e-5)


class _Model:
    def __init__(self, w):
        self.w = w

    def loss(self, x, y):
        return anp.sum(anp.multiply(anp.multiply(anp.sin(x), self.w), y))


@pytest.mark.parametrize("seed", SEEDS)
def test_a_bound_method_is_differentiated_with_self_fixed(eng, seed):
    x, w, y = _inputs(seed)
    model = _Model(w)
    _close(eng.grad(model.loss, argnums=(0, 1))(x, y), jax.grad(model.loss, argnums=(0, 1))(x, y))
    _close(eng.jvp(model.loss, (x, y), (w, 1.0)), jax.jvp(model.loss, (x, y), (w, 1.0)))
    _close(eng.hessian(model.loss)(x, y), jax.hessian(model.loss)(x, y))


def test_sct_refuses_a_callable_without_source_by_name():
    with pytest.raises(ad.SCTError,
                       match=r"differentiating ufunc objects: not supported by the SCT engine"):
        ad.engine("sct").grad(np.sin)(1.0)


def _repeat_sin(x, n):
    for _ in range(n):
        x = anp.sin(x)
    return x


@pytest.mark.parametrize("static", [1, np.int64(1), (np.int32(1),), [1]])
def test_checkpoint_static_argnums_takes_integer_likes(eng, static):
    x, _, _ = _inputs(4)
    ours = ad.checkpoint(_repeat_sin, static_argnums=static)
    theirs = jax.checkpoint(_repeat_sin, static_argnums=1)
    _close(eng.grad(lambda v: anp.sum(ours(v, 3)))(x), jax.grad(lambda v: jnp.sum(theirs(v, 3)))(x))


@pytest.mark.parametrize(("static", "message"), [((-1,), r"static_argnums=\(-1,\): give each position once"),
                                                 ((1, 1), r"static_argnums=\(1, 1\): give each position once"),
                                                 (1.0, r"not 1.0 \(a float is not an integer\)")])
def test_checkpoint_and_custom_vjp_refuse_bad_static_argnums(static, message):
    error = TypeError if isinstance(static, float) else ValueError
    with pytest.raises(error, match=message):
        ad.checkpoint(_repeat_sin, static_argnums=static)
    with pytest.raises(error, match=message):
        ad.custom_vjp(_repeat_sin, nondiff_argnums=static)
