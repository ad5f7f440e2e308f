"""More vocabulary (h11): ``linalg.cond`` (p None, 2, -2, 'fro'), ``svdvals``, ``eigvalsh``, ``vector_norm``,
``matrix_norm``, NumPy 2's ``linalg`` names of vocabulary functions (``outer``, ``cross``, ``diagonal`` and
``trace`` of the last two axes, ``vecdot``, ``matrix_transpose``, ``matmul``, ``tensordot``), the array-API
names (``concat``, ``permute_dims``, ``matvec``, ``vecmat``, ``cumulative_sum``/``_prod``, ``unstack``,
``broadcast_arrays``, ``diagflat``, ``positive``, ``divmod``) and the constants ``logspace``, ``geomspace``,
``linalg.matrix_rank``, against JAX in float64; ``eig``/``eigvals`` refused by name (complex results).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from vocab_more_check import program_tests

import adcompare as ad
import adcompare.numpy as anp


def matrices(np_):
    def f(x, y):
        a, b = np_.reshape(x, (3, 3)) + 3.0 * np_.eye(3), np_.reshape(y, (3, 3))
        out = np_.linalg.cond(a) + np_.linalg.cond(a, -2) + np_.linalg.cond(a, "fro")
        out = out + np_.sum(np_.linalg.svdvals(b) ** 2) + np_.sum(np_.linalg.eigvalsh(a + a.T) * y[:3])
        out = out + np_.linalg.vector_norm(b) + np_.sum(np_.linalg.vector_norm(b, axis=0, ord=3))
        out = out + np_.linalg.matrix_norm(a) + np_.sum(np_.linalg.outer(x, y)[2] ** 2)
        out = out + np_.sum(np_.linalg.cross(a, b) ** 2) + np_.sum(np_.linalg.vecdot(a, b) ** 2)
        out = out + np_.sum(np_.linalg.diagonal(np_.stack([a, b]), offset=1) ** 2)
        out = out + np_.sum(np_.linalg.trace(np_.stack([a, b])) ** 3)
        out = out + np_.sum(np_.linalg.matrix_transpose(np_.stack([a, b]))[1, 0] * y[:3])
        return out + np_.sum(np_.linalg.matmul(a, b)[0] ** 2) + np_.sum(np_.linalg.tensordot(a, b, axes=1)[1] ** 2)
    return f


def array_api(np_):
    def f(x, y):
        a, b = np_.reshape(x, (3, 3)), np_.reshape(y, (3, 3))
        out = np_.sum(np_.matvec(a, y[:3]) ** 2) + np_.sum(np_.vecmat(y[:3], b) ** 2)
        out = out + np_.sum(np_.vecdot(a, b, axis=0))
        out = out + np_.sum(np_.cumulative_sum(x, include_initial=True) ** 2)
        out = out + np_.sum(np_.cumulative_prod(b, axis=1) * a)
        out = out + np_.sum(np_.concat([x, y]) ** 3) + np_.sum(np_.permute_dims(np_.stack([a, b]), (2, 0, 1))[0] ** 2)
        u = np_.unstack(b, axis=1)
        bb = np_.broadcast_arrays(x[:3], np_.reshape(y[:3], (3, 1)))
        out = out + np_.sum(u[0] * u[2]) + np_.sum(bb[0] * bb[1] ** 2) + np_.sum(np_.diagflat(a[:2, :2], 1) * 2.0)
        q, r = np_.divmod(x * 3.0, 0.7)
        out = out + np_.sum(np_.positive(x) * y) + np_.sum(q * r) + np_.sum(np_.logspace(0.0, 1.0, 9) * x)
        return out + np_.sum(np_.geomspace(1.0, 8.0, 9) * y) + np_.sum(np_.logspace(1.0, 2.0, 9, base=2.0) * x * y)
    return f


test_programs_against_jax = program_tests([matrices, array_api], [(9,), (9,)])


def test_constants_and_refusals():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert anp.linalg.matrix_rank(a) == jnp.linalg.matrix_rank(a) == 1
    np.testing.assert_allclose(anp.geomspace(1.0, 1000.0, 4), jnp.geomspace(1.0, 1000.0, 4), rtol=1e-14)
    eng = ad.engine("overloading")
    for name in ("eig", "eigvals"):
        with pytest.raises(NotImplementedError, match="complex.*eigh"):
            eng.grad(lambda m: anp.sum(getattr(anp.linalg, name)(m)))(a)
    with pytest.raises(NotImplementedError, match="logspace"):
        eng.grad(lambda s: anp.sum(anp.logspace(s, 2.0, 5)))(1.0)
    with pytest.raises(ValueError, match="cond: p=3"):
        anp.linalg.cond(a, 3)
    with pytest.raises(ValueError, match="axis is required"):
        anp.cumulative_sum(a)
