"""``vectorize``, ``place``, ``sort_complex`` and ``einsum_path``, as jnp's, from the vocabulary's functions.

``vectorize`` calls the Python function on each element (or, with a ``signature``, each core slice) of its
broadcast arguments and stacks the results, so it differentiates as the function does. ``place`` is ``put`` at the
mask's positions (a constant, found on the primal), ``inplace=False`` as jnp's. ``sort_complex`` and
``einsum_path`` give constants: ``sort_complex``'s result is complex (a differentiated value is refused, as complex
arrays are everywhere here), and ``einsum_path`` reads only the operands' shapes.
"""

from __future__ import annotations

import functools
import re

import jax.numpy as _jnp
import numpy as _np

from adcompare import primitives as _p
from adcompare.concrete import user_location
from adcompare.numpy.editing import _inplace, put
from adcompare.numpy.shapes import asarray, broadcast_to, getitem, reshape, shape, stack

_CORE = re.compile(r"\(([^()]*)\)")


def _core_dims(signature: str) -> tuple:
    """The number of core dimensions of each input and each output of a gufunc signature ``(n),(n)->()``."""
    inputs, arrow, outputs = signature.replace(" ", "").partition("->")
    if not arrow:
        raise ValueError(f"vectorize: signature={signature!r} is not a gufunc signature such as '(n),(n)->()'")
    count = lambda part: [len([d for d in dims.split(",") if d]) for dims in _CORE.findall(part)]  # noqa: E731
    return count(inputs), count(outputs)


def vectorize(pyfunc, *, excluded=frozenset(), signature=None):
    """``pyfunc`` mapped over the broadcast leading axes of its arguments (those not ``excluded``, by position or
    name), as ``jnp.vectorize``: each call gets one element, or with ``signature`` one core slice."""
    cores = _core_dims(signature)[0] if signature is not None else None

    @functools.wraps(pyfunc)
    def vectorized(*args, **kwargs):
        mapped = [i for i in range(len(args)) if i not in excluded]
        if any(k not in excluded for k in kwargs):
            raise NotImplementedError(f"vectorize: keyword arguments that are not excluded (at {user_location()}) "
                                      "are not mapped here: pass them by position, or exclude them")
        arrays = [asarray(args[i]) for i in mapped]
        core = [0] * len(arrays) if cores is None else cores
        if len(core) != len(arrays):
            raise TypeError(f"vectorize: the signature {signature!r} has {len(core)} inputs, the call {len(arrays)}")
        loops = ()  # (a loop, not a comprehension: SCT takes shapes read in loops as constants)
        for a, c in zip(arrays, core):
            if len(shape(a)) < c:
                raise ValueError(f"vectorize: an input of shape {shape(a)} has fewer than its {c} core dimensions "
                                 f"in the signature {signature!r}")
            loops = loops + (shape(a)[:len(shape(a)) - c],)
        loop = _np.broadcast_shapes(*loops)
        arrays = [broadcast_to(a, loop + shape(a)[len(s):]) for a, s in zip(arrays, loops)]
        results = []
        for k in range(int(_np.prod(loop))):
            index = tuple(int(i) for i in _np.unravel_index(k, loop))
            results.append(pyfunc(*_call_args(args, mapped, arrays, index), **kwargs))
        first = results[0]
        if not loop:
            return first
        stacked = stack(results)  # several outputs (of one shape) stack to (count, outputs, ...)
        if isinstance(first, tuple):
            return _outputs(stacked, loop, shape(first[0]), len(first))
        return reshape(stacked, loop + shape(first))

    vectorized.sct_refused = (  # (construct, hint) for SCT, which does not follow the loop above
        "a call of a function anp.vectorize made (SCT does not transform its loop over the elements)",
        "write the function on whole arrays (anp's operations are elementwise), or loop and stack: "
        "anp.stack([f(v) for v in x]); the overloading engine runs anp.vectorize")
    return vectorized


def _call_args(args: tuple, mapped: list, arrays: list, index: tuple) -> tuple:
    """The call's arguments: the mapped ones at ``index`` of their broadcast arrays, the others as given."""
    return tuple(_at(arrays[mapped.index(j)], index) if j in mapped else args[j] for j in range(len(args)))


def _at(a, index: tuple):
    return getitem(a, index) if index else a


def _outputs(stacked, loop: tuple, each: tuple, count: int) -> tuple:
    """The function's ``count`` outputs (each of shape ``each``), stacked over the loop's shape."""
    return tuple(reshape(getitem(stacked, (slice(None), j)), loop + each) for j in range(count))


def place(arr, mask, vals, *, inplace=True):
    """``arr`` with ``vals`` (repeated cyclically) written where ``mask`` holds, as jnp's (``inplace=False``)."""
    if inplace:
        raise ValueError(_inplace("place"))
    positions = _np.flatnonzero(_np.asarray(_p.primal(_p.pack(mask))))
    return put(arr, positions, vals, inplace=False)


def sort_complex(a):
    """``a`` sorted by real then imaginary part, complex as jnp's: of constants only."""
    packed = _p.pack(a)
    if isinstance(packed, _p.Box):
        raise NotImplementedError(f"sort_complex (at {user_location()}): its result is complex, and adcompare "
                                  "differentiates real arrays only; use anp.sort")
    value = _p.primal(packed)
    xp = _p.namespace((value,))
    if xp is not _np:
        return xp.sort_complex(value)
    value = _np.asarray(value)
    return _np.sort_complex(value).astype(_np.result_type(_p.inexact_dtype(value) or value.dtype, _np.complex64))


def einsum_path(subscripts, *operands, optimize="auto"):
    """jnp's contraction path of ``einsum`` for operands of these shapes (a constant)."""
    stand_ins = [_np.broadcast_to(_np.zeros((), _p.result_dtype(_p.pack(o))), shape(o)) for o in operands]
    return _jnp.einsum_path(subscripts, *stand_ins, optimize=optimize)


__all__ = ["vectorize", "place", "sort_complex", "einsum_path"]
