"""Products of the vocabulary: outer, inner, tensordot, einsum, kron, cross and N-d dot.

Each runs on every engine (elemental through its library call) on NumPy and JAX
inputs, its JVP and VJP checked against the jax.numpy function of the same name,
plus one forward-over-reverse Hessian each; refused forms are checked by message.
"""

from __future__ import annotations

import numpy as np
import pytest
from vocab_check import engine_tests, uncovered

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.measure.opcount import count

CASES = {
    "outer": (lambda np_: lambda x, y: np_.outer(x, y), ((3,), (2, 2))),
    "inner": (lambda np_: lambda x, y: np_.inner(x, y), ((2, 3), (4, 3))),
    "inner_vectors": (lambda np_: lambda x, y: np_.inner(x, y), ((3,), (3,))),
    "inner_scalar": (lambda np_: lambda x, y: np_.inner(x, y), ((), (3,))),
    "tensordot": (lambda np_: lambda x, y: np_.tensordot(x, y), ((2, 3, 4), (3, 4, 2))),
    "tensordot_int": (lambda np_: lambda x, y: np_.tensordot(x, y, 1), ((2, 3), (3, 4))),
    "tensordot_axes": (lambda np_: lambda x, y: np_.tensordot(x, y, axes=([1, 0], [0, 2])),
                       ((2, 3, 4), (3, 5, 2))),
    "tensordot_outer": (lambda np_: lambda x, y: np_.tensordot(x, y, 0), ((2,), (3,))),
    "einsum": (lambda np_: lambda x, y: np_.einsum("ij,jk->ik", x, y), ((2, 3), (3, 4))),
    "einsum_batch": (lambda np_: lambda x, y: np_.einsum("bij,bjk->bki", x, y), ((2, 2, 3), (2, 3, 4))),
    "einsum_diagonal": (lambda np_: lambda x: np_.einsum("ii->i", x), ((3, 3),)),
    "einsum_trace": (lambda np_: lambda x: np_.einsum("ii->", x), ((3, 3),)),
    "einsum_sum": (lambda np_: lambda x: np_.einsum("ij->j", x), ((2, 3),)),
    "einsum_three": (lambda np_: lambda x, y: np_.einsum("ij,jk,k->i", x, y, np_.sin(np_.getitem(x, 0))),
                     ((2, 3), (3, 3))),
    "einsum_repeat_with_other": (lambda np_: lambda x, y: np_.einsum("iij,j->i", x, y), ((3, 3, 2), (2,))),
    "einsum_spaces": (lambda np_: lambda x, y: np_.einsum("i, i -> ", x, y), ((4,), (4,))),
    "kron": (lambda np_: lambda x, y: np_.kron(x, y), ((2, 3), (2, 2))),
    "kron_mixed": (lambda np_: lambda x, y: np_.kron(x, y), ((3,), (2, 2))),
    "cross": (lambda np_: lambda x, y: np_.cross(x, y), ((4, 3), (3,))),
    "cross_axis": (lambda np_: lambda x, y: np_.cross(x, y, axis=0), ((3, 2), (3, 2))),
    "dot_nd": (lambda np_: lambda x, y: np_.dot(x, y), ((2, 2, 3), (4, 3, 2))),
    "dot_nd_vector": (lambda np_: lambda x, y: np_.dot(x, y), ((2, 2, 3), (3,))),
    "dot_vector_nd": (lambda np_: lambda x, y: np_.dot(x, y), ((3,), (2, 3, 4))),
    "dot_matrix_nd": (lambda np_: lambda x, y: np_.dot(x, y), ((2, 3), (2, 3, 4))),
    "dot_scalar_nd": (lambda np_: lambda x, y: np_.dot(x, y), ((), (2, 3, 4))),
}
test_jvp_and_vjp_against_jax, test_forward_over_reverse_against_jax = engine_tests(CASES)


def test_every_product_name_has_a_case():
    names = {"outer", "inner", "tensordot", "einsum", "kron", "cross", "dot"}
    assert all(hasattr(anp, n) and hasattr(el, n) for n in names)
    assert uncovered(names, CASES) == set()


def test_einsum_contracts_two_operands_at_a_time():
    x, y, z = np.ones((2, 3)), np.ones((3, 4)), np.ones(4)
    log = count(lambda a, b, c: anp.einsum("ij,jk,k->i", a, b, c), (x, y, z), (0, 1, 2))
    assert log["einsum"] == 2


REFUSED = [
    # (implicit outputs and ellipses are taken since: tests/test_probe10_real_einsum.py)
    (lambda x: anp.einsum(x, [0, 1]), (NotImplementedError, ad.SCTError),  # the vocabulary's message, or SCT's
     r"subscripts must be a string|the interleaved form"),
    (lambda x: anp.einsum("ijk->i", x), ValueError, r"do not match an operand of shape \(3, 3\)"),
    (lambda x: anp.einsum("ij->k", x), ValueError, r"output subscripts 'k'"),
    (lambda x: anp.cross(x, x), ValueError, r"cross: vectors of lengths 4 and 4"),
    (lambda x: anp.tensordot(x, x, axes=([0], [0, 1])), ValueError, r"same length"),
]


@pytest.mark.parametrize("engine", ["overloading", "sct"])
@pytest.mark.parametrize("f, error, message", REFUSED)
def test_refused_forms_say_why(f, error, message, engine):
    x = np.ones((3, 3)) if "cross" not in message else np.ones(4)
    with pytest.raises(error, match=message):
        ad.engine(engine).grad(lambda v: anp.sum(f(v)))(x)
