"""NumPy's writes in place that ``jax.numpy`` lacks: ``copyto`` and ``putmask``.

Each writes into its first argument and returns None, as NumPy's. What it writes is JAX's functional value:
``copyto(dst, src, where=w)`` writes :func:`copied` (``where(w, src cast to dst's dtype, dst)``, broadcast to
``dst``'s shape) and ``putmask(a, mask, values)`` writes :func:`putmasked` (``where(mask, values repeated
cyclically over the flat array, a)``), so each derivative is that ``where``'s. NumPy's own checks (broadcasting,
``casting``, the mask's size) run first, on stand-ins of the primal arrays, so their errors are NumPy's.

The write is ``dst[...] = value``: NumPy's own into a NumPy array of constants; on an active value of the
overloading engine the functional update that every name and view of it sees, as NumPy's; in SCT an index write
(``dst`` rebound, checked that no other name for it is read afterwards). Refused, with the user's line: an active
value written into an array of constants (its derivative would be lost), a write into a JAX array (never written in
place), into an elemental value (never written into: ``el.where`` gives the new value) or into a value of an outer
level (an inner derivative's value would escape).
"""

from __future__ import annotations

import numpy as _np

from adcompare import primitives as _p
from adcompare.concrete import user_location
from adcompare.numpy.elementwise import where as _where
from adcompare.numpy.shapes import asarray, astype, broadcast_to, getitem, ravel, reshape, shape


def stand_in(a):
    """A NumPy array of ``a``'s shape and dtype, a constant on which NumPy's own checks of a write run (a Python
    number stays one, and a list a list of zeros: NumPy casts them as it casts such values, not as arrays)."""
    if isinstance(a, (bool, int, float, complex)):
        return a
    packed = _p.pack(a)
    zeros = _np.zeros(shape(packed), _p.result_dtype(packed))
    return zeros.tolist() if isinstance(a, (list, tuple)) else zeros


def copied(dst, src, casting="same_kind", where=True):
    """The value ``copyto(dst, src, casting, where)`` writes into ``dst``, as a new value (NumPy's checks first)."""
    mask = _p.primal(_p.pack(where))
    # NumPy's checks (assigned, not a call statement: SCT reads this code too)
    _ = _np.copyto(stand_in(dst), stand_in(src), casting=casting, where=stand_in(mask))
    dst, src = asarray(dst), asarray(src)
    if _p.result_dtype(src) != _p.result_dtype(dst):
        src = astype(src, _p.result_dtype(dst))
    new = broadcast_to(src, shape(dst))
    return new if mask is True else _where(broadcast_to(mask, shape(dst)), new, dst)


def putmasked(a, mask, values):
    """The value ``putmask(a, mask, values)`` writes into ``a``, as a new value (NumPy's checks first)."""
    mask = _p.primal(_p.pack(mask))  # (a JAX tracer under jax.jit stays one)
    _ = _np.putmask(stand_in(a), stand_in(mask), stand_in(values))  # NumPy's checks (see copied)
    a, values = asarray(a), ravel(asarray(values))
    size, count = int(_np.prod(shape(a), dtype=_np.int64)), shape(values)[0]
    if size == 0 or count == 0:
        return a
    if _p.result_dtype(values) != _p.result_dtype(a):
        values = astype(values, _p.result_dtype(a))
    cycled = reshape(getitem(values, _np.arange(size) % count), shape(a))
    return _where(reshape(mask != 0, shape(a)), cycled, a)


def _write(name: str, dst, new) -> None:
    """``dst[...] = new``, or the refusal of this write by name (see the module doc)."""
    if isinstance(dst, _p.Box):
        if getattr(dst, "vocabulary", None) == "el":
            raise TypeError(f"{name} writes into its first argument in place (at {user_location()}), and elemental "
                            f"values are never written into: use the new value, dst = el.where(mask, src, dst)")
        if isinstance(new, _p.Box) and new._trace.level > dst._trace.level:
            raise TypeError(f"{name} (at {user_location()}) would write a value differentiated at an inner level (an "
                            f"inner grad or jvp) into an array of an outer level in place: use the new value, "
                            f"dst = anp.where(mask, src, dst)")
    elif isinstance(new, _p.Box):
        raise TypeError(f"{name} (at {user_location()}) would write an active value into {type(dst).__name__} of "
                        f"constants in place, and its derivative would be lost: write into an active array "
                        f"(dst = anp.zeros_like(x) of an active x), or use the new value anp.where(mask, src, dst)")
    elif not isinstance(dst, _np.ndarray):
        raise TypeError(f"{name}: the array written into (at {user_location()}) is {type(dst).__name__}, not a "
                        f"NumPy array: NumPy writes only into its own arrays (a JAX array is never written in "
                        f"place); use the new value anp.where(mask, src, dst)")
    dst[...] = new


def copyto(dst, src, casting="same_kind", where=True):
    """Write ``src`` (broadcast, cast by ``casting``'s rule) into ``dst`` where ``where`` holds, as NumPy's."""
    _write("copyto", dst, copied(dst, src, casting, where))


def putmask(a, mask, values):
    """Write ``values.flat[n % len(values)]`` into ``a.flat[n]`` where ``mask.flat[n]`` holds, as NumPy's."""
    _write("putmask", a, putmasked(a, mask, values))


# SCT takes a call statement of either as the index write ``dst[...] = form(same arguments)``
# (engines.sct.front.vocab_writes), and refuses any other call of them (a result used, a call met as the code runs)
for _writer, _marks in ((copyto, (copied, "dst")), (putmask, (putmasked, "a"))):
    _writer.sct_writes = _marks
    _writer.sct_refused = (f"a call of anp.{_writer.__name__} that is not a statement of its own (its result, None, "
                           "used, or the function called through another name)",
                           f"call it as a statement: anp.{_writer.__name__}(...), which SCT takes as a write by index")
del _writer, _marks


__all__ = ["copyto", "putmask"]
