"""NumPy arguments that were ignored or mishandled, each silently: JAX (float64) is the oracle for values and dtypes.

- ``linalg.lstsq(a, b, rcond=)`` ignored ``rcond``: a cut that lowers the rank below the columns gave the full-rank
  solution (JAX's rank 1 one differs); it is refused by name now, as any rank-deficient ``a`` is.
- ``triu``/``tril`` of an integer or bool array were float64; ``pad`` of an integer array with a float fill was
  float; ``linalg.trace(x, dtype=)`` ignored ``dtype``.
- ``vecdot``, ``vdot``, ``cov`` and ``correlate`` of complex arrays did not conjugate: refused by name, as ``conj``
  refuses them.
- ``anp.where(m, x, None)`` (or a string, or an array of objects) with a differentiated ``x`` made an object array
  taken as a constant (zero derivative); JAX refuses it, and so does every engine now, at the user's line.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)
A = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
B = np.array([1.0, 0.0, 2.0])


@pytest.mark.parametrize("rcond", [None, -1.0, 1e-3, 0.1])
def test_lstsq_with_a_cut_that_keeps_the_rank_is_jax_s(rcond):
    ours, theirs = anp.linalg.lstsq(A, B, rcond=rcond), jnp.linalg.lstsq(A, B, rcond=rcond)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[2] == int(theirs[2]) == 2


@pytest.mark.parametrize("rcond", [0.5, 0.9])
def test_lstsq_with_a_cut_that_lowers_the_rank_is_refused(rcond):
    assert int(jnp.linalg.lstsq(A, B, rcond=rcond)[2]) == 1
    with pytest.raises(NotImplementedError, match="rank 1 < 2"):
        anp.linalg.lstsq(A, B, rcond=rcond)


@pytest.mark.parametrize("x", [np.arange(9).reshape(3, 3), np.arange(9, dtype=np.int32).reshape(3, 3),
                               np.ones((2, 3), bool), np.arange(6.0, dtype=np.float32).reshape(2, 3)],
                         ids=["int64", "int32", "bool", "float32"])
@pytest.mark.parametrize("k", [-1, 0, 1])
def test_triangles_keep_the_dtype(x, k):
    for ours, theirs in [(anp.triu(x, k), jnp.triu(x, k)), (anp.tril(x, k), jnp.tril(x, k))]:
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("x, fill", [(np.arange(4), 2.7), (np.arange(4), -2.7), (np.arange(4, dtype=np.int32), 3.9),
                                     (np.arange(4.0, dtype=np.float32), 2.5)])
def test_pad_casts_the_fill_to_the_array_s_dtype(x, fill):
    ours, theirs = anp.pad(x, 1, constant_values=fill), jnp.pad(x, 1, constant_values=fill)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_linalg_trace_takes_dtype():
    x = np.arange(9.0).reshape(3, 3)
    assert anp.linalg.trace(x, dtype=np.float32).dtype == jnp.linalg.trace(x, dtype=np.float32).dtype
    assert anp.linalg.trace(x) == jnp.linalg.trace(x)


@pytest.mark.parametrize("call", [lambda: anp.linalg.vecdot(np.array([1 + 1j, 2]), np.array([1j, 1])),
                                  lambda: anp.correlate(np.array([1 + 1j, 2]), np.array([1j, 1])),
                                  lambda: anp.imag(np.array([1j])),
                                  lambda: anp.vdot(np.array([1 + 2j]), np.array([1j])),
                                  lambda: anp.cov(np.array([[1 + 1j, 2, 3], [1, 0, 1j]]))],
                         ids=["vecdot", "correlate", "imag", "vdot", "cov"])
def test_conjugating_functions_refuse_complex_arrays(call):
    with pytest.raises(TypeError, match="complex arguments are not supported"):
        call()


def test_real_correlate_and_vecdot_are_numpy_s():
    a, v = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])
    np.testing.assert_allclose(anp.correlate(a, v, mode="full"), np.correlate(a, v, mode="full"))
    np.testing.assert_allclose(anp.linalg.vecdot(a, v), jnp.linalg.vecdot(a, v))


M = np.array([[True, False, True], [False, True, True]])
OBJECTS = np.array([1.0, None, 2.0], dtype=object)


def where_none(x):
    return anp.sum(anp.where(M, x, None))


def where_text(x):
    return anp.sum(anp.where(M, x, "a"))


def add_objects(x):
    return anp.sum(anp.add(x, OBJECTS))


@pytest.mark.parametrize("engine", ["overloading", "elemental", "sct"])
@pytest.mark.parametrize("f", [where_none, where_text, add_objects], ids=lambda f: f.__name__)
def test_an_operand_that_is_no_number_is_refused(engine, f):
    if engine == "sct" and f is add_objects:
        pytest.skip("SCT raises NumPy's TypeError for an array of objects (an error, not a value)")
    with pytest.raises((TypeError, SCTError)) as e:
        ad.engine(engine).vjp(f, np.ones((2, 3)))[1](1.0)
    assert "not a number" in str(e.value) or "None or a string" in str(e.value)
    assert f"line {f.__code__.co_firstlineno + 1}" in str(e.value) or \
        f"{__file__}:{f.__code__.co_firstlineno + 1}" in str(e.value)


@pytest.mark.parametrize("a, rcond", [(np.ones((3, 2)), 0.0), (np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]), 1e-20),
                                      (np.zeros((3, 2)), None)], ids=["ones", "tiny-cut", "zeros"])
def test_lstsq_of_a_rank_deficient_matrix_is_refused_whatever_the_cut(a, rcond):
    """A cut below the default one, or a zero matrix, must not give pinv's solution (it drops what JAX keeps)."""
    with pytest.raises(NotImplementedError, match="< 2 columns"):
        anp.linalg.lstsq(a, B, rcond=rcond)
