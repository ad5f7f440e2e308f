"""The one table of derivative rules. All derivative math in adcompare lives here.

:mod:`.base` says how a rule is written (:func:`defderiv`, :func:`defjvp`,
:func:`defvjp`, :func:`defjoint`) and holds the shape helpers; each other module gives the rules
of one family of :mod:`adcompare.primitives`. Importing this package fills the
table.
"""

from adcompare.rules import (  # noqa: F401  (fill the table)
    elementwise,
    linalg,
    linalg_det,
    linalg_norm,
    linalg_qr,
    linalg_svdvals,
    products,
    reductions,
    shapes,
    special,
)
from adcompare.rules.base import (  # noqa: F401
    PerOperand,
    broadcast,
    defderiv,
    defjoint,
    defjvp,
    defvjp,
    unbroadcast,
)
from adcompare.rules.indexing import getitem_vjp_into, getitem_vjp_numpy, getitem_vjp_tiled  # noqa: F401
