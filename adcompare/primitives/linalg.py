"""Linear algebra primitives (``anp.linalg``), stacks of matrices in the last two axes.

Each primitive works on a matrix or a stack of them (``(..., m, n)``), as NumPy's
``linalg`` does, on NumPy or jax.numpy.

**Several outputs, one packed array.** The engines give one output per primitive.
A factorization with several outputs (``slogdet``, ``eigh``, ``svd``, ``qr``) is one
primitive whose result *packs* them: each output is flattened over its matrix
axes and the pieces are concatenated on a last axis, ``(..., total)``;
:func:`packed_output` (``getitem`` and ``reshape``, themselves primitives) gives
output i back; the vocabulary calls it once per output, so a program that uses
only some outputs is differentiated through those alone, and SCT sees plain
calls. One factorization serves every output, and its rule is one joint rule, as
the math is (Giles 2008 writes the SVD's reverse rule as one formula in all
three cotangents). One primitive per output would factor the matrix once per
output and split the joint rules. :data:`PACKED_OUTPUTS` says the packed layout.

Conventions, as JAX's: ``cholesky`` and ``eigh`` read the symmetric part
(A + Aᵀ)/2 of their input (NumPy reads the lower triangle; the same for a
symmetric input), so their derivatives are those of functions of (A + Aᵀ)/2.
``svd`` is the thin one (``full_matrices=False``); ``qr`` the reduced one.
``norm`` takes NumPy's vector norms (any ``ord``) and the Frobenius norm; the other
matrix norms are compositions in :mod:`adcompare.numpy.linalg`.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from adcompare.primitives.core import Primitive, shape
from adcompare.primitives.shapes import getitem_p, reshape_p


def _sym(xp, a):
    return (a + xp.swapaxes(a, -1, -2)) / 2


def _pack(xp, a, *outs):
    """The outputs of a factorization of ``a`` as one array: flattened, then concatenated."""
    lead = shape(a)[:-2]
    return xp.concatenate([xp.reshape(o, lead + (math.prod(shape(o)[len(lead):]),)) for o in outs], axis=-1)


def _real(name, *xs):
    for x in xs:
        if getattr(getattr(x, "dtype", None), "kind", "f") == "c":
            raise NotImplementedError(f"anp.linalg.{name}: complex arrays are not supported (the "
                                      "derivative rules are written for real matrices)")


def _square(name, a):
    _real(name, a)
    s = shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"anp.linalg.{name}: needs a square matrix or a stack of them (..., n, n), "
                         f"not an array of shape {s}")


def _matrix(name, a):
    _real(name, a)
    if len(shape(a)) < 2:
        raise ValueError(f"anp.linalg.{name}: needs a matrix or a stack of them (..., m, n), not an "
                         f"array of shape {shape(a)}")


def _slogdet(xp, a):
    _square("slogdet", a)
    sign, logabsdet = xp.linalg.slogdet(a)
    return xp.stack([sign, logabsdet], axis=-1)


def _eigh(xp, a, UPLO="L"):  # noqa: N803  (NumPy's name)
    _square("eigh", a)
    w, v = xp.linalg.eigh(_sym(xp, a), UPLO=UPLO)  # the triangle LAPACK reads sets the eigenvectors' signs
    return _pack(xp, a, w, v)


def _svd(xp, a):
    _matrix("svd", a)
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    return _pack(xp, a, u, s, vh)


def _svdvals(xp, a):
    _matrix("svd", a)
    return xp.linalg.svd(a, full_matrices=False)[1]  # (a peer's namespace takes no compute_uv)


def _qr(xp, a):
    _matrix("qr", a)
    q, r = xp.linalg.qr(a)
    return _pack(xp, a, q, r)


def _unpacked_shapes_svd(m, n):
    k = min(m, n)
    return ((m, k), (k,), (k, n))


# The trailing shapes of the packed outputs, from the operand's shape.
PACKED_OUTPUTS = {
    "slogdet": lambda s: ((), ()),
    "eigh": lambda s: ((s[-1],), (s[-1], s[-1])),
    "svd": lambda s: _unpacked_shapes_svd(s[-2], s[-1]),
    "qr": lambda s: ((s[-2], min(s[-2:])), (min(s[-2:]), s[-1])),
}


def packed_span(name: str, operand_shape: tuple, i: int) -> tuple[int, int, tuple]:
    """Where output ``i`` of ``<name>_p`` lies in its packed result: start, stop, trailing shape."""
    shapes = PACKED_OUTPUTS[name](operand_shape)
    start = sum(math.prod(s) for s in shapes[:i])
    return start, start + math.prod(shapes[i]), shapes[i]


def packed_output(packed, name: str, operand_shape: tuple, i: int):
    """Output ``i`` of the packed result of ``<name>_p`` on an operand of ``operand_shape``."""
    start, stop, trailing = packed_span(name, operand_shape, i)
    piece = getitem_p(packed, idx=(Ellipsis, slice(start, stop)))
    return reshape_p(piece, shape=tuple(operand_shape[:-2]) + trailing)


def unpack_outputs(packed, name: str, operand_shape: tuple) -> tuple:
    """All the outputs of the packed result of ``<name>_p`` (for rules; SCT reads the vocabulary's
    calls of :func:`packed_output`, one output each)."""
    return tuple(packed_output(packed, name, operand_shape, i)
                 for i in range(len(PACKED_OUTPUTS[name](operand_shape))))


_VECTOR_ORDS = "None, 0, 1, 2, inf, -inf or another nonzero number"


def _norm(xp, x, ord=None, axis=None, keepdims=False):
    _real("norm", x)
    nd = len(shape(x))
    matrix = (isinstance(axis, tuple) and len(axis) == 2) or (axis is None and nd == 2)
    if matrix and ord not in (None, "fro"):
        raise ValueError(f"anp.linalg.norm: ord={ord!r} is not a matrix norm (None, 'fro', 'nuc', 1, -1, 2, -2, "
                         "inf or -inf)")
    if not matrix and isinstance(ord, str):
        raise ValueError(f"anp.linalg.norm: ord={ord!r} is a matrix norm; a vector takes {_VECTOR_ORDS}")
    if axis is None and nd > 2 and ord is not None:
        raise ValueError(f"anp.linalg.norm: ord={ord!r} needs axis for an array of {nd} dimensions "
                         "(with axis=None, only ord=None, the 2-norm of the flattened array)")
    if isinstance(axis, tuple) and len(axis) > 2:
        raise ValueError(f"anp.linalg.norm: axis={axis} names more than 2 axes")
    if matrix:  # the Frobenius norm is the 2-norm of the matrix's entries
        return xp.sqrt(xp.sum(x * x, axis=axis, keepdims=keepdims))
    return xp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def _solve(xp, a, b):
    _square("solve", a)
    _real("solve", b)
    if len(shape(b)) < 2:
        raise ValueError("solve_p: b must be (..., m, k); anp.linalg.solve makes a vector b a column")
    return xp.linalg.solve(a, b)


def _triangular_solve(xp, a, b, lower=True):
    """x with a x = b, reading only a's lower (``lower``) or upper triangle: LAPACK's triangular solve
    (SciPy's, a dependency of JAX, on one NumPy matrix; jax.scipy's on JAX), where ``solve`` factors a
    first (LU, three times the work); NumPy's solve of the triangle alone elsewhere (stacks, peers)."""
    _square("triangular_solve", a)
    _real("triangular_solve", b)
    if len(shape(b)) < 2 or shape(b)[-2] != shape(a)[-1]:
        raise ValueError(f"triangular_solve_p: b must be (..., {shape(a)[-1]}, k), not {shape(b)}")
    if xp is np and len(shape(a)) == 2 and len(shape(b)) == 2:
        import scipy.linalg  # imported on first use: it is slow to import

        return scipy.linalg.solve_triangular(a, b, lower=lower, check_finite=False)
    if xp is jnp:
        lead = jnp.broadcast_shapes(shape(a)[:-2], shape(b)[:-2])
        a, b = jnp.broadcast_to(a, lead + shape(a)[-2:]), jnp.broadcast_to(b, lead + shape(b)[-2:])
        from jax.scipy.linalg import solve_triangular

        return solve_triangular(a, b, lower=lower)
    return xp.linalg.solve(xp.tril(a) if lower else xp.triu(a), b)


def _on_square(name, method, prepare=lambda xp, a: a):
    def impl(xp, a):
        _square(name, a)
        return getattr(xp.linalg, method)(prepare(xp, a))

    return impl


inv_p = Primitive("inv", _on_square("inv", "inv"))
solve_p = Primitive("solve", _solve)
triangular_solve_p = Primitive("triangular_solve", _triangular_solve)  # for rules (cholesky's)
det_p = Primitive("det", _on_square("det", "det"))
slogdet_p = Primitive("slogdet", _slogdet)  # packed: (..., 2), sign then log|det|
cholesky_p = Primitive("cholesky", _on_square("cholesky", "cholesky", _sym))
eigh_p = Primitive("eigh", _eigh)  # packed: eigenvalues (ascending), eigenvectors (columns)
svd_p = Primitive("svd", _svd)  # packed: u, s (descending), vh (thin)
svdvals_p = Primitive("svdvals", _svdvals)  # s alone (descending): its derivative exists at repeated values
qr_p = Primitive("qr", _qr)  # packed: q, r (reduced)
def _pinv(xp, a, rtol=None, hermitian=False):
    """NumPy's (or JAX's) ``pinv``; ``rtol``: singular values up to ``rtol`` times the largest count as zero."""
    _matrix("pinv", a)
    if rtol is None:
        return xp.linalg.pinv(a, hermitian=hermitian)
    return xp.linalg.pinv(a, rcond=rtol, hermitian=hermitian) if xp is np else xp.linalg.pinv(a, rtol, hermitian)


pinv_p = Primitive("pinv", _pinv)
norm_p = Primitive("norm", _norm)
