"""Where each quantile falls in the sorted values, for the methods of jnp's ``quantile`` that interpolate between
two neighbours (``linear``, ``lower``, ``higher``, ``midpoint``, ``nearest``): shared by ``quantile`` and
``nanquantile``, computed on constants (positions), so each method differentiates as JAX's does (the values it
picks, weighted as it weighs them).
"""

from __future__ import annotations

METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def check_method(name: str, method: str) -> str:
    """``method``, if it is one of :data:`METHODS` (else refused by name)."""
    if method not in METHODS:
        raise ValueError(f"{name}: method={method!r} is not supported here; jnp's interpolating methods are "
                         f"{', '.join(METHODS)}")
    return method


def method_bounds(xp, pos, method: str) -> tuple:
    """``(low, high, w)`` for fractional positions ``pos``: the quantile is ``s[low] (1 - w) + s[high] w``, or
    ``s[low]`` alone where ``w`` is None (``lower``, ``higher``, ``nearest``: ties go low, as JAX's)."""
    low, high = xp.floor(pos), xp.ceil(pos)
    if method == "linear":
        return low, high, pos - low
    if method == "midpoint":
        return low, high, pos * 0.0 + 0.5
    pick = low if method == "lower" else high if method == "higher" else xp.where(pos - low <= 0.5, low, high)
    return pick, pick, None
