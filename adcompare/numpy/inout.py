"""Input, output and printing, as ``jax.numpy`` has them: NumPy's own functions where jnp's are NumPy's
(``save``, ``savez``, ``array_repr``, ``array_str``, the print options), so that a constant passes through and an
active value is refused where it would become a NumPy array (its derivative would be lost: JAX's tracers refuse the
same); ``load``, ``frombuffer``, ``fromstring`` and ``from_dlpack`` make constants; ``fromfile`` and ``fromiter``
are refused by name, as jnp's (not pure). ``result_type`` is JAX's promotion of the values' dtypes, and
``character``, ``flexible``, ``object_`` are NumPy's dtype classes (as jnp's).
"""

from __future__ import annotations

import jax.numpy as _jnp
import numpy as _np

from adcompare import primitives as _p
from adcompare.concrete import user_location

save, savez, array_repr, array_str = _np.save, _np.savez, _np.array_repr, _np.array_str
printoptions, get_printoptions, set_printoptions = _np.printoptions, _np.get_printoptions, _np.set_printoptions
load, frombuffer, fromstring = _np.load, _np.frombuffer, _np.fromstring
character, flexible, object_ = _np.character, _np.flexible, _np.object_


def from_dlpack(x, /, *, device=None, copy=None):
    """An array from a DLPack capsule owner: on JAX if ``x`` is a JAX array, else on NumPy (a constant)."""
    if isinstance(x, _p.Box):
        raise TypeError(f"from_dlpack: an active value (at {user_location()}) has no DLPack buffer: use it as it is")
    return (_jnp if _p.namespace((x,)) is _jnp else _np).from_dlpack(x, device=device, copy=copy)


def _impure(name: str):
    def refused(*args, **kwargs):
        raise NotImplementedError(f"{name}() (at {user_location()}) is refused, as jnp.{name} refuses it: it may "
                                  "be non-pure; build the array with anp.asarray")

    refused.__name__ = refused.__qualname__ = name
    return refused


fromfile, fromiter = _impure("fromfile"), _impure("fromiter")


def result_type(*arrays_and_dtypes):
    """The dtype JAX's promotion gives these values and dtypes (Python numbers weak), as ``jnp.result_type``."""
    return _jnp.result_type(*(_p.primal(a) for a in arrays_and_dtypes))


__all__ = ["save", "savez", "array_repr", "array_str", "printoptions", "get_printoptions", "set_printoptions", "load",
           "frombuffer", "fromstring", "character", "flexible", "object_", "from_dlpack", "fromfile", "fromiter",
           "result_type"]
