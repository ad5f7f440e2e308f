"""``take``'s ``mode=``: the indices a gather reads, as NumPy's and jnp's ``take`` read them.

Contract: :func:`take_indices` maps the caller's integer indices (never differentiated) onto an axis of ``n``
entries: ``"wrap"`` takes them modulo ``n``, ``"clip"`` clamps them to ``0 .. n - 1`` (a negative index too, as
both libraries do); ``None`` and ``"raise"`` leave them as they are (NumPy's default: an index out of range is an
IndexError). jnp's own default, ``"fill"``, gives nan where NumPy raises, and is refused by name.
"""

from __future__ import annotations

import numpy as np


def take_indices(indices, n: int, mode):
    """The indices ``take(..., mode=mode)`` reads along an axis of ``n`` entries."""
    if mode is None or mode == "raise":
        return indices
    idx = indices if hasattr(indices, "shape") else np.asarray(indices)
    if mode == "wrap":
        return idx % n
    if mode == "clip":
        return idx.clip(0, n - 1)
    raise ValueError(f"take: mode={mode!r} is not taken; use 'raise' (NumPy's default), 'wrap' or 'clip' "
                     "(jnp's 'fill' gives nan where NumPy raises an IndexError)")
