"""The check before ``seq[key] op= v`` (:func:`unshared_item`), where the list or dict ``seq`` holds a NumPy array
at ``key``: NumPy's operator changes that array in place, SCT makes a new one, so the two answers differ wherever
anything else sees the array (or ``seq`` itself). Two ways to see it are checked when the statement runs:

- another of the function's names holds it, a view of it, or a list, tuple or dict holding it (by identity and
  memory), which names the other holder in the error;
- anything outside the function holds it: a global, a closure's variable, the caller (a list ``[a]`` passed in,
  ``a`` read after), an object's attribute. Found by counting references: every reference to the array (to its
  base, where it is a view; and to ``seq``) must be one the function's own frame accounts for (``seq``'s slots,
  its variables and SCT's temporaries, the lists only the frame holds: SCT's tape). Any other reference is a
  holder SCT cannot see, and the statement is refused; a fresh array (``grads[i] += g``) has none.

The counts are the interpreter's: which references a call, a frame's variables and ``f_locals`` make differs
between versions. :func:`_calibrate` measures them at import on probes of the generated code's shape (the lists,
a view, SCT's temporaries): what a probe nothing else sees counts beyond the frame's is allowed, by role (the
list passed, the lists inside it, the array, its base), and probes where something outside holds each of them
must then be refused. Where they are not, or the interpreter is not CPython, the counts are not trusted and every
such statement on a NumPy array is refused, naming the interpreter. Re-exported by :mod:`.runtime`, where
generated code finds it.
"""

from __future__ import annotations

import platform
import sys
import types
from typing import Any

import numpy as np

from adcompare.engines.sct.errors import SCTError
from adcompare.primitives import Box, primal


def unshared_item(root: Any, keys: tuple, name: str, root_name: str, names: tuple, function: str, filename: str,
                  line: int) -> None:
    """Before ``name[k] op= v``, where ``name`` is ``root[keys[0]]...[keys[-2]]`` and ``k`` is ``keys[-1]``
    (``names``: the function's own variables): refused where anything but that slot sees the array it holds (see
    the module's docstring); a number, a JAX array runs."""
    chain = [root]
    try:
        for k in keys[:-1]:
            chain.append(chain[-1][k])
        seq, key = chain[-1], keys[-1]
        if not isinstance(seq, (list, dict)) or isinstance(key, slice):
            return
        item = seq[key]
    except (IndexError, KeyError, TypeError):
        return  # Python raises it at the statement itself
    boxed, item = isinstance(item, Box), primal(item)  # on the boxes (higher="boxes"), the array a box holds
    if not isinstance(item, np.ndarray):
        return  # a number, a JAX array, a tracer: += makes a new value in Python too
    frame = sys._getframe(1)
    scope, free = frame.f_locals, frame.f_code.co_freevars  # a closure's variables: held outside too
    del frame
    slots = [k % len(c) if isinstance(c, list) and isinstance(k, int) else k for c, k in zip(chain, keys)]
    other = _named_holder(chain, slots, item, root_name, names + free, scope)
    hint = f"write {name}[i] = {name}[i] + v, or copy the array where it is put in {name} (anp.copy)"
    if other is not None:
        other = "the function it is nested in (a variable this one reads)" if other.startswith("_sct_") else other
        raise SCTError(f"{name}[...] op= v (an in-place operator on the array a list or dict holds) where "
                       f"{other} also holds that array or a view of it: NumPy changes it there too, SCT makes "
                       "a new array", function, filename, line, hint)
    if boxed:  # a box made during this derivative, which nothing outside holds; its array, the box alone
        return
    if _ALLOWED is None:
        raise SCTError(f"{name}[...] op= v (an in-place operator on the array a list or dict holds): SCT checks "
                       f"that nothing outside {function} holds the array by counting references, which this Python "
                       f"({_PYTHON}) does not report as SCT measured", function, filename, line, hint)
    objs, n = [*chain, item] + ([item.base] if item.base is not None else []), len(chain)
    del root, chain, seq, item
    counted = [_refs_at(objs, k) - _HELD for k in range(len(objs))]
    beyond = _beyond(objs, n, counted, scope, set(names), free)
    if _SEEN is not None:  # calibrating: what a probe counts beyond the frame's
        _SEEN.append((n, beyond))
    elif any(b > _ALLOWED[_role(k, n)] for k, b in enumerate(beyond)):
        raise SCTError(f"{name}[...] op= v (an in-place operator on the array a list or dict holds) where something "
                       f"outside {function} also holds that array or the list (a global, a closure's variable, "
                       "the caller's list or array, an attribute): NumPy changes it there too, SCT makes a new "
                       "array", function, filename, line, hint)


def _named_holder(chain: list, slots: list, item, root_name: str, names: tuple, scope) -> str | None:
    """The first of ``names`` that holds ``item``'s memory (through lists, tuples and dicts, however nested)
    other than at ``chain[-1][slots[-1]]`` reached from ``root_name`` by ``slots``, or None."""
    for other in names:
        value = scope.get(other)
        if other == root_name and value is chain[0]:
            seen = {id(c) for c in chain}
            value = [v for c, slot in zip(chain, slots)
                     for k, v in (enumerate(c) if isinstance(c, (list, tuple)) else c.items()) if k != slot]
        else:
            seen = set()
        if _shares(value, item, seen):
            return other
    return None


def _shares(value, item, seen: set) -> bool:
    value = primal(value)
    if isinstance(value, np.ndarray):
        return np.may_share_memory(value, item)
    if isinstance(value, (list, tuple, dict)) and id(value) not in seen:
        seen.add(id(value))
        return any(_shares(v, item, seen) for v in (value.values() if isinstance(value, dict) else value))
    return False


def _refs_at(objs: list, k: int) -> int:
    return sys.getrefcount(objs[k])


def _refs(obj) -> int:
    return sys.getrefcount(obj)


def _role(k: int, n: int) -> int:
    """``objs[k]``'s role: 0 the list passed, 1 a list inside it, 2 the array, 3 the array's base."""
    return 0 if k == 0 else 1 if k < n else 2 if k == n else 3


def _beyond(objs: list, n: int, counted: list, scope, user: set, free: tuple) -> list:
    """For each of ``objs`` (``objs[:n]``: the lists or dicts from the root to the one written, then its array,
    then that array's base; ``counted``: their references less those this check holds), how many references the
    caller's frame does not account for (``scope``, whose ``free`` variables are a closure's, held outside it)."""
    if len(objs) > n + 1 and not isinstance(objs[-1], np.ndarray):
        return [1 << 20] * len(objs)  # memory some other object owns
    item, base = objs[n], objs[n + 1] if len(objs) > n + 1 else None
    factor = 2 if isinstance(scope, dict) else 1  # the frame's variable, and the dict f_locals made of it
    known = [factor * sum(v is t for k, v in scope.items() if k not in free) for t in objs]
    for j in range(1, n + 1):  # each held by the list or dict before it
        parent = objs[j - 1]
        known[j] += sum(v is objs[j] for v in (parent.values() if isinstance(parent, dict) else parent))
    views = {id(v): v for v in [*(objs[n - 1].values() if isinstance(objs[n - 1], dict) else objs[n - 1]),
                                *scope.values()] if isinstance(v, np.ndarray) and v.base is not None and v is not item}
    for v in views.values():  # a view holds its base: here item's own views, and views beside it of its base
        known[n] += v.base is item
        if base is not None:
            known[n + 1] += v.base is base
    del views
    if base is not None:
        known[n + 1] += 1  # item itself
    if all(c - k <= _ALLOWED[_role(j, n)] for j, (c, k) in enumerate(zip(counted, known))):
        return [c - k for c, k in zip(counted, known)]
    # SCT's own lists (its tape, temporaries): those only the frame holds, as variables or through their methods
    for name in [m for m in scope if m not in user and m not in free]:
        v = scope[name]
        if not isinstance(v, (list, tuple)) or any(v is t for t in objs):
            continue
        if _refs(v) - _HELD_ONE <= factor * sum(b is v for b in scope.values()) + sum(
                isinstance(m, types.BuiltinMethodType) and m.__self__ is v for m in scope.values()):
            for k, t in enumerate(objs):
                known[k] += sum(u is t for u in v)
    return [c - k for c, k in zip(counted, known)]


def _probe(keep: list, depth: int, hold: int | None) -> None:
    """The shape of SCT's code before ``grid[i][j] op= v`` (``depth`` 2) or ``xs[i] op= v`` (1): SCT's temporaries
    hold the lists and the array, a view; ``keep`` (the caller's) holds ``hold``'s role (see :func:`_role`)."""
    _t1 = np.zeros(3)[1:]
    _t2 = [_t1]
    _t3 = [_t2] if depth == 2 else _t2
    if hold is not None:
        keep.append([_t3, _t2, _t1, _t1.base][hold])
    unshared_item(_t3, (0,) * depth, "xs", "_t3", ("_t3",), "_probe", __file__, 0)


def _calibrate() -> tuple | None:
    """Set and return what a probe nothing else sees counts beyond its frame's references, by role, where probes
    held outside (each role, through the caller) are then refused; None where not (see the module's docstring)."""
    global _ALLOWED, _SEEN
    _ALLOWED, found = None, None
    if sys.implementation.name == "cpython" and hasattr(sys, "getrefcount"):
        try:
            found = _measure()
        except Exception:  # a probe that fails to run: the counts are not trusted, as where one misses
            found = None
        finally:
            _SEEN = None
    _ALLOWED = found
    return found


def _measure() -> tuple | None:
    global _HELD, _HELD_ONE, _ALLOWED, _SEEN
    objs, one = [np.empty(0)], []  # held by a list alone, as unshared_item's objs; by one variable
    _HELD, _HELD_ONE, _ALLOWED, _SEEN = _refs_at(objs, 0), _refs(one), (0, 0, 0, 0), []
    keep: list = []  # held here, outside the probe (a list only its frame held would be SCT's own: its tape)
    _probe(keep, 1, None)
    _probe(keep, 2, None)
    seen, _SEEN = _SEEN, None
    _ALLOWED = tuple(max([b for n, beyond in seen for k, b in enumerate(beyond) if _role(k, n) == r], default=0)
                     for r in range(4))
    for depth, hold in [(1, 0), (1, 2), (1, 3), (2, 0), (2, 1), (2, 2), (2, 3)]:
        try:
            _probe(keep, depth, hold)
        except SCTError:
            continue
        finally:
            keep.clear()
        return None  # a holder outside not seen: the counts are not what SCT reads them as
    return _ALLOWED


_PYTHON = f"{sys.implementation.name} {platform.python_version()}"
_HELD = _HELD_ONE = 0
_SEEN: list | None = None
_ALLOWED: tuple | None = None
_calibrate()
