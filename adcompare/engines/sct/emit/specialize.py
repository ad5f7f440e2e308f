"""Specialize: the reverse sweeps again, knowing that some parameters hold 1-D arrays, behind a guard.

Contract: :func:`reverse_sweeps` returns the two definitions :func:`.reverse.reverse` makes of a
function, and where the function indexes parameters with integers (``x[i]`` in a loop over
``range``: :func:`..analysis.ranks.indexed_by_int`) and knowing that those hold 1-D NumPy
arrays of numbers proves more of its variables rank-0 (:func:`..analysis.ranks.rank0`), a
second pair made with that knowledge (fewer shapes kept, fewer cotangents summed down). The
general forward sweep then starts with the guard: when every such parameter holds a 1-D
``numpy.ndarray`` of booleans or numbers (:func:`vector`, checked once per call; the parameters
are never bound again, so the fact holds for the whole call), it returns what the specialized
forward sweep returns, its residuals marked as :class:`Specialized`; the general reverse sweep
hands residuals so marked to the specialized reverse sweep. Any other call (a list, a 2-D
array, an object array, a JAX array, a NumPy subclass) runs the general sweeps unchanged.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.ranks import indexed_by_int, rank0
from adcompare.engines.sct.emit import codegen as cg
from adcompare.engines.sct.emit.reverse import reverse

_NUMBERS = frozenset("biufc")


def vector(x: Any) -> bool:
    """Does ``x`` hold a 1-D NumPy array of booleans or numbers (so ``x[i]``, ``i`` an int, has shape ``()``)?"""
    return type(x) is np.ndarray and x.ndim == 1 and x.dtype.kind in _NUMBERS


class Specialized(tuple):
    """The residuals of a specialized forward sweep (a tuple, marked for the general reverse sweep)."""

    __slots__ = ()


def reverse_sweeps(fn: ir.Function, act, namer, linker, active_params: tuple[int, ...], scalars: set[str],
                   ints: frozenset[str], arrays: bool = False) -> list[ast.FunctionDef]:
    """The reverse transform's definitions: the general pair first, then a specialized pair if any."""
    general = list(reverse(fn, act, namer, linker, active_params, scalars, arrays))
    vectors = frozenset(indexed_by_int(fn, ints)) if not arrays else frozenset()
    if not vectors:
        return general
    more = rank0(fn, scalars, vectors, ints) - scalars
    if not more:
        return general
    special = list(reverse(fn, act, namer, linker, active_params, scalars | more, arrays))
    _guard(fn, linker, general, special, sorted(vectors))
    return general + special


def _guard(fn: ir.Function, linker, general: list, special: list, vectors: list[str]) -> None:
    """Route the general pair to the specialized one where the guard holds (see the module doc)."""
    (fwd, bwd), (sfwd, sbwd) = general, special
    marked = linker.bind(("specialize", "Specialized"), "Specialized", Specialized)
    check = linker.bind(("specialize", "vector"), "vector", vector)
    ret = sfwd.body[-1]
    assert isinstance(ret, ast.Return) and isinstance(ret.value, ast.Tuple) and len(ret.value.elts) == 2
    ret.value.elts[1] = cg.call(marked, ret.value.elts[1])
    test = ast.BoolOp(ast.And(), [cg.call(check, cg.load(v)) for v in vectors]) if len(vectors) > 1 \
        else cg.call(check, cg.load(vectors[0]))
    positional = [cg.load(p) for p in fn.params[:fn.npos]]
    keywords = {p: cg.load(p) for p in fn.params[fn.npos:]}
    fwd.body.insert(0, ast.If(test, [ast.Return(cg.call(sfwd.name, *positional, **keywords))], []))
    res, bar = (a.arg for a in bwd.args.args)
    is_marked = ast.Compare(cg.call(linker.helper("type"), cg.load(res)), [ast.Is()], [cg.load(marked)])
    bwd.body.insert(0, ast.If(is_marked, [ast.Return(cg.call(sbwd.name, cg.load(res), cg.load(bar)))], []))
