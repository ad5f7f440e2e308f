"""Shape and assembly names of the vocabulary, their methods, and the constants.

Every name runs on every engine (elemental through its library call) on NumPy
and JAX inputs, its JVP and VJP checked against the jax.numpy function of the
same name, plus one forward-over-reverse Hessian each; refused forms are checked
by their message.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from vocab_check import ENGINES, JNP, check_jvp_vjp, engine_tests, uncovered

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.oracle import max_error


def _cols(np_, x, a, b):
    return np_.getitem(x, (slice(None), slice(a, b)))


# name -> (case, shapes): case(np_) is the function, written with np_'s names only
CASES = {
    "array": (lambda np_: lambda x, y: np_.array([[x, y], [y, x]]), ((), ())),
    "asarray": (lambda np_: lambda x, y: np_.asarray([np_.sin(x), y, x]), ((3,), (3,))),
    "asarray_of_array": (lambda np_: lambda x: np_.asarray(x, dtype=np.float64), ((2, 3),)),
    "ravel": (lambda np_: lambda x: np_.ravel(x), ((2, 3),)),
    "squeeze": (lambda np_: lambda x: np_.squeeze(x), ((1, 3, 1),)),
    "squeeze_axis": (lambda np_: lambda x: np_.squeeze(x, axis=(0, 2)), ((1, 3, 1, 2),)),
    "expand_dims": (lambda np_: lambda x: np_.expand_dims(x, (0, -1)), ((2, 3),)),
    "swapaxes": (lambda np_: lambda x: np_.swapaxes(x, 0, -1), ((2, 3, 4),)),
    "moveaxis": (lambda np_: lambda x: np_.moveaxis(x, (0, 1), (-1, 0)), ((2, 3, 4),)),
    "flip": (lambda np_: lambda x: np_.flip(x), ((2, 3),)),
    "flip_axis": (lambda np_: lambda x: np_.flip(x, -1), ((2, 3, 2),)),
    "fliplr": (lambda np_: lambda x: np_.fliplr(x), ((2, 3),)),
    "flipud": (lambda np_: lambda x: np_.flipud(x), ((3, 2),)),
    "rot90": (lambda np_: lambda x: np_.rot90(x), ((2, 3),)),
    "rot90_k": (lambda np_: lambda x: np_.rot90(x, -1, axes=(1, 2)), ((2, 3, 4),)),
    "rot90_2": (lambda np_: lambda x: np_.rot90(x, 2), ((2, 3),)),
    "roll": (lambda np_: lambda x: np_.roll(x, 4), ((2, 3),)),
    "roll_axis": (lambda np_: lambda x: np_.roll(x, -1, axis=1), ((2, 3),)),
    "roll_axes": (lambda np_: lambda x: np_.roll(x, (1, 2), axis=(0, 1)), ((2, 3),)),
    "tile": (lambda np_: lambda x: np_.tile(x, (2, 1, 3)), ((2, 3),)),
    "tile_int": (lambda np_: lambda x: np_.tile(x, 2), ((3,),)),
    "repeat": (lambda np_: lambda x: np_.repeat(x, 2, axis=1), ((2, 3),)),
    "repeat_flat": (lambda np_: lambda x: np_.repeat(x, 3), ((2, 2),)),
    "repeat_counts": (lambda np_: lambda x: np_.repeat(x, np.array([2, 0, 1]), axis=0), ((3, 2),)),
    "pad": (lambda np_: lambda x: np_.pad(x, ((1, 2), (0, 1))), ((2, 3),)),
    "pad_value": (lambda np_: lambda x: np_.pad(x, 1, constant_values=1.5), ((3,),)),
    "hstack": (lambda np_: lambda x, y: np_.hstack([x, np_.sin(y)]), ((2, 3), (2, 2))),
    "hstack_1d": (lambda np_: lambda x, y: np_.hstack((x, y)), ((3,), (2,))),
    "vstack": (lambda np_: lambda x, y: np_.vstack([x, y]), ((2, 3), (3,))),
    "column_stack": (lambda np_: lambda x, y: np_.column_stack([x, y]), ((3,), (3, 2))),
    "split": (lambda np_: lambda x: np_.split(x, 2, axis=1), ((3, 4),)),
    "split_indices": (lambda np_: lambda x: np_.split(x, [1, 3]), ((5, 2),)),
    "array_split": (lambda np_: lambda x: np_.array_split(x, 3, axis=-1), ((2, 4),)),
    "hsplit": (lambda np_: lambda x: np_.hsplit(x, 2), ((3, 4),)),
    "vsplit": (lambda np_: lambda x: np_.vsplit(x, [1]), ((3, 2),)),
    "diag_matrix": (lambda np_: lambda x: np_.diag(x, 1), ((3, 4),)),
    "diag_vector": (lambda np_: lambda x: np_.diag(x, -1), ((3,),)),
    "diagonal": (lambda np_: lambda x: np_.diagonal(x, 1, 2, 0), ((3, 2, 4),)),
    "trace": (lambda np_: lambda x: np_.trace(x, -1), ((3, 3),)),
    "tril": (lambda np_: lambda x: np_.tril(x), ((3, 4),)),
    "triu": (lambda np_: lambda x: np_.triu(x, 1), ((2, 3, 3),)),
    "atleast_1d": (lambda np_: lambda x: np_.atleast_1d(x), ((),)),
    "atleast_2d": (lambda np_: lambda x, y: np_.atleast_2d(x, y), ((3,), (2, 2))),
    "atleast_3d": (lambda np_: lambda x: np_.atleast_3d(x), ((2, 3),)),
    "sort": (lambda np_: lambda x: np_.sort(x), ((3, 4),)),
    "sort_axis": (lambda np_: lambda x: np_.sort(x, axis=0), ((3, 4),)),
    "sort_flat": (lambda np_: lambda x: np_.sort(x, axis=None), ((3, 4),)),
    "select": (lambda np_: lambda x, y: np_.select([np_.sign(x) > 0, np_.sign(y) > 0], [x, np_.sin(y)], 0.5),
               ((2, 3), (2, 3))),
    "astype": (lambda np_: lambda x: np_.multiply(np_.astype(x, np.float64), np_.astype(x, np.int64)), ((3,),)),
}
test_jvp_and_vjp_against_jax, test_forward_over_reverse_against_jax = engine_tests(CASES)


def test_every_shape_name_has_a_case():
    names = {"array", "asarray", "ravel", "squeeze", "expand_dims", "swapaxes", "moveaxis", "flip", "fliplr",
             "flipud", "rot90", "roll", "tile", "repeat", "pad", "hstack", "vstack", "column_stack", "split",
             "array_split", "hsplit", "vsplit", "diag", "diagonal", "trace", "tril", "triu", "atleast_1d",
             "atleast_2d", "atleast_3d", "sort", "select", "astype"}
    assert all(hasattr(anp, n) and hasattr(el, n) for n in names)
    assert uncovered(names, CASES) == set()


# --------------------------------------------------------------------------
# Methods on active values (natural form: overloading and SCT)


def _methods(x):
    y = x.reshape(2, 3, 1).squeeze().T.ravel() * x.flatten()
    z = x.astype(np.float64).sum(axis=0) + x.mean() + x.max(axis=1).sum() + x.astype(np.int64).sum()
    return y.sum() * z.mean()


def _reductions(x):
    return x.min(axis=0).sum() * x.prod(axis=1).sum() + x.min() * x.prod()


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("engine", ["overloading", "sct"])
@pytest.mark.parametrize("f", [_methods, _reductions], ids=["shape-methods", "min-prod"])
def test_methods_on_active_values(f, engine, backend):
    if f is _reductions and not (hasattr(anp, "min") and hasattr(anp, "prod")):
        pytest.skip("anp.min / anp.prod are not in the vocabulary yet (added by the reductions work); "
                    "the methods call them by name")
    eng = ad.engine(engine)
    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=(2, 3))
        xx = x if backend == "numpy" else jnp.asarray(x)
        assert max_error(eng.grad(f)(xx), jax.grad(f)(jnp.asarray(x))) < 1e-11
        assert max_error(eng.hessian(f)(xx), jax.hessian(f)(jnp.asarray(x))) < 1e-11


@pytest.mark.parametrize("method, call", [(lambda x: x.sum(), r"el\.sum"), (lambda x: x.T, r"el\.transpose"),
                                          (lambda x: x.flatten(), r"el\.ravel"),
                                          (lambda x: x.reshape(3), r"el\.reshape"),
                                          (lambda x: x.astype(float), r"el\.astype")])
def test_elemental_values_refuse_methods_naming_the_library_call(method, call):
    with pytest.raises(TypeError, match=rf"not defined on elemental values .*use {call}"):
        ad.engine("elemental").grad(lambda x: el.sum(method(x)))(np.ones(3))


# --------------------------------------------------------------------------
# Constants: NumPy's values, never differentiated


CONSTANTS = [
    (lambda np_: np_.ones((2, 3)), lambda: np.ones((2, 3))),
    (lambda np_: np_.zeros(3), lambda: np.zeros(3)),
    (lambda np_: np_.eye(3, 4, 1), lambda: np.eye(3, 4, 1)),
    (lambda np_: np_.identity(3), lambda: np.identity(3)),
    (lambda np_: np_.arange(5), lambda: np.arange(5)),
    (lambda np_: np_.arange(1.0, 2.0, 0.25), lambda: np.arange(1.0, 2.0, 0.25)),
    (lambda np_: np_.linspace(0.0, 1.0, 7), lambda: np.linspace(0.0, 1.0, 7)),
    (lambda np_: np_.linspace(0.0, 1.0, 4, endpoint=False), lambda: np.linspace(0.0, 1.0, 4, endpoint=False)),
    (lambda np_: np_.full((2, 2), 3.5), lambda: np.full((2, 2), 3.5)),
]


@pytest.mark.parametrize("make, numpy_make", CONSTANTS)
def test_constants_have_numpy_values(make, numpy_make):
    ours, theirs = make(anp), numpy_make()
    assert np.shape(ours) == theirs.shape and np.array_equal(ours, theirs)
    assert np.array_equal(make(JNP), theirs)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("engine", ENGINES)
def test_constants_in_a_differentiated_function(engine, backend):
    def case(np_):
        def f(x):
            m = np_.add(np_.eye(3), np_.full((3, 3), 0.5))
            w = np_.multiply(np_.linspace(0.0, 1.0, 3), np_.arange(3))
            return np_.add(np_.matmul(np_.multiply(x, np_.identity(3)), m), np_.multiply(w, np_.ones(3)))
        return f

    check_jvp_vjp(case, ((3, 3),), engine, backend)


# --------------------------------------------------------------------------
# Refused forms, by message


REFUSED = [
    (lambda x: anp.pad(x, 1, mode="edge", constant_values=1.0), ValueError, r"keyword.*mode 'edge'"),
    (lambda x: anp.linspace(0.0, anp.sum(x), 3), NotImplementedError,
     r"linspace makes a constant|linspace\(\) of a differentiated value"),
    (lambda x: anp.squeeze(x, 0), ValueError, r"cannot select an axis to squeeze out"),
    (lambda x: anp.split(x, 2), ValueError, r"does not result in an equal division"),
    (lambda x: anp.ravel(x, order="K"), NotImplementedError, r"order='K'.* is not supported"),
    (lambda x: anp.swapaxes(x, 0, 3), ValueError, r"axis2 3 is out of bounds"),
    (lambda x: anp.fliplr(anp.ravel(x)), ValueError, r"fliplr: input must be >= 2-d"),
    (lambda x: anp.sort(x, order="a"), NotImplementedError, r"order="),
]


@pytest.mark.parametrize("engine", ["overloading", "sct"])
@pytest.mark.parametrize("f, error, message", REFUSED)
def test_refused_forms_say_why(f, error, message, engine):
    with pytest.raises(error, match=message):
        ad.engine(engine).grad(lambda x: anp.sum(f(x)))(np.ones((3, 2)))


def test_pad_differentiates_an_active_constant_value():
    """(h14: pad's other modes and an active constant_values, as JAX's, are in tests/test_vocab14_padding.py.)"""
    assert ad.engine("overloading").grad(lambda v: anp.sum(anp.pad(np.ones(2), 1, constant_values=v)))(1.0) == 2.0
