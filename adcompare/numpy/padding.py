"""``pad`` with every mode ``jnp.pad`` takes, as a composition of primitives (no rule of its own).

``constant`` with one constant number writes ``x`` into a constant array (``index_update``); per-axis or
active ``constant_values`` (differentiated, as JAX does) are blocks concatenated axis by axis. The other
modes pad one axis after another, as NumPy and JAX do, so that corners come from the padded axes before:

* ``edge`` and ``wrap`` gather ``x`` at constant indices (clipped, or taken modulo the length);
* ``reflect`` and ``symmetric`` concatenate mirrored chunks of at most one period, each from the array
  padded so far; ``reflect_type='odd'`` takes ``2 * edge - chunk``, so long pads continue the trend;
* ``linear_ramp`` is ``end + (edge - end) * t`` for constant fractions ``t`` (``end_values`` and
  ``stat_length`` are constants, static in jnp: an active one is refused where it is read);
* ``maximum``, ``minimum``, ``mean`` and ``median`` repeat a statistic of ``stat_length`` entries next to
  each edge; ``empty`` pads with zeros (as JAX);
* a function as ``mode`` is applied to every 1-d slice of the zero-padded array along each axis in turn,
  ``mode(vector, pad_width[axis], axis, kwargs)`` returning the new vector (JAX's form).

Integer arrays (never differentiated) are padded by the backend's own ``pad``, with its rounding.
"""

from __future__ import annotations

import numpy as _np

from adcompare import primitives as _p
from adcompare.concrete import user_location
from adcompare.numpy.constants import zeros
from adcompare.numpy.editing import apply_along_axis
from adcompare.numpy.elementwise import add, multiply, subtract
from adcompare.numpy.numerics import median, take
from adcompare.numpy.reductions import max as _max
from adcompare.numpy.reductions import mean
from adcompare.numpy.reductions import min as _min
from adcompare.numpy.shapes import asarray, astype, broadcast_to, concatenate, getitem, ndim, shape

_KEYWORDS = {"constant": {"constant_values"}, "edge": set(), "wrap": set(), "empty": set(),
             "linear_ramp": {"end_values"}, "reflect": {"reflect_type"}, "symmetric": {"reflect_type"},
             "maximum": {"stat_length"}, "minimum": {"stat_length"}, "mean": {"stat_length"},
             "median": {"stat_length"}}
_STATISTICS = {"maximum": _max, "minimum": _min, "mean": mean, "median": median}


def _pairs(value, n: int, name: str) -> list:
    """``value`` (one number, a pair, or a pair per axis) as ``n`` (before, after) pairs, as NumPy broadcasts."""
    pairs = _np.asarray(value, dtype=object)
    if not _np.broadcast_shapes(pairs.shape, (n, 2)) == (n, 2):
        raise ValueError(f"pad: {name}={value!r} does not broadcast to {n} (before, after) pairs")
    pairs = _np.broadcast_to(pairs, (n, 2))
    return [(pairs[i, 0], pairs[i, 1]) for i in range(n)]


def _pad_plan(s: tuple, pad_width) -> tuple:
    widths = [(int(lo), int(hi)) for lo, hi in _pairs(pad_width, len(s), "pad_width")]
    if any(w < 0 for pair in widths for w in pair):
        raise ValueError("pad: index can't contain negative values")
    out = tuple(d + lo + hi for d, (lo, hi) in zip(s, widths))
    return out, tuple(slice(lo, lo + d) for d, (lo, _) in zip(s, widths)), widths


def pad(array, pad_width, mode="constant", constant_values=None, end_values=None, stat_length=None,
        reflect_type=None):
    """NumPy's ``pad`` in every mode ``jnp.pad`` takes (see the module's docstring); a keyword the mode does
    not take is refused, as jnp's."""
    x = asarray(array)  # a list or tuple is packed first, as jnp.asarray packs it
    kwargs = _keywords(mode, constant_values is None, end_values, stat_length, reflect_type)
    if callable(mode):
        if constant_values is not None:
            raise NotImplementedError(f"pad: constant_values with a function as mode (at {user_location()}) is not "
                                      "supported here: pass it to the function yourself")
        return _pad_function(x, pad_width, mode, kwargs)
    if mode in ("constant", "empty"):
        return _pad_constant(x, pad_width, 0 if constant_values is None else constant_values)
    out_shape, _, widths = _pad_plan(shape(x), pad_width)
    value = _p.primal(x)
    if not _p.is_float(value):  # integers are constants: the backend's own pad, with its rounding
        return _p.namespace((value,)).pad(value, pad_width, mode, **kwargs)
    for axis, (lo, hi) in enumerate(widths):
        if (lo or hi) and shape(x)[axis] == 0:
            raise ValueError(f"pad: can't extend the empty axis {axis} in mode {mode!r}")
    if mode in ("edge", "wrap"):
        return _pad_gathered(x, widths, mode)
    if mode == "linear_ramp":
        return _pad_ramp(x, widths, _pairs(kwargs.get("end_values", 0), len(widths), "end_values"))
    if mode in _STATISTICS:
        return _pad_statistic(x, widths, _STATISTICS[mode], kwargs.get("stat_length"))
    odd = kwargs.get("reflect_type", "even")
    if odd not in ("even", "odd"):
        raise ValueError(f"pad: reflect_type={odd!r} is neither 'even' nor 'odd'")
    return _pad_mirrored(x, widths, mode == "symmetric", odd == "odd")


def _keywords(mode, no_constant: bool, end_values, stat_length, reflect_type) -> dict:
    """The static keywords passed (not None), by name, checked against the mode's (a function takes any)."""
    kwargs = {k: v for k, v in zip(("end_values", "stat_length", "reflect_type"), (end_values, stat_length,
                                                                               reflect_type)) if v is not None}
    if callable(mode):
        return kwargs
    if mode not in _KEYWORDS:
        raise NotImplementedError(f"pad: mode={mode!r} is not a padding mode (jnp's: {', '.join(_KEYWORDS)}, "
                                  "or a function)")
    unknown = (set(kwargs) | (set() if no_constant else {"constant_values"})) - _KEYWORDS[mode]
    if unknown:
        raise ValueError(f"pad: unsupported keyword arguments for mode {mode!r}: {sorted(unknown)}")
    return kwargs


def _pad_constant(x, pad_width, constant_values):
    out, idx, widths = _pad_plan(shape(x), pad_width)
    if isinstance(constant_values, (tuple, list)):  # (before, after) pairs that may hold differentiated values
        constant_values = asarray(constant_values)
    if isinstance(constant_values, _p.Box) and ndim(constant_values) == 0:  # one active value everywhere
        return _pad_blocks(x, widths, None, astype(constant_values, _p.result_dtype(x)))
    if ndim(constant_values) != 0:  # per axis: blocks of values read from a (before, after) pair per axis
        n, dtype = len(widths), _p.result_dtype(x)
        if _np.broadcast_shapes(shape(constant_values), (n, 2)) != (n, 2):
            raise ValueError(f"pad: constant_values of shape {shape(constant_values)} does not broadcast to {n} "
                             "(before, after) pairs")
        v = astype(broadcast_to(constant_values, (n, 2)), dtype)  # x's dtype, as JAX's
        return _pad_blocks(x, widths, [(getitem(v, (i, 0)), getitem(v, (i, 1))) for i in range(n)], 0)
    base = zeros(out, dtype=_p.result_dtype(x), like=x)  # x's dtype, as JAX's
    if constant_values != 0:  # cast to x's dtype (an integer x's fill truncated), as NumPy's and JAX's
        base = astype(add(base, constant_values), _p.result_dtype(x))
    return _p.index_update_p(base, x, idx=idx)


def _pad_blocks(x, widths: list, pairs, value):
    """Constant blocks concatenated axis by axis: ``pairs[axis]``, or ``value`` on both sides if None."""
    for axis, (lo, hi) in enumerate(widths):
        before, after = (value, value) if pairs is None else pairs[axis]
        x = concatenate([_block(x, axis, lo, before), x, _block(x, axis, hi, after)], axis=axis)
    return x


def _block(x, axis: int, width: int, value):
    """``width`` entries of ``value`` along ``axis``, the other axes as ``x``'s (in ``x``'s dtype)."""
    s = shape(x)
    return add(zeros(s[:axis] + (width,) + s[axis + 1:], dtype=_p.result_dtype(x), like=x), value)


def _pad_gathered(x, widths: list, mode: str):
    for axis, (lo, hi) in enumerate(widths):
        n = shape(x)[axis]
        positions = _np.arange(-lo, n + hi)
        x = take(x, _np.clip(positions, 0, n - 1) if mode == "edge" else positions % n, axis=axis)
    return x


def _pad_ramp(x, widths: list, ends: list):
    for axis, ((lo, hi), (begin, end)) in enumerate(zip(widths, ends)):
        n = shape(x)[axis]
        before = _ramp(take(x, [0], axis=axis), begin, _np.arange(lo) / max(lo, 1), axis)
        after = _ramp(take(x, [n - 1], axis=axis), end, _np.arange(hi - 1, -1, -1) / max(hi, 1), axis)
        x = concatenate([before, x, after], axis=axis)
    return x


def _ramp(edge, end, fractions, axis: int):
    """``end + (edge - end) * t`` for each fraction ``t`` along ``axis`` (``edge`` has length 1 there)."""
    t = _np.reshape(fractions, (-1,) + (1,) * (len(shape(edge)) - axis - 1)).astype(_p.result_dtype(edge))
    return add(end, multiply(subtract(edge, end), t))


def _pad_statistic(x, widths: list, statistic, stat_length):
    lengths = _pairs(stat_length, len(widths), "stat_length") if stat_length is not None else None
    for axis, (lo, hi) in enumerate(widths):
        n = shape(x)[axis]
        first, last = (n, n) if lengths is None else [min(int(v), n) for v in lengths[axis]]
        if first < 1 or last < 1:
            raise ValueError(f"pad: stat_length={stat_length!r} must be positive")
        before = statistic(take(x, _np.arange(first), axis=axis), axis=axis, keepdims=True)
        after = statistic(take(x, _np.arange(n - last, n), axis=axis), axis=axis, keepdims=True)
        x = concatenate([take(before, _np.zeros(lo, int), axis=axis), x,
                         take(after, _np.zeros(hi, int), axis=axis)], axis=axis)
    return x


def _pad_mirrored(x, widths: list, symmetric: bool, odd: bool):
    for axis, (lo, hi) in enumerate(widths):
        period = shape(x)[axis] - (0 if symmetric else 1)
        if period == 0:  # one entry reflected: its edge, as NumPy's and JAX's
            x = _pad_gathered(x, [(0, 0)] * axis + [(lo, hi)], "edge")
            continue
        while lo > 0:
            k = min(lo, period)
            chunk = take(x, _np.arange(k - 1, -1, -1) + (0 if symmetric else 1), axis=axis)
            if odd:
                chunk = subtract(multiply(take(x, [0], axis=axis), 2.0), chunk)
            x, lo = concatenate([chunk, x], axis=axis), lo - k
        while hi > 0:
            k, m = min(hi, period), shape(x)[axis]
            chunk = take(x, _np.arange(m - 1, m - 1 - k, -1) - (0 if symmetric else 1), axis=axis)
            if odd:
                chunk = subtract(multiply(take(x, [m - 1], axis=axis), 2.0), chunk)
            x, hi = concatenate([x, chunk], axis=axis), hi - k
    return x


def _pad_function(x, pad_width, function, kwargs: dict):
    _, _, widths = _pad_plan(shape(x), pad_width)
    x = _pad_constant(x, pad_width, 0)
    for axis, width in enumerate(widths):
        x = apply_along_axis(function, axis, x, width, axis, kwargs)
    return x


__all__ = ["pad"]
