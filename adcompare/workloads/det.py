"""``det``: the determinant of an ℓ×ℓ matrix by expansion by minors (cmpad's det_by_minor).

det(A) = Σ_j (−1)^j A[0, j] · det(minor_j(A)), where minor_j(A) is A without
its first row and its column j; a 1×1 matrix is its own determinant. The
recursion makes ℓ! products, so the problem measures recursion and a very
large number of small operations. Both forms take the matrix ``a`` (ℓ×ℓ, the
ℓ² differentiated values) and nothing else.

Sizes: ℓ = 3 (tiny), 5, 7, 9 (large). Inputs: a ~ N(0, 1), seeded.
"""

from __future__ import annotations

import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.workloads.registry import Workload, register


def minor(a, j):
    """``a`` without its first row and its column ``j``."""
    if j == 0:
        return a[1:, 1:]
    if j == len(a) - 1:
        return a[1:, :j]
    return anp.concatenate([a[1:, :j], a[1:, j + 1:]], axis=1)


def det(a):
    """Expansion by minors along the first row."""
    n = len(a)
    if n == 1:
        return a[0, 0]
    total = 0.0
    for j in range(n):
        term = a[0, j] * det(minor(a, j))
        if j % 2 == 0:
            total = total + term
        else:
            total = total - term
    return total


def minor_elemental(a, j):
    n = el.shape(a)[0]
    if j == 0:
        return el.getitem(a, (slice(1, None), slice(1, None)))
    if j == n - 1:
        return el.getitem(a, (slice(1, None), slice(None, j)))
    left = el.getitem(a, (slice(1, None), slice(None, j)))
    right = el.getitem(a, (slice(1, None), slice(j + 1, None)))
    return el.concatenate([left, right], axis=1)


def det_elemental(a):
    n = el.shape(a)[0]
    if n == 1:
        return el.getitem(a, (0, 0))
    total = 0.0
    for j in range(n):
        term = el.multiply(el.getitem(a, (0, j)), det_elemental(minor_elemental(a, j)))
        if j % 2 == 0:
            total = el.add(total, term)
        else:
            total = el.subtract(total, term)
    return total


def det_inputs(n: int, rng) -> tuple:
    return (rng.normal(size=(n, n)),)


register(Workload(
    "det", det, det_inputs, {"tiny": 3, "small": 5, "medium": 7, "large": 9},
    tags=frozenset({"array", "recursion"}), elemental=det_elemental))
