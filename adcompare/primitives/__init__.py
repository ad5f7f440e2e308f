"""Primitive operations: what they compute, on which backend, and how they bind.

:mod:`.core` is the mechanism (active values, traces, levels, backends, the
:class:`Primitive` class and the registry ``PRIMITIVES``); the other modules
define the primitives, one family each. Everything is re-exported here, so
``from adcompare import primitives as p; p.sin_p, p.Box`` reads one namespace.

To add a primitive: define it in its family's module (its implementation,
written once against the array API ``xp``), give it a rule in the same family
of :mod:`adcompare.rules`, and name it in :mod:`adcompare.numpy`.
"""

from adcompare.primitives.aliases import *  # noqa: F403
from adcompare.primitives.checks import *  # noqa: F403
from adcompare.primitives.core import *  # noqa: F403
from adcompare.primitives.elementwise import *  # noqa: F403
from adcompare.primitives.linalg import *  # noqa: F403
from adcompare.primitives.products import *  # noqa: F403
from adcompare.primitives.promotion import *  # noqa: F403
from adcompare.primitives.reductions import *  # noqa: F403
from adcompare.primitives.shapes import *  # noqa: F403
from adcompare.primitives.special import *  # noqa: F403
