"""Python's operators on active values, spelled with the vocabulary.

A box class that mixes in :class:`Operators` behaves like an array: ``x * y``
binds ``multiply``, ``x[i]`` binds ``getitem``, and comparisons compare primal
values and return plain booleans (or boolean arrays), so Python ``if`` and
``while`` work on active values.

``y[i] = v`` (and ``y[a:b] += v``) on an active ``y`` is a functional update,
as JAX's ``y = y.at[i].set(v)``: ``y`` is rebound in place to the new value, so
every Python name for it sees the write, while what was recorded before keeps
the old value. Writes through views (``v = y[1:3]; v[0] = x``) and in-place
operators (``y *= 2``) follow NumPy's aliasing (:mod:`adcompare.views`).
NumPy operators on an ndarray and an active value (``a + x``) answer through
the active value's operators; writing an active value into a NumPy array in
place (``acc += x``) is refused, naming the fix. Conversions to constants (``float(x)``, ``np.asarray(x)``) are
refused by :class:`adcompare.primitives.Box`.
"""

from __future__ import annotations

import copy

import numpy as np

from adcompare import numpy as anp
from adcompare import views
from adcompare.concrete import describe_function, refuse, user_location
from adcompare.primitives import Box, getitem_p, namespace, primal


def _check_index(idx):
    parts = idx if isinstance(idx, tuple) else (idx,)
    if any(isinstance(i, Box) for i in parts):
        raise refuse("use as an index", "a plain int or an integer array: an index is never differentiated")
    return idx


# NumPy's operators on an ndarray and an active value (``a + x``, ``a < x``) call the ufunc, which
# hands it here: the active value's own operator answers, as Python's reflected operators would
_OPERATORS = {np.add: ("__add__", "__radd__"), np.subtract: ("__sub__", "__rsub__"),
              np.multiply: ("__mul__", "__rmul__"), np.true_divide: ("__truediv__", "__rtruediv__"),
              np.power: ("__pow__", "__rpow__"), np.remainder: ("__mod__", "__rmod__"),
              np.matmul: ("__matmul__", "__rmatmul__"),
              np.less: ("__lt__", "__gt__"), np.less_equal: ("__le__", "__ge__"),
              np.greater: ("__gt__", "__lt__"), np.greater_equal: ("__ge__", "__le__"),
              np.equal: ("__eq__", "__eq__"), np.not_equal: ("__ne__", "__ne__")}


def array_ufunc(self, ufunc, method, *inputs, out=None, **kwargs):
    """``__array_ufunc__`` of an active value: NumPy operators work, writes into NumPy arrays are refused."""
    if out is not None or method == "at":
        raise refuse(f"writing into a NumPy array in place ({describe_function(ufunc)}"
                     f"{'.at' if method == 'at' else ''}, `acc += v`, `out=`)",
                     f"an accumulator that is an active value itself (`acc = anp.zeros_like(x)` of an "
                     f"active x, or `acc = acc + v`), or {self.write_hint}")
    if method == "__call__" and not kwargs:
        names = _OPERATORS.get(ufunc)
        if names is not None and len(inputs) == 2:
            x, y = inputs
            return getattr(x, names[0])(y) if x is self else getattr(y, names[1])(x)
        if ufunc is np.negative:
            return -self
    raise refuse(f"{describe_function(ufunc)}{'' if method == '__call__' else '.' + method}() (NumPy's "
                 f"ufuncs do not take active values)",
                 f"the vocabulary's {self.vocabulary}.{ufunc.__name__} (adcompare.numpy names)")


class Operators:
    __slots__ = ()

    def __add__(self, other): return anp.add(self, other)
    def __radd__(self, other): return anp.add(other, self)
    def __sub__(self, other): return anp.subtract(self, other)
    def __rsub__(self, other): return anp.subtract(other, self)
    def __mul__(self, other): return anp.multiply(self, other)
    def __rmul__(self, other): return anp.multiply(other, self)
    def __truediv__(self, other): return anp.divide(self, other)
    def __rtruediv__(self, other): return anp.divide(other, self)
    def __pow__(self, other): return anp.power(self, other)
    def __rpow__(self, other): return anp.power(other, self)
    def __mod__(self, other): return anp.remainder(self, other)
    def __rmod__(self, other): return anp.remainder(other, self)
    def __floordiv__(self, other): return anp.floor_divide(self, other)  # a constant, as in JAX
    def __rfloordiv__(self, other): return anp.floor_divide(other, self)
    def __divmod__(self, other): return anp.floor_divide(self, other), anp.remainder(self, other)
    def __rdivmod__(self, other): return anp.floor_divide(other, self), anp.remainder(other, self)
    def __round__(self, ndigits=None): return anp.round(self, 0 if ndigits is None else ndigits)
    def __matmul__(self, other): return anp.matmul(self, other)
    def __rmatmul__(self, other): return anp.matmul(other, self)
    def __neg__(self): return anp.negative(self)
    def __pos__(self): return anp.positive(self)  # a new array, as NumPy's (a write into it leaves self alone)
    def __abs__(self): return anp.abs(self)
    def __getitem__(self, idx): return anp.getitem(self, _check_index(idx))

    def __setitem__(self, idx, v):
        if views.is_view_of(v, self, getitem_p, {"idx": idx}):
            return  # `y[s] += v`: the in-place add wrote through the view y[s] already
        new = anp.index_update(self, _check_index(idx), v)
        if not (isinstance(new, Box) and new._trace is self._trace):
            raise TypeError(
                "y[i] = v cannot write a value differentiated at an inner level (an inner grad or "
                "jvp) into an array of an outer level in place: write y = anp.index_update(y, i, v)")
        views.assign(self, new)

    # In place where NumPy writes in place (an ndarray, and so every name and view of it sees it);
    # on a float, NumPy scalar or JAX array only the name is rebound (adcompare.views.inplace)
    def __iadd__(self, other): return views.inplace(self, anp.add(self, other))
    def __isub__(self, other): return views.inplace(self, anp.subtract(self, other))
    def __imul__(self, other): return views.inplace(self, anp.multiply(self, other))
    def __itruediv__(self, other): return views.inplace(self, anp.divide(self, other))
    def __ipow__(self, other): return views.inplace(self, anp.power(self, other))
    def __imod__(self, other): return views.inplace(self, anp.remainder(self, other))
    def __imatmul__(self, other): return views.inplace(self, anp.matmul(self, other))

    def copy(self, order="C"):  # (NumPy's memory order: the values are the same)
        return copy.copy(self)  # a new name-level object: writing into it leaves self alone

    def __copy__(self):  # the value, without the aliases: a copy is no view of anything
        return views.detached_copy(self)

    __array_ufunc__ = array_ufunc

    def __lt__(self, other): return primal(self) < primal(other)
    def __le__(self, other): return primal(self) <= primal(other)
    def __gt__(self, other): return primal(self) > primal(other)
    def __ge__(self, other): return primal(self) >= primal(other)
    def __eq__(self, other): return primal(self) == primal(other)
    def __ne__(self, other): return primal(self) != primal(other)
    __hash__ = object.__hash__

    def __bool__(self): return bool(primal(self))
    def __len__(self): return len(primal(self))
    def __iter__(self): return (self[i] for i in range(len(self)))

    @property
    def T(self): return anp.transpose(self)

    def reshape(self, *shape, order="C"):
        return anp.reshape(self, shape[0] if len(shape) == 1 else shape, order)

    def sum(self, axis=None, keepdims=False, **kw): return anp.sum(self, axis, keepdims, **kw)
    def mean(self, axis=None, keepdims=False, **kw): return anp.mean(self, axis, keepdims, **kw)
    def max(self, axis=None, keepdims=False, **kw): return anp.max(self, axis, keepdims, **kw)
    def min(self, axis=None, keepdims=False, **kw): return anp.min(self, axis, keepdims, **kw)  # by name, when called
    def prod(self, axis=None, keepdims=False, **kw): return anp.prod(self, axis, keepdims, **kw)
    def ravel(self, order="C"): return anp.ravel(self, order)
    def flatten(self, order="C"): return views.detached_copy(anp.ravel(self, order))  # a copy, not a view
    def squeeze(self, axis=None): return anp.squeeze(self, axis)
    def astype(self, dtype, copy=True): return anp.astype(self, dtype, copy=copy)

    # NumPy's array methods, as the vocabulary calls of the same names (so differentiated by their rules)
    def dot(self, b): return anp.dot(self, b)
    def clip(self, min=None, max=None): return anp.clip(self, min, max)
    def var(self, axis=None, *, ddof=0, keepdims=False, **kw): return anp.var(self, axis, ddof, keepdims, **kw)
    def std(self, axis=None, *, ddof=0, keepdims=False, **kw): return anp.std(self, axis, ddof, keepdims, **kw)
    def cumsum(self, axis=None, **kw): return anp.cumsum(self, axis, **kw)
    def cumprod(self, axis=None, **kw): return anp.cumprod(self, axis, **kw)
    def swapaxes(self, axis1, axis2): return anp.swapaxes(self, axis1, axis2)
    def conj(self): return anp.conj(self)
    def conjugate(self): return anp.conj(self)
    def diagonal(self, offset=0, axis1=0, axis2=1): return anp.diagonal(self, offset, axis1, axis2)
    def trace(self, offset=0, axis1=0, axis2=1, dtype=None): return anp.trace(self, offset, axis1, axis2, dtype)
    def repeat(self, repeats, axis=None): return anp.repeat(self, repeats, axis)
    def take(self, indices, axis=None, mode=None): return anp.take(self, indices, axis, mode)
    def compress(self, condition, axis=None): return anp.compress(condition, self, axis)

    @property
    def mT(self): return anp.matrix_transpose(self)  # noqa: N802 (NumPy's name)

    def transpose(self, *axes):  # x.transpose(), x.transpose((1, 0)) and x.transpose(1, 0)
        if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], (int, np.integer))):
            axes = axes[0]
        return anp.transpose(self, axes or None)

    @property
    def real(self): return anp.real(self)

    @property
    def imag(self): return anp.imag(self)

    # Constants: indices and truth values of the primal value (never differentiated)
    def argmax(self, axis=None, out=None, *, keepdims=False): return anp.argmax(self, axis, out, keepdims)
    def argmin(self, axis=None, out=None, *, keepdims=False): return anp.argmin(self, axis, out, keepdims)
    def argsort(self, axis=-1): return anp.argsort(self, axis)
    def round(self, decimals=0): return anp.round(self, decimals)
    def any(self, axis=None, keepdims=False): return _on_primal(self, "any", axis=axis, keepdims=keepdims)
    def all(self, axis=None, keepdims=False): return _on_primal(self, "all", axis=axis, keepdims=keepdims)
    def nonzero(self): return _on_primal(self, "nonzero")
    def searchsorted(self, v, side="left", sorter=None): return anp.searchsorted(self, v, side, sorter)

    def sort(self, axis=-1, kind=None, order=None):
        """NumPy's sort in place (every name and view of the array sees it; None); a JAX array's ``.sort()``
        returns the sorted array, as JAX's, and leaves the box alone."""
        out = anp.sort(self, axis, kind, order)
        if type(primal(self)) is not np.ndarray:
            return out
        self[...] = out

    def fill(self, value):
        """NumPy's fill in place: every entry ``value`` (a constant, or an active scalar whose derivative flows)."""
        if type(primal(self)) is not np.ndarray:
            raise AttributeError(f".fill() of a JAX array (at {user_location()}): JAX's arrays have no fill; write "
                                 "anp.full_like(x, v)")
        self[...] = value

    @property
    def nbytes(self): return primal(self).nbytes

    @property
    def itemsize(self): return primal(self).itemsize

    def tolist(self):
        raise refuse(".tolist()", "the array itself (index it, or iterate over it: the items stay active)")

    def item(self, *args):
        raise refuse(".item()", "the array itself (x[i], or anp.reshape(x, ()) for its only entry)")


def _unsupported(name: str) -> property:
    def get(self):  # an AttributeError, so hasattr() and getattr(x, name, default) still say "absent"
        raise AttributeError(f"the array attribute .{name} is not supported on active values (at "
                             f"{user_location(2)}); use the vocabulary call anp.{name}(x, ...) if "
                             "adcompare.numpy has it, or write it with the vocabulary")
    return property(get)


def _at(self):
    raise AttributeError(f"JAX's .at[...] updates are not supported on active values (at {user_location(2)}); "
                         f"write {self.write_hint}, or `y[i] += v` for .at[i].add(v)")


Operators.at = property(_at)  # a jax.Array's name, not NumPy's: without it, "'Node' object has no attribute 'at'"

# Every other public name of NumPy's arrays is refused by name (a property, not __getattr__: looking up
# an unset slot, as views do for ``alias``, stays as cheap as before)
for _name in sorted(set(dir(np.ndarray)) - set(dir(Operators)) - set(dir(Box))):
    if not _name.startswith("_"):
        setattr(Operators, _name, _unsupported(_name))


def _on_primal(box, method: str, **kwargs):
    value = primal(box)
    return getattr(namespace((value,)), method)(value, **kwargs)
