"""Products of arrays."""

from __future__ import annotations

from adcompare import primitives as _p

matmul = _p.matmul_p
dot = _p.dot_p
