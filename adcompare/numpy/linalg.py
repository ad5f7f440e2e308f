"""``anp.linalg`` (also ``el.linalg``): NumPy's linear algebra, differentiable.

``inv``, ``solve``, ``det``, ``slogdet``, ``cholesky``, ``eigh``, ``svd``, ``norm``,
``pinv`` and ``qr``, with NumPy's signatures, on a matrix or a stack of matrices
in the last two axes. Their rules are in :mod:`adcompare.rules.linalg`; what is
differentiated where is said there and below.

* ``slogdet``, ``eigh``, ``svd`` and ``qr`` return named tuples as NumPy's and JAX's (``SlogdetResult``,
  ``EighResult``, ``SVDResult``, ``QRResult``): unpack them, index them, or read their fields.
* ``cholesky(a)`` and ``eigh(a)`` read the symmetric part (a + aᵀ)/2, as JAX does;
  NumPy reads one triangle, which is the same for a symmetric ``a``. ``eigh``'s
  ``UPLO`` picks the triangle LAPACK works on, as in NumPy and JAX: it sets the
  eigenvectors' signs.
* ``svd``: ``full_matrices=True`` is accepted for a square matrix (it is then the
  thin SVD) and refused for a rectangular one (its extra singular vectors are not
  unique). Its derivative needs distinct singular values (and, for a rectangular
  matrix, nonzero ones); the rule refuses others by name (at repeated values the
  singular vectors are not differentiable). ``hermitian`` is accepted and has
  no effect (the result is the same). The values alone (``compute_uv=False``, ``svdvals``, and
  the norms and ``cond`` made of them) are differentiated at repeated values too, averaged over
  each cluster of equal values (see :mod:`adcompare.rules.linalg_svdvals`).
* ``eigh``: its derivative needs distinct eigenvalues, and refuses others.
* ``qr``: ``mode='reduced'`` or ``'r'``, and ``'complete'`` where it equals
  ``'reduced'`` (m ≤ n); derivatives of tall, square and wide matrices, as JAX's (``'raw'`` is refused, and
  ``'complete'`` of a tall matrix, whose extra columns of q are LAPACK's choice of completion).
* Complex arrays are refused (the rules are written for real matrices).
* ``norm``: vector norms with any ``ord``, and the matrix norms (``None``/``'fro'``, ``'nuc'``, 1, -1,
  2, -2, inf, -inf) composed as JAX's; other orders are refused by name.
* ``cond`` (``p`` None, 2, -2 from the singular values; the other matrix norms), ``svdvals``, ``eigvalsh``,
  ``vector_norm`` and ``matrix_norm`` (``'fro'``) are compositions; ``matrix_rank`` is a constant.
  ``eig`` and ``eigvals`` are refused: their results are complex (see :func:`eig`).
* NumPy 2's ``matmul``, ``outer``, ``tensordot``, ``cross``, ``vecdot``, ``matrix_transpose``, ``diagonal`` and
  ``trace`` (these two of the last two axes) are the vocabulary's functions.
* ``solve(a, b)``: ``b`` is a vector ``(m,)`` or a stack of matrices ``(..., m, k)``,
  as in NumPy 2.
"""

from __future__ import annotations

from collections import namedtuple as _namedtuple

import numpy as _np

from adcompare import primitives as _p
from adcompare.numpy.assembly import diagonal as _diagonal
from adcompare.numpy.assembly import trace as _trace
from adcompare.numpy.constants import zeros_like as _zeros_like
from adcompare.numpy.elementwise import real_only as _real_only
from adcompare.numpy.products import cross as _cross
from adcompare.numpy.products import matmul, outer, tensordot  # noqa: F401 (linalg's names for them)
from adcompare.numpy.reductions import max as _max
from adcompare.numpy.reductions import min as _min
from adcompare.numpy.reductions import sum as _sum
from adcompare.numpy.shapes import _axes
from adcompare.numpy.shapes import getitem as _getitem
from adcompare.numpy.shapes import moveaxis as _moveaxis
from adcompare.numpy.shapes import reshape as _reshape
from adcompare.numpy.shapes import shape as _shape
from adcompare.numpy.shapes import swapaxes as _swapaxes

inv = _p.inv_p
det = _p.det_p
SlogdetResult = _namedtuple("SlogdetResult", ["sign", "logabsdet"])  # NumPy's and JAX's result types
EighResult = _namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = _namedtuple("SVDResult", ["U", "S", "Vh"])
QRResult = _namedtuple("QRResult", ["Q", "R"])


def cholesky(a, upper=False):
    """The lower factor ``L`` of ``a = L Lᵀ`` (of its symmetric part, see above), or ``Lᵀ`` with ``upper``."""
    lower = _p.cholesky_p(a)
    return _swapaxes(lower, -1, -2) if upper else lower


def pinv(a, rcond=None, hermitian=False, *, rtol=None):
    """The pseudo-inverse; singular values up to ``rtol`` (or NumPy's ``rcond``) times the largest count as zero
    (the backend's default cut-off if neither is given). Differentiated where the rank kept is constant."""
    if rcond is not None and rtol is not None:
        raise ValueError("pinv: rcond and rtol cannot both be given")
    cut = rtol if rtol is not None else rcond
    return _p.pinv_p(a, rtol=None if cut is None else float(_p.primal(cut)), hermitian=bool(hermitian))


def solve(a, b):
    sb = _shape(b)
    if len(sb) == 1:  # a vector: one column
        x = _p.solve_p(a, _reshape(b, sb + (1,)))
        return _getitem(x, (Ellipsis, 0))
    return _p.solve_p(a, b)


def slogdet(a):
    """``(sign, logabsdet)``; the sign is a constant (its derivative is zero)."""
    packed, sa = _p.slogdet_p(a), _shape(a)
    return SlogdetResult(_p.packed_output(packed, "slogdet", sa, 0), _p.packed_output(packed, "slogdet", sa, 1))


def eigh(a, UPLO="L"):
    """``(eigenvalues, eigenvectors)`` of the symmetric part of ``a`` (``UPLO``: see above)."""
    packed, sa = _p.eigh_p(a, UPLO=UPLO), _shape(a)
    return EighResult(_p.packed_output(packed, "eigh", sa, 0), _p.packed_output(packed, "eigh", sa, 1))


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """``(u, s, vh)`` (thin), or ``s`` with ``compute_uv=False``."""
    sa = _shape(a)
    if full_matrices and compute_uv and len(sa) >= 2 and sa[-1] != sa[-2]:
        raise NotImplementedError(
            f"anp.linalg.svd: full_matrices=True on a non-square matrix {sa[-2:]} is not "
            "differentiable (its extra singular vectors are not unique); pass full_matrices=False")
    if not compute_uv:  # the values alone: their own primitive, whose rule takes repeated values
        return _p.svdvals_p(a)
    packed = _p.svd_p(a)
    u, s, vh = (_p.packed_output(packed, "svd", sa, i) for i in range(3))
    return SVDResult(u, s, vh)


def qr(a, mode="reduced"):
    """``(q, r)``, or ``r`` with ``mode='r'``."""
    sa = _shape(a)
    if mode == "complete" and len(sa) >= 2 and sa[-2] > sa[-1]:
        raise NotImplementedError(
            f"anp.linalg.qr: mode='complete' on a tall matrix {sa[-2:]} is not supported (its extra columns of q "
            "are LAPACK's choice among many completions, whose derivative adcompare does not take); use "
            "mode='reduced'")
    if mode not in ("reduced", "complete", "r"):
        raise NotImplementedError(f"anp.linalg.qr: mode={mode!r} is not supported; use 'reduced', "
                                  "'complete' or 'r'")
    packed = _p.qr_p(a)
    r = _p.packed_output(packed, "qr", sa, 1)
    if mode == "r":
        return r
    return QRResult(_p.packed_output(packed, "qr", sa, 0), r)


def norm(x, ord=None, axis=None, keepdims=False):
    """NumPy's ``norm``: vector norms (any ``ord``) and matrix norms (``None``/``'fro'``, ``'nuc'``, 1, -1, 2,
    -2, inf, -inf), those but the Frobenius norm composed as JAX's: sums of ``abs`` reduced by ``max``/``min``,
    or the singular values."""
    if isinstance(axis, list):
        axis = tuple(axis)
    nd = len(_shape(x))
    pair = axis if isinstance(axis, tuple) and len(axis) == 2 else (-2, -1) if axis is None and nd == 2 else None
    if pair is not None and isinstance(ord, (int, float, str)) and ord in _MATRIX_ORDS:
        return _matrix_norm(x, ord, _axes(pair, nd), keepdims)
    return _p.norm_p(x, ord=ord, axis=axis, keepdims=keepdims)


_MATRIX_ORDS = ("nuc", 1, -1, 2, -2, _np.inf, -_np.inf)


def _matrix_norm(x, ord, pair: tuple, keepdims: bool):
    row, col = pair
    if ord in ("nuc", 2, -2):
        s = svdvals(_moveaxis(x, pair, (-2, -1)))
        out = _sum(s, axis=-1) if ord == "nuc" else _getitem(s, (Ellipsis, 0 if ord == 2 else -1))
    else:  # the largest (smallest) column sum for 1 (-1), row sum for inf (-inf)
        summed, across = (row, col) if ord in (1, -1) else (col, row)
        sums = _sum(_p.abs_p(x), axis=summed, keepdims=True)
        out = _max(sums, axis=across, keepdims=True, initial=0) if ord > 0 else _min(sums, axis=across, keepdims=True)
    return _reshape(out, _reduced_shape(_np.shape(_p.primal(x)), pair, keepdims))


def _reduced_shape(shape: tuple, axes: tuple, keepdims: bool) -> tuple:
    return _kept_shape(shape, axes) if keepdims else tuple(d for i, d in enumerate(shape) if i not in axes)


def matrix_power(a, n):
    """``a`` multiplied by itself ``n`` times (``n`` an int; negative: of ``inv(a)``; 0: the identity, a constant)."""
    if not isinstance(n, _p.INTEGERS):
        raise TypeError(f"matrix_power: the exponent must be an int, not {type(n).__name__}")
    if n < 0:
        a = inv(a)
        n = -n
    if n == 0:
        return _p.add_p(_zeros_like(a), _np.eye(_shape(a)[-1], dtype=_p.result_dtype(a)))  # a constant, in a's dtype
    result = a
    for _ in range(n - 1):
        result = _p.matmul_p(result, a)
    return result


def multi_dot(arrays):
    """``arrays[0] @ arrays[1] @ ...`` (left to right; NumPy chooses an order, the value is the same)."""
    out = arrays[0]
    for b in arrays[1:]:
        out = _p.matmul_p(out, b)
    return out


def lstsq(a, b, rcond=None):
    """``(x, residuals, rank, s)`` as NumPy's, for ``a`` of full column rank (m >= n): ``x = pinv(a) @ b``.

    A rank-deficient ``a`` is refused: its least-squares solution jumps where the rank changes. The rank counts the
    singular values of at least ``rcond`` times the largest, as JAX's (``rcond`` None: ``eps * max(m, n)``; < 0: eps); a
    cut below the default one still refuses what the default one takes as rank-deficient (``pinv`` drops it).
    """
    sa = _shape(a)
    if len(sa) != 2:
        raise NotImplementedError(f"anp.linalg.lstsq: a must be a matrix, not of shape {sa}")
    raw = _p.primal(a)
    s = _p.namespace((raw,)).linalg.svd(raw, compute_uv=False)
    eps = _np.finfo(_p.result_dtype(raw) if _p.is_float(raw) else _np.float64).eps
    cut = eps * max(sa) if rcond is None else eps if rcond < 0 else rcond
    rank = int(((s > 0) & (s >= cut * s[0])).sum()) if len(s) else 0  # JAX's count
    low = min(rank, int(((s > 0) & (s > eps * max(sa) * s[0])).sum()) if len(s) else 0)  # and pinv's cut
    if low < sa[1]:
        raise NotImplementedError(f"anp.linalg.lstsq: a of shape {sa} has rank {low} < {sa[1]} columns (rcond="
                                  f"{rcond}); only a matrix of full column rank is supported (its solution is then "
                                  "unique)")
    x = _p.matmul_p(_p.pinv_p(a), b)
    if sa[0] > sa[1]:
        r = _p.subtract_p(b, _p.matmul_p(a, x))
        residuals = _p.sum_p(_p.square_p(r), axis=0, keepdims=False)
        if len(_shape(b)) == 1:
            residuals = _reshape(residuals, (1,))
    else:
        residuals = _np.zeros((0,))
    return x, residuals, rank, svd(a, compute_uv=False)


def svdvals(x):
    return svd(x, compute_uv=False)


def eigvalsh(a, UPLO="L"):
    return eigh(a, UPLO)[0]


def eig(a):
    """Refused: a general matrix's eigenvalues and eigenvectors are complex, and adcompare differentiates real
    arrays only (JAX differentiates ``eig`` on CPU only)."""
    raise NotImplementedError("anp.linalg.eig and eigvals: a general matrix's eigenvalues are complex, and adcompare "
                              "differentiates real arrays only; for a symmetric matrix use eigh or eigvalsh, for a "
                              "spectral radius or a norm the singular values (svdvals)")


def eigvals(a):
    return eig(a)


def cond(x, p=None):
    """The condition number: the ratio of the extreme singular values (``p`` None, 2 or -2), or
    ``norm(x, p) * norm(inv(x), p)`` for the other matrix norms (``'fro'``, ``'nuc'``, 1, -1, inf, -inf), as JAX's."""
    if p in (None, 2, -2):
        s = svdvals(x)
        big, small = _getitem(s, (Ellipsis, 0)), _getitem(s, (Ellipsis, -1))
        return _p.divide_p(small, big) if p == -2 else _p.divide_p(big, small)
    if isinstance(p, (int, float, str)) and (p == "fro" or p in _MATRIX_ORDS):
        return _p.multiply_p(norm(x, p, axis=(-2, -1)), norm(inv(x), p, axis=(-2, -1)))
    raise ValueError(f"anp.linalg.cond: p={p!r} is not a matrix norm (None, 'fro', 'nuc', 1, -1, 2, -2, inf, -inf)")


def tensorinv(a, ind=2):
    """The inverse of ``a`` read as a matrix (its first ``ind`` axes against the rest), shaped as jnp's."""
    if not isinstance(ind, _p.INTEGERS) or ind <= 0:
        raise ValueError(f"tensorinv: ind={ind!r} must be a positive integer")
    rows, columns = _shape(a)[:ind], _shape(a)[ind:]
    if int(_np.prod(rows)) != int(_np.prod(columns)):
        raise ValueError(f"tensorinv: a of shape {_shape(a)} is not square as a matrix with ind={ind}")
    return _reshape(inv(_reshape(a, (int(_np.prod(rows)), -1))), columns + rows)


def tensorsolve(a, b, axes=None):
    """``x`` with ``tensordot(a, x, x.ndim) == b``: ``solve`` of ``a`` read as a matrix (``axes`` moved last)."""
    if axes is not None:
        a = _moveaxis(a, axes, (len(_shape(a)) - 1,) * len(axes))
    sb = _shape(b)
    unknowns = _shape(a)[len(sb):]
    if _shape(a)[:len(sb)] != sb or int(_np.prod(sb)) != int(_np.prod(unknowns)):
        raise ValueError(f"tensorsolve: a of shape {_shape(a)} does not match b of shape {sb}")
    return _reshape(solve(_reshape(a, (int(_np.prod(sb)), -1)), _reshape(b, (-1,))), unknowns)


def matrix_rank(M, tol=None):
    """The rank (an integer: a constant)."""
    pm = _p.primal(_p.pack(M))
    return _p.namespace((pm,)).linalg.matrix_rank(pm, tol)


def vector_norm(x, axis=None, keepdims=False, ord=2):
    """NumPy 2's ``vector_norm``: of the flattened ``x`` for ``axis=None``."""
    if axis is None:
        n = norm(_reshape(x, (-1,)), ord=ord)
        return _reshape(n, (1,) * len(_shape(x))) if keepdims else n
    axes = _axes(axis, len(_shape(x)))
    if len(axes) > 1:  # a vector norm over several axes (norm's would be a matrix norm): of them merged into one
        moved = _moveaxis(x, axes, tuple(range(-len(axes), 0)))
        n = norm(_reshape(moved, _shape(moved)[:-len(axes)] + (-1,)), ord=ord, axis=-1)
        return _reshape(n, _kept_shape(_np.shape(_p.primal(x)), axes)) if keepdims else n
    return norm(x, ord=ord, axis=axis, keepdims=keepdims)


def _kept_shape(shape: tuple, axes: tuple) -> tuple:
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def matrix_norm(x, keepdims=False, ord="fro"):
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


def matrix_transpose(x):
    """The last two axes swapped (``x.mT``)."""
    return _swapaxes(x, -1, -2)


def vecdot(x1, x2, axis=-1):
    """The dot products of real vectors along ``axis``, broadcast over the other axes (complex ones, which NumPy
    conjugates, are refused)."""
    return _sum(_p.multiply_p(*_real_only("vecdot", x1, x2)), axis)


def diagonal(x, offset=0):
    """The diagonals of the last two axes (``anp.diagonal``'s default is of the first two)."""
    return _diagonal(x, offset, -2, -1)


def trace(x, offset=0, dtype=None):
    return _trace(x, offset, -2, -1, dtype)


def cross(x1, x2, axis=-1):
    return _cross(x1, x2, axis=axis)
