"""Python's operators on active values, spelled with the vocabulary.

A box class that mixes in :class:`Operators` behaves like an array: ``x * y``
binds ``multiply``, ``x[i]`` binds ``getitem``, and comparisons compare primal
values and return plain booleans (or boolean arrays), so Python ``if`` and
``while`` work on active values.

``y[i] = v`` (and ``y[a:b] += v``) on an active ``y`` is a functional update,
as JAX's ``y = y.at[i].set(v)``: ``y`` is rebound in place to the new value, so
every Python name for it sees the write, while what was recorded before keeps
the old value. Conversions to constants (``float(x)``, ``np.asarray(x)``) are
refused by :class:`adcompare.primitives.Box`.
"""

from __future__ import annotations

import copy

from adcompare import numpy as anp
from adcompare.concrete import refuse
from adcompare.primitives import Box, primal


def _check_index(idx):
    parts = idx if isinstance(idx, tuple) else (idx,)
    if any(isinstance(i, Box) for i in parts):
        raise refuse("use as an index", "a plain int or an integer array: an index is never differentiated")
    return idx


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
    def __matmul__(self, other): return anp.matmul(self, other)
    def __rmatmul__(self, other): return anp.matmul(other, self)
    def __neg__(self): return anp.negative(self)
    def __pos__(self): return self
    def __abs__(self): return anp.abs(self)
    def __getitem__(self, idx): return anp.getitem(self, _check_index(idx))

    def __setitem__(self, idx, v):
        new = anp.index_update(self, _check_index(idx), v)
        if not (isinstance(new, Box) and new.trace is self.trace):
            raise TypeError(
                "y[i] = v cannot write a value differentiated at an inner level (an inner grad or "
                "jvp) into an array of an outer level in place: write y = anp.index_update(y, i, v)")
        self.trace.rebind(self, new)

    def copy(self):
        return copy.copy(self)  # a new name-level object: writing into it leaves self alone

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

    def reshape(self, *shape):
        return anp.reshape(self, shape[0] if len(shape) == 1 else shape)

    def sum(self, axis=None, keepdims=False): return anp.sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False): return anp.mean(self, axis, keepdims)
    def max(self, axis=None, keepdims=False): return anp.max(self, axis, keepdims)
    def min(self, axis=None, keepdims=False): return anp.min(self, axis, keepdims)  # by name, when called
    def prod(self, axis=None, keepdims=False): return anp.prod(self, axis, keepdims)
    def ravel(self, order="C"): return anp.ravel(self, order)
    def flatten(self, order="C"): return anp.ravel(self, order)  # a new value either way
    def squeeze(self, axis=None): return anp.squeeze(self, axis)
    def astype(self, dtype): return anp.astype(self, dtype)
