"""What a box knows of the arrays it shares memory with: the record in its ``alias`` slot.

The overloading engine's boxes carry an ``alias`` slot (None until a view or a write needs it);
:mod:`adcompare.views` makes and follows these records (writes through views, views remade after a
write into their base). The record is defined here, below the vocabulary, so that a function of
:mod:`adcompare.numpy` can ask whether a result is linked as a view without knowing how views work.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Alias", "is_view"]


class Alias:
    """``base``: ``(base box, view primitive, its params)`` for a view, else None.
    ``views``: weak references to the boxes made as views of this one.
    ``mutable``: an in-place write made it an array (a 0-d array stays one
    even where the vocabulary's result is a NumPy scalar).
    """

    __slots__ = ("base", "views", "mutable")

    def __init__(self, base: tuple | None = None):
        self.base = base
        self.views: list = []
        self.mutable = False


def is_view(x: Any) -> bool:
    """Is ``x`` a box linked as a view of another (a JAX-backed box too, where NumPy's would be a view)?"""
    a = getattr(x, "alias", None)
    return a is not None and a.base is not None
