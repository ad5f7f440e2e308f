"""Products of arrays: ``matmul`` and ``dot``."""

from __future__ import annotations

from adcompare.primitives.core import Primitive, binary, shape


def _dot(xp, x, y):
    if len(shape(x)) > 2 or len(shape(y)) > 2:
        raise NotImplementedError("dot supports operands of up to 2 dimensions; use matmul")
    return xp.dot(x, y)


dot_p = Primitive("dot", _dot)
matmul_p = binary("matmul", "matmul")
