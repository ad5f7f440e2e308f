"""Vocabulary (h13): ``ldexp``, ``modf``, ``histogram_bin_edges``, ``poly`` and ``fromfunction`` (differentiable,
against JAX in float64 on the overloading engine and SCT); the integer constants (bitwise operations, shifts,
``gcd``, ``lcm``, ``packbits``), the array API's ``unique_*`` (constants, as JAX's derivative of them is zero),
``isscalar`` and NumPy's dtype names and utilities, against jax.numpy.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from vocab_more_check import ENGINES, close, program_tests

import adcompare.numpy as anp


def scaled_parts(np_):
    def f(x, y):
        frac, whole = np_.modf(x * 3.0)
        e = np_.histogram_bin_edges(x * y, bins=4)
        c = np_.poly(x[:4] * y[:4])
        g = np_.fromfunction(lambda i, j: i * x[j] + j * y[i], (3, 4), dtype=int)
        return (np_.sum(np_.ldexp(x * y, np_.array([1, -2, 3, 0] * 3)) ** 2) + np_.sum(frac ** 2 * whole)
                + np_.sum(e * e) + np_.sum(np_.histogram_bin_edges(y, 3, range=(-1.0, 2.0)) * x[:4])
                + np_.sum(c * c[::-1]) + np_.sum(np_.poly(y[:2]) ** 2) + np_.sum(g ** 2))
    return f


test_programs_against_jax = program_tests([scaled_parts], [(12,), (12,)])


def test_integer_and_unique_constants_as_jnp():
    a, b = np.array([12, 7, -3, 40, 0]), np.array([8, 3, 5, 6, 9])
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm", "left_shift", "right_shift",
                 "bitwise_left_shift", "bitwise_right_shift"):
        assert np.array_equal(getattr(anp, name)(a, abs(b) % 4 if "shift" in name else b),
                              getattr(jnp, name)(a, abs(b) % 4 if "shift" in name else b)), name
    for name in ("bitwise_not", "bitwise_invert", "invert", "bitwise_count"):
        assert np.array_equal(getattr(anp, name)(a), getattr(jnp, name)(a)), name
    x = np.array([2.0, -1.0, 2.0, 5.0, -1.0])
    for name in ("unique_values", "unique_counts", "unique_inverse", "unique_all"):
        for ours, theirs in zip(jax.tree_util.tree_leaves(getattr(anp, name)(x)),
                                jax.tree_util.tree_leaves(getattr(jnp, name)(x))):
            assert np.array_equal(np.asarray(ours).ravel(), np.asarray(theirs).ravel()), name
    for value in (1.0, 3, np.float32(2.0), np.array(1.0), np.ones(2), [1.0], "a"):
        assert anp.isscalar(value) == jnp.isscalar(value), value
    assert anp.issubdtype(anp.uint8, anp.integer) and anp.finfo(anp.double).eps == jnp.finfo(jnp.float64).eps
    for ours, theirs in zip(anp.mask_indices(3, np.triu, 1), jnp.mask_indices(3, jnp.triu, 1)):
        assert np.array_equal(ours, theirs)
    assert anp.promote_types(anp.int_, anp.single) == np.float64 and anp.broadcast_shapes((2, 1), (3,)) == (2, 3)


def test_unique_values_and_isscalar_of_active_values():
    """The unique values of an active value are constants (JAX's derivative is zero); a 0-d box is a scalar."""
    x = np.array([0.5, 2.0, 0.5, -1.0])
    for eng in ENGINES.values():
        assert eng.grad(lambda v: anp.sum(anp.unique_values(v) * v[0]) + v[1] ** 2 * anp.isscalar(v[1]))(x)[1] == 4.0
        close(eng.grad(lambda v: anp.sum(anp.unique_values(v) ** 2) + anp.sum(v))(x), np.ones(4))


def test_bits_as_jnp_and_matrix_poly_refused():
    a = np.array([[1, 0, 1, 1, 0, 0, 0, 1, 1], [0, 1, 1, 0, 1, 0, 0, 0, 1]], dtype=np.uint8)
    for kwargs in ({}, {"axis": 1}, {"axis": 1, "bitorder": "little"}):
        packed = anp.packbits(a, **kwargs)
        assert np.array_equal(packed, jnp.packbits(a, **kwargs))
        assert np.array_equal(anp.unpackbits(packed, **kwargs), jnp.unpackbits(jnp.asarray(packed), **kwargs))
    with pytest.raises(NotImplementedError, match=r"poly: a 2-d argument \(at .*test_vocab13_integers.py"):
        anp.poly(np.eye(2))
