"""The vocabulary users write functions with: ``import adcompare.numpy as anp``.

Each name has NumPy's signature and binds one primitive, so the same function
runs on Python floats, NumPy arrays, JAX arrays (and JAX tracers: this is how
``jax.grad`` sees the very same source) and on any engine's active values.

Every argument that takes an array also takes nested lists and tuples of
values, active ones included (``anp.sum([x, x * x])``): they are packed as
``jnp.asarray`` packs them, by the ``stack`` primitive, so they differentiate
like any other array. ``asarray`` and ``array`` do just that packing.

``pi``, ``e``, ``euler_gamma``, ``inf``, ``nan`` and the dtype names (``float32``, ...) are
NumPy's own. ``zeros``, ``ones``, ``eye``, ``identity``, ``arange``, ``linspace``,
``argsort``, ``sign``, ``shape`` and ``ndim`` make constants: they are never
differentiated (an active value where a constant's *value* is read, such as
``linspace``'s ends, is refused, since JAX would differentiate it); ``full``
(and ``full_like``) of a differentiated fill is that fill broadcast, differentiated as JAX's.
``zeros_like(x)`` (and ``zeros(shape, like=x)``,
``ones_like``, ``ones``) of an active ``x`` is a constant *box* of ``x``'s level,
so that ``y = anp.zeros_like(x); y[i] = v`` updates it functionally (as JAX's
``y.at[i].set(v)``, see :func:`index_update`) and ``v``'s derivative flows on.
"""

from adcompare.numpy import linalg  # noqa: F401
from adcompare.numpy.arrayapi import *  # noqa: F403
from adcompare.numpy.assembly import *  # noqa: F403
from adcompare.numpy.constants import *  # noqa: F403
from adcompare.numpy.conversions import *  # noqa: F403
from adcompare.numpy.editing import *  # noqa: F403
from adcompare.numpy.elementwise import *  # noqa: F403
from adcompare.numpy.index_constants import *  # noqa: F403
from adcompare.numpy.inout import *  # noqa: F403
from adcompare.numpy.numerics import *  # noqa: F403
from adcompare.numpy.padding import *  # noqa: F403
from adcompare.numpy.polynomials import *  # noqa: F403
from adcompare.numpy.products import *  # noqa: F403
from adcompare.numpy.reductions import *  # noqa: F403
from adcompare.numpy.shapes import *  # noqa: F403
from adcompare.numpy.signal import *  # noqa: F403
from adcompare.numpy.statistics import *  # noqa: F403
from adcompare.numpy.wrappers import *  # noqa: F403
from adcompare.numpy.writes import *  # noqa: F403
