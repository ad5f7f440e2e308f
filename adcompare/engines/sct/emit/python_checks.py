"""Python's own checks and orders that code SCT transforms calls when it runs, for what Python does with
containers and calls: a loop's sequence read by position (:func:`check_sequence`, :func:`positional_len`), a list
write's position, ``max``/``min`` of an empty sequence, ``sorted``'s order (a constant permutation), a dict's keys
(loops, writes, size changes), a named tuple's field by name, and ``jax.jit``'s hashing of a static argument.
Each raises Python's (or JAX's) error, or an :class:`..errors.SCTError` naming the user's line. Re-exported by
:mod:`.runtime`, where generated code finds them.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, MappingView, Set
from typing import Any

import jax
import numpy as np

from adcompare import numpy as anp
from adcompare.engines.sct.errors import SCTError, a_type
from adcompare.primitives import check_only


@check_only
def check_sequence(seq: Any, function: str, filename: str, line: int) -> None:
    """A loop ``for v in seq`` runs over ``seq[0], seq[1], ...``: refuse what is not read by position
    (a dict, whose loop runs over keys; a set, a dict's view, an iterator)."""
    if isinstance(seq, dict):
        raise SCTError("iterating over a dict", function, filename, line,
                       "iterate over a tuple of its keys, e.g. for k in ('w', 'b'): ... p[k]")
    if isinstance(seq, (Set, MappingView, Mapping)) or not hasattr(type(seq), "__getitem__") \
            or not hasattr(type(seq), "__len__"):
        raise SCTError(f"iterating over {a_type(seq)} (SCT reads a loop's items by position)", function,
                       filename, line, "iterate over a tuple or list of its items, e.g. tuple(...), or index")


def array_receiver(value: Any, name: str, method: str, function: str, filename: str, line: int) -> Any:
    """``value``, the receiver of what SCT read as an array's method (``x.reshape(2, 3)``): refused where ``name``
    holds a module when the code runs (``xp.reshape(x, n)``, a namespace passed as an argument), whose function
    it is (SCT would differentiate the module as the array operand)."""
    if isinstance(value, types.ModuleType):
        raise SCTError(f"{name}.{method}(...) where {name} is the module {value.__name__}: SCT read it as the "
                       f"array method .{method}() of {name}", function, filename, line,
                       f"call the function by its name (anp.{method}(...)), or take it into a variable first "
                       f"(f = {name}.{method}, then f(...)): SCT follows the function it holds when it runs")
    return value


def field_index(x: Any, name: str, function: str, filename: str, line: int) -> int:
    """The position of field ``name`` of the named tuple ``x``: ``x.name`` on a differentiated named tuple is
    read as ``x[field_index(x, 'name', ...)]``; any other differentiated value's attribute is refused here."""
    fields = getattr(type(x), "_fields", None) if isinstance(x, tuple) else None
    made = next((c for c in type(x).__mro__ if "_make" in c.__dict__), None) if fields else None
    if made is not None and name in fields and getattr(type(x), name) is made.__dict__[name]:
        return fields.index(name)
    kind = type(x).__name__
    if hasattr(type(x), "sct_node") and name not in fields:  # a registered node SCT took as its children
        raise SCTError(f"the attribute .{name} of a differentiated {kind}, which is not one of its children "
                       f"({', '.join(fields)})", function, filename, line, f"SCT reads only a differentiated "
                       f"pytree node's children; pass {name} (static data, a property, a method) on its own")
    hint = ("use adcompare.numpy functions" if made is None else f"{kind} has the fields {', '.join(fields)}"
            if name not in fields else f"{kind}.{name} is not the field but {kind}'s own attribute: read the "
            f"field by position, x[{fields.index(name)}], or the attribute on values that are not differentiated")
    raise SCTError(f"the attribute .{name} of a differentiated {kind}", function, filename, line, hint)


def integer_index(value: Any, function: str, filename: str, line: int, construct: str, hint: str) -> Any:
    """``value`` where code SCT transforms takes a differentiated value as an index, a count (``range``) or a
    parameter (``idx=``): one that holds integers (or booleans, slices, strings) has no derivative, as JAX
    gives an integer none, so it is used as it is (an integer leaf of a differentiated pytree, ``x, labels =
    batch``, is differentiated with its float leaves); any other value (a float) is refused with the line."""
    if _integers(value):
        return value
    raise SCTError(construct, function, filename, line, hint)


def _integers(value: Any) -> bool:
    if value is None or value is Ellipsis or isinstance(value, (bool, int, str, slice, np.integer, np.bool_)):
        return True
    if isinstance(value, (tuple, list)):
        return all(_integers(v) for v in value)
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    return kind in ("b", "i", "u")


def positional_len(seq: Any, function: str, filename: str, line: int, copied: bool = False) -> int:
    """``len(seq)`` for a loop SCT runs by index (``zip``, ``enumerate``, ``reversed``, ``max``...),
    after :func:`check_sequence`: a dict or a set is refused, not read by position. ``copied``: ``seq`` is the
    receiver of ``ys = seq.copy()``, a list SCT rebuilds (``ys.append`` follows): anything else is refused."""
    if copied and not isinstance(seq, list):
        raise TypeError(f"a .copy() of {a_type(seq)} appended to later (at {filename}:{line} (in {function})): only a "
                        "list's copy has append (Python raises AttributeError at the append)")
    check_sequence(seq, function, filename, line)
    return len(seq)


def list_position(index: Any, n: int, function: str, filename: str, line: int) -> int:
    """The position ``seq[index] = v`` (or ``del seq[index]``) writes in a list of length ``n``, as Python finds it
    (an integer, negative from the end), or Python's error, with the user's line."""
    at = f"(at {filename}:{line} (in {function}))"
    if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"list indices must be integers or slices, not {type(index).__name__} {at}")
    if not -n <= index < n:
        raise IndexError(f"list assignment index out of range {at}: index {int(index)} of a list of {n}")
    return int(index) % n


def nonempty_len(seq: Any, function: str, filename: str, line: int, name: str) -> int:
    """:func:`positional_len` for Python's ``max(seq)`` or ``min(seq)``, which raise on an empty sequence."""
    n = positional_len(seq, function, filename, line)
    if n == 0:
        raise ValueError(f"{name}() iterable argument is empty")
    return n


def sort_order(values: Any, key: Any, reverse: bool, function: str, filename: str, line: int) -> tuple:
    """The positions of ``values`` in the order ``sorted(values, key=key, reverse=reverse)`` puts them (stable,
    as Python's): a constant, so the sorted list's derivative follows this permutation, as JAX's does. Of a
    dict, its keys themselves in that order (constants)."""
    if isinstance(values, dict):
        return tuple(sorted(values, key=key, reverse=reverse))
    n = positional_len(values, function, filename, line)
    keys = [values[k] if key is None else key(values[k]) for k in range(n)]
    return tuple(sorted(range(n), key=keys.__getitem__, reverse=reverse))


def sorted_keys(d: dict, key: Any = None, reverse: bool = False) -> list:
    """``sorted(d, key=key, reverse=reverse)`` of a dict: its keys, constants."""
    return sorted(d, key=key, reverse=reverse)


def loop_keys(seq: Any, function: str, filename: str, line: int) -> Any:
    """``for k in seq`` whose body reads ``seq[k]``: a dict's keys (constants, in Python's order, as the
    function called directly and the overloading engine see them; not those of an OrderedDict argument SCT holds
    as a dict, :func:`check_not_ordered`), else ``seq`` itself, whose items index it and so are integers, which
    carry no derivative (see :func:`..front.for_targets.keys_read`)."""
    if not isinstance(seq, dict):
        return seq
    check_not_ordered(seq, "a loop over the keys", function, filename, line)
    return tuple(seq)


def written_keys(d: Any, function: str, filename: str, line: int) -> tuple:
    """The keys of the dict ``d`` that ``d[key] = value`` writes into (a new dict, see :mod:`..front.sized_code`)."""
    if not isinstance(d, dict):
        raise SCTError(f"a write by a string key into {a_type(d)}", function, filename, line,
                       "SCT writes string keys into a dict only")
    return tuple(d)


@check_only
def same_size(d: dict, keys: tuple) -> None:
    """Python's check, at each step of a loop over the keys of ``d`` and at its end, that no key was added."""
    if len(d) != len(keys):
        raise RuntimeError("dictionary changed size during iteration")


@check_only
def same_length(xs: Any, steps: range, function: str, filename: str, line: int) -> None:
    """At each step of a loop over the list ``xs`` whose body appends to or pops from it, and at its end: its
    length is the one the loop runs over (Python's iterator would run over the new length)."""
    if len(xs) != len(steps):
        raise SCTError(f"a loop over a list whose body changed its length ({len(steps)} to {len(xs)}): Python's "
                       "loop runs over the new length, SCT's over the one it had", function, filename, line,
                       "loop over a copy, for v in list(xs), or over range(n) with an index")


# the key sets of the OrderedDict arguments (keys not in sorted order) that SCT's boundary made dicts, while the
# function runs (..pytree_nodes): a dict of those keys may be one, or a copy (in sorted order) the engine made
ORDERED: list[frozenset] = []


def check_not_ordered(d: dict, what: str, function: str, filename: str, line: int) -> None:
    """Refuse ``what`` (whose order is the dict's) of a dict with the keys of such an OrderedDict argument."""
    if ORDERED and frozenset(d) in ORDERED:
        raise SCTError(f"{what} of a dict with the keys of an OrderedDict argument ({', '.join(map(repr, d))}), "
                       "which SCT holds as a dict", function, filename, line, "pass a dict (or an OrderedDict "
                       "with its keys in sorted order), or read its entries by key")


def dict_keys(d: Any, function: str, filename: str, line: int) -> tuple:
    """The keys of the dict ``d`` (constants): a loop over ``d.items()``, ``d.values()`` or ``d.keys()``
    runs over them, reading ``d[k]`` (see :mod:`..front.for_targets`). Only keys in sorted order, in
    which JAX's dict arguments and Python's dicts agree."""
    if not isinstance(d, dict):
        raise SCTError(f".items(), .values() or .keys() (looped over, or as a list) of {a_type(d)}",
                       function, filename, line, "iterate over range(len(...)) and index, or over a dict")
    check_not_ordered(d, ".items(), .values() or .keys()", function, filename, line)
    keys = tuple(d)
    try:
        ordered = list(keys) == sorted(keys)
    except TypeError:  # keys that do not compare
        ordered = False
    if not ordered:  # JAX rebuilds a dict argument with sorted keys, Python keeps insertion order: refuse both
        raise SCTError(".items(), .values() or .keys() (looped over, or as a list) of a dict whose keys are not in "
                       "sorted order", function, filename, line, "JAX orders a dict argument's keys, Python keeps the "
                       "order they were added in: add them in sorted order, or read the values by key "
                       "(w, b = p['w'], p['b'])")
    return keys


def jit_static_argument(value: Any) -> Any:
    """A static argument of a function ``jax.jit`` made, in code SCT transforms, hashed as JAX hashes it
    (see :mod:`..front.jit_calls`)."""
    try:
        hash(value)
    except TypeError as exc:
        raise ValueError("Non-hashable static arguments are not supported. An error occurred while trying to hash "
                         f"an object of type {type(value)}, {value!r}. The error was:\nTypeError: {exc}") from None
    return value


def copy_for(value: Any) -> Any:
    """The function that makes ``value.copy()`` as Python's method makes it, chosen when the code runs (SCT
    cannot tell a dict from an array before): a dict's or list's shallow copy, a new array of an array's values
    (NumPy's or JAX's, or a box's), a NumPy scalar itself (immutable); for anything else its own method, which
    SCT refuses on a differentiated value at the user's line (it would not see what that method copies)."""
    if isinstance(value, dict):
        return dict_copy
    if isinstance(value, list):
        return list_copy
    if isinstance(value, np.generic):
        return same_value
    if hasattr(value, "__array__") and hasattr(value, "shape") and hasattr(value, "dtype"):
        return anp.copy  # an array, a tracer or a box: the vocabulary's copy, differentiated

    def own_copy(v):
        return v.copy()

    own_copy.sct_refused = (f"{a_type(value)}'s .copy() on a differentiated value",
                            "SCT copies arrays, lists and dicts: copy the fields it holds") if hasattr(value, "copy") \
        else (f".copy() of {a_type(value)}, which has no such method (Python raises AttributeError)",
              "use it as it is (a tuple is immutable), or list(t) for a list")
    return own_copy


def dict_copy(d):
    return dict(d)


def list_copy(xs):
    return list(xs)


def same_value(v):
    return v


WRITE_CHECKS: list = []  # front.aliases.check_dynamic_call, put here by it (emit does not import the front)


def checked_call(g: Any, *args: Any, **kwargs: Any) -> Any:
    """``g(*args)`` of a function known only when it runs, whose result is not differentiated though an argument
    is (``_ = obj.scale(y)``): a write into ``y`` in place, which NumPy's primal sweep would see and the
    derivative would not, is refused as in a differentiated call."""
    for check in WRITE_CHECKS:
        check(g, args)
    return g(*args, **kwargs)


class DifferentiatedValue:
    """``type(v)`` of a differentiated number or array in code SCT transforms: as JAX's tracer's type, it is no
    ``float``, ``int`` or ``np.ndarray`` (see :func:`traced_isinstance`)."""


def _leaf(value: Any) -> bool:
    """A number or an array (NumPy's, JAX's, a box), not a container."""
    return isinstance(value, (float, int, complex, np.ndarray, np.generic)) or (
        hasattr(value, "shape") and hasattr(value, "dtype"))


def traced_isinstance(value: Any, classes: Any) -> bool:
    """``isinstance(value, classes)`` of a differentiated value, answered as JAX answers it of a tracer, whatever
    the inputs (a NumPy array or Python float is one of those types when it runs): a number or array is an
    instance of ``jax.Array`` and ``object`` only; a container is what it is."""
    if not _leaf(value):
        return isinstance(value, classes)
    todo, flat = [classes], []
    while todo:
        c = todo.pop()
        if isinstance(c, (tuple, types.UnionType)):
            todo.extend(c if isinstance(c, tuple) else typing.get_args(c))
        else:
            flat.append(c)
    return any(c is object or c is jax.Array for c in flat)


def traced_type(value: Any) -> type:
    """``type(value)`` of a differentiated value: :class:`DifferentiatedValue` for a number or array."""
    return DifferentiatedValue if _leaf(value) else type(value)


TRACED = {isinstance: traced_isinstance, type: traced_type}
