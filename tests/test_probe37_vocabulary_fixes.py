"""Probe 37: vocabulary found missing or refusing where NumPy and JAX work, checked against JAX on the same source.

* ``qr``, ``eigh``, ``svd`` and ``slogdet`` return NumPy's and JAX's named tuples (``.R``, ``.eigenvalues``,
  ``.S``, ``.logabsdet`` raised an AttributeError on plain tuples);
* ``pinv(a, rcond=)``, ``pinv(a, rtol=, hermitian=)`` and ``cholesky(a, upper=True)`` (a TypeError from an
  internal function);
* ``nan_to_num(x, nan=x[0])``: a differentiated replacement (the overloading engine named ``np.copyto``);
* ``full``/``full_like`` of a differentiated fill (refused; SCT still refuses ``full``'s by name);
* under SCT, a vocabulary function whose code SCT refuses to transform (``histogram`` with differentiated bins)
  runs on the boxes for that call, as a derivative's program does (it was refused naming adcompare's own file).
"""

from __future__ import annotations

import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-9, atol=1e-10)
RNG = np.random.default_rng(37)
A = RNG.normal(size=(3, 3)) + 3.0 * np.eye(3)
SPD = A @ A.T


def named_results(a):
    return (anp.sum(anp.linalg.qr(a).R * anp.linalg.qr(a).Q) + anp.linalg.slogdet(a).logabsdet
            + anp.sum(anp.linalg.eigh(a @ a.T).eigenvalues) + anp.sum(anp.linalg.svd(a).S ** 2))


def pinv_cut_off(a):
    return anp.sum(anp.linalg.pinv(a, rtol=1e-3) * a) + anp.sum(anp.linalg.pinv(a @ a.T, hermitian=True))


def cholesky_upper(a):
    return anp.sum(anp.linalg.cholesky(a @ a.T, upper=True) * anp.arange(9.0).reshape(3, 3))


def differentiated_fill(a):
    return anp.sum(anp.full_like(a, a[0, 1]) * a) + anp.sum(anp.full_like(a[:2], a[1]) ** 2)


def full_of_a_differentiated_value(a):
    return anp.sum(anp.full((2, 3), a[1]) ** 2) * a[0, 0]


def differentiated_replacement(a):
    v = anp.log(a[0] - 3.5)  # nan where a[0] < 3.5
    return anp.sum(anp.nan_to_num(v, nan=a[1, 1] * 2.0, posinf=1.0) * a[2])


PROGRAMS = [named_results, pinv_cut_off, cholesky_upper, differentiated_fill]


def _oracle(f):
    return types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp}, f.__name__)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("f", PROGRAMS + [differentiated_replacement, full_of_a_differentiated_value],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_against_jax(f, name):
    if name == "sct" and f in (differentiated_replacement, full_of_a_differentiated_value):
        pytest.skip("SCT refuses a differentiated nan= and full's fill by name (tested below)")
    eng, fj = ad.engine(name), _oracle(f)
    for a in (A, A + 0.1 * RNG.normal(size=(3, 3))):
        value, grad = eng.value_and_grad(f)(a)
        want_value, want_grad = jax.value_and_grad(fj)(jnp.asarray(a))
        np.testing.assert_allclose(value, want_value, **TOL)
        np.testing.assert_allclose(grad, want_grad, **TOL)
        t = np.cos(a)
        np.testing.assert_allclose(eng.jvp(f, (a,), (t,))[1], jax.jvp(fj, (a,), (t,))[1], **TOL)


@pytest.mark.parametrize("f,text", [(differentiated_replacement, "nan="), (full_of_a_differentiated_value, "full")])
def test_sct_refuses_by_name_at_the_users_line(f, text):
    with pytest.raises(ad.SCTError, match=text) as info:
        ad.engine("sct").grad(f)(A)
    assert info.value.filename == __file__


def histogram_of_bins(x, e):
    h, _ = anp.histogram(x, bins=e, density=True)
    return anp.sum(h * anp.arange(3.0))


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_histogram_with_differentiated_bins(name):
    x, e = np.array([0.7, 1.3, -0.4, 2.0, 0.25, 1.1]), np.array([-1.0, 0.5, 1.2, 2.5])
    want = jax.grad(_oracle(histogram_of_bins), argnums=1)(x, e)
    np.testing.assert_allclose(ad.engine(name).grad(histogram_of_bins, argnums=1)(x, e), want, **TOL)


def test_named_results_values_and_fields():
    for name, fields in [("qr", ("Q", "R")), ("eigh", ("eigenvalues", "eigenvectors")),
                         ("svd", ("U", "S", "Vh")), ("slogdet", ("sign", "logabsdet"))]:
        ours, theirs = getattr(anp.linalg, name)(SPD), getattr(np.linalg, name)(SPD)
        assert ours._fields == theirs._fields == fields
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(np.abs(a), np.abs(b), **TOL)  # (signs of vectors are LAPACK's)
    np.testing.assert_allclose(anp.linalg.pinv(A, rcond=1e-3), np.linalg.pinv(A, rcond=1e-3), **TOL)
    np.testing.assert_allclose(anp.linalg.cholesky(SPD, upper=True), np.linalg.cholesky(SPD).T, **TOL)
    with pytest.raises(ValueError, match="rcond and rtol"):
        anp.linalg.pinv(A, rcond=1e-3, rtol=1e-3)
