"""Specialize: the reverse sweeps again, knowing that some parameters hold k-D arrays or numbers, behind a guard.

Contract: :func:`reverse_sweeps` returns the two definitions :func:`.reverse.reverse` makes of a
function, and where knowing the parameters' shapes proves more of its variables rank-0
(:func:`..analysis.ranks.rank0`) among the operands of elementwise primitives in its loops
(:func:`..analysis.ranks.loop_operands`), a second pair made with that knowledge (fewer shapes kept, fewer
cotangents summed down). What it may assume: that a parameter the function indexes with
k integers (``x[i]``, ``a[0, j]``: literals and targets of loops over ``range``,
:func:`..analysis.ranks.indexed_by_int`) holds a k-D NumPy array of numbers (its elements are then
rank-0, and so is a call of a user function, itself too, whose returns are rank-0 given what its
arguments then hold: :mod:`..analysis.call_ranks`), and that a parameter it reads only as an elementwise operand
(:func:`..analysis.ranks.elementwise_only`) holds a number, where that proves more; and, each
of those pairs first again where two operands of an elementwise primitive in a loop then share
a shape class (:func:`same_shapes`, :mod:`..analysis.shapes`: no cotangent summed down between
them, no shape kept), that the parameters those classes come from hold NumPy arrays of numbers
and that the classes found to meet have one shape. In straight-line code too (where the
guard's checks pay for themselves: :func:`products`), that the parameters ``dot`` and ``matmul``
read hold 1-D or 2-D NumPy arrays of numbers (:func:`vector`, :func:`matrix`), where their
products' numbers of dimensions (:func:`..analysis.ranks.ndims`) then prove operands of
elementwise primitives anywhere rank-0 or of one shape class. Before all of those, where a loop's
operands are proven more by symbolic shapes (:func:`by_lengths`, :mod:`..analysis.lengths`: lengths
in the parameters' dimensions, through slices, ``concatenate`` and calls of user functions), that
every other parameter it reads holds a NumPy array of numbers of one dimension (of two where
``matmul`` says so), numbers as above, with lengths that meet what the proof assumed (:class:`Lengths`:
of the values on entry; the proof follows a parameter bound again). The general forward sweep then starts
with the guard: when every such parameter holds what was assumed (:func:`vector`, :func:`matrix`,
:func:`array_of`, :func:`number`, :func:`agree`: exact NumPy and Python types and shapes, checked once per
call; the parameters are never bound again, so the facts hold for the whole call), it returns what the
specialized forward sweep returns, its residuals marked as :class:`Specialized`; the general reverse sweep
hands residuals so marked to the specialized reverse sweep (a pair's calls of its own function go straight to
the pair where its guard holds: :mod:`.self_calls`). Any other call (a list, a 2-D array where a
vector or a number was assumed, an object array, a JAX array, a NumPy subclass, an overloading engine's box)
runs the general sweeps unchanged.
"""

from __future__ import annotations

import ast
import functools
import itertools
from typing import Any

import numpy as np

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.call_ranks import Calls
from adcompare.engines.sct.analysis.lengths import lengths
from adcompare.engines.sct.analysis.ranks import (
    elementwise_only,
    indexed_by_int,
    loop_operands,
    operands,
    product_operands,
)
from adcompare.engines.sct.analysis.shapes import groups, shape_classes
from adcompare.engines.sct.emit import codegen as cg
from adcompare.engines.sct.emit import self_calls
from adcompare.engines.sct.emit.reverse import reverse

_NUMBERS = frozenset("biufc")
_MOST = 5  # specializations of one function at most (each is a reverse transform of its own)
_DIMS_MOST = 4  # parameters of products whose numbers of dimensions are tried (2 ** this many tries)
_PAYS = 2  # operands proven rank-0 that pay for one more parameter's check in a straight-line guard


def agree(*items: Any) -> bool:
    """``items`` alternate values and depths: does every value hold a NumPy array of booleans or
    numbers, all with one ``shape[depth:]`` (what :mod:`..analysis.shapes` assumed)?"""
    first = None
    for k in range(0, len(items), 2):
        x, depth = items[k], items[k + 1]
        if type(x) is not np.ndarray or x.dtype.kind not in _NUMBERS or x.ndim < depth:
            return False
        if first is None:
            first = x.shape[depth:]
        elif x.shape[depth:] != first:
            return False
    return True


def vector(x: Any) -> bool:
    """Does ``x`` hold a 1-D NumPy array of booleans or numbers (so ``x[i]``, ``i`` an int, has shape ``()``)?"""
    return type(x) is np.ndarray and x.ndim == 1 and x.dtype.kind in _NUMBERS


def matrix(x: Any) -> bool:
    """Does ``x`` hold a 2-D NumPy array of booleans or numbers?"""
    return type(x) is np.ndarray and x.ndim == 2 and x.dtype.kind in _NUMBERS


def array_of(x: Any, d: int) -> bool:
    """Does ``x`` hold a NumPy array of booleans or numbers of ``d`` dimensions?"""
    return type(x) is np.ndarray and x.ndim == d and x.dtype.kind in _NUMBERS


def number(x: Any) -> bool:
    """Does ``x`` hold a number of shape ``()``: a Python or NumPy number, or a 0-d ``numpy.ndarray`` of one?"""
    t = type(x)
    if t is float or t is int or t is np.float64:
        return True
    if t is np.ndarray:
        return x.ndim == 0 and x.dtype.kind in _NUMBERS
    return t is complex or t is bool or isinstance(x, (np.number, np.bool_))


class Lengths:
    """A guard's check of what :func:`..analysis.lengths.lengths` assumed, called with the parameters it
    read: each holds a NumPy array of booleans or numbers of its number of dimensions (``dims``), and
    each linear form over their dimensions (``(const, (((position, axis), coefficient), ...))``) in
    ``eqs`` is 0, in ``ges`` >= 0."""

    __slots__ = ("dims", "eqs", "ges")

    def __init__(self, dims: tuple[int, ...], eqs: list[tuple], ges: list[tuple]):
        self.dims, self.eqs, self.ges = dims, eqs, ges

    def __call__(self, *values: Any) -> bool:
        for x, d in zip(values, self.dims):
            if type(x) is not np.ndarray or x.ndim != d or x.dtype.kind not in _NUMBERS:
                return False
        return all(_value(f, values) == 0 for f in self.eqs) and all(_value(f, values) >= 0 for f in self.ges)


def _value(form: tuple, values: tuple) -> int:
    const, terms = form
    return const + sum(c * values[k].shape[i] for (k, i), c in terms)


class Specialized(tuple):
    """The residuals of a specialized forward sweep, marked for the general reverse sweep: (which
    specialization, its residuals)."""

    __slots__ = ()


def reverse_sweeps(fn: ir.Function, act, namer, linker, active_params: tuple[int, ...], scalars: set[str],
                   ints: frozenset[str], arrays: bool = False,
                   likes: set[int] = frozenset(),
                   callee_ir=None, entry=None) -> tuple[list[ast.FunctionDef], list[tuple[str, str]]]:
    """The reverse transform's definitions: the general pair first, then each specialized pair, the
    first whose guard holds taking the call: symbolic lengths (:func:`by_lengths`), products' arrays
    (:func:`products`) with vectors and numbers, vectors and numbers, vectors alone, numbers alone,
    each number alone, each first with agreeing shapes (:func:`same_shapes`), and agreeing shapes
    alone (at most :data:`_MOST`, each only where what it assumes proves more). Also (cell,
    definition) pairs: the general pair reaches each specialized function through a cell of the
    linker, which the caller fills with the made function (its closure set as every made one's).
    ``callee_ir``: a called function's normalized body, or None (:func:`..front.callees.normalized`)."""
    general = list(reverse(fn, act, namer, linker, active_params, scalars, arrays))
    if arrays:
        return general, []
    variants, done = [], set()
    looped = loop_operands(fn)  # a guard per call pays for itself on the trips of a loop
    indexed = frozenset(indexed_by_int(fn, ints).items())
    rank0 = (Calls(callee_ir) if callee_ir else Calls(lambda f: None)).rank0  # through calls of user functions
    numbers = frozenset(p for p in elementwise_only(fn) - {p for p, _ in indexed} - scalars  # each one that tells more
                        if (rank0(fn, scalars | {p}, frozenset(), ints) - rank0(fn, scalars, frozenset(), ints))
                        & looped)
    dims = products(fn, scalars, ints, indexed, rank0)  # or in straight-line code, where products' ranks tell enough
    made = by_lengths(fn, scalars, ints, likes, looped, indexed | dims, numbers, callee_ir, rank0) \
        if callee_ir else None
    if made is not None:  # first where it proves more in loops than what the classes prove
        more, shaped, check = made
        pair = list(reverse(fn, act, namer, linker, active_params, scalars | more, arrays, shaped))
        variants.append((pair, sorted(indexed | dims), sorted(numbers), [], check))
    tries = [(indexed | dims, numbers, operands(fn))] if dims else []
    tries += [(indexed, numbers, looped), (indexed, frozenset(), looped), (frozenset(), numbers, looped)]
    tries += [(frozenset(), frozenset({p}), looped) for p in sorted(numbers)] if len(numbers) > 1 else []
    for vectors, assumed, ops in tries + [(frozenset(), frozenset(), looped)]:
        if len(variants) >= _MOST or (vectors, assumed) in done:
            continue
        done.add((vectors, assumed))
        more = rank0(fn, scalars | assumed, dict(vectors), ints) - scalars
        classes, agreed = same_shapes(fn, scalars | more, ints, likes, ops, ops is not looped)
        if classes:  # first with the shapes' guard, then (below) without
            pair = list(reverse(fn, act, namer, linker, active_params, scalars | more, arrays, classes))
            variants.append((pair, sorted(vectors), sorted(assumed), agreed, None))
            if ops is not looped and all(len(g) == 1 and g[0][1] <= dict(vectors).get(g[0][0], -1) for g in agreed):
                continue  # its guard adds nothing to the arrays': the pair without it would never run
        if (vectors or assumed) and more & ops - (
                rank0(fn, scalars | assumed, frozenset(), ints) if vectors and assumed else set()):
            pair = list(reverse(fn, act, namer, linker, active_params, scalars | more, arrays))
            variants.append((pair, sorted(vectors), sorted(assumed), [], None))
    own = tuple(next((n for n, e, w in linker.callees if e is entry is not None and w == which), None)
                for which in ("fwd", "bwd"))  # the names its recursive calls reach it by
    late = _guard(fn, namer, linker, general, variants, own if None not in own else None) if variants else []
    return general + [d for pair, *_ in variants for d in pair], late


def by_lengths(fn: ir.Function, scalars: set[str], ints: frozenset[str], likes: set[int], looped: set[str],
               vectors: frozenset, numbers: frozenset, callee_ir, rank0) -> tuple[set[str], dict, tuple] | None:
    """(names proven rank-0, names' shapes, the guard's check: (:class:`Lengths`, parameters)) of the
    symbolic shapes (:func:`..analysis.lengths.lengths`), every other parameter assumed an array of one
    dimension (or what ``vectors`` says), ``numbers`` numbers; where they prove more pairs of loop operands
    rank-0 or of one shape than the classes (:func:`same_shapes`) prove knowing as much; else None."""
    assumed, dims = scalars | numbers, dict(vectors)
    found = lengths(fn, assumed, {p: dims.get(p, 1) for p in fn.params if p not in assumed}, ints, likes, callee_ir)
    if found is None or not looped:
        return None
    shaped, facts = found
    base = rank0(fn, assumed, dims, ints)
    more = (base | {n for n, c in shaped.items() if c == ()}) - scalars
    classes, _ = same_shapes(fn, scalars | base, ints, likes, looped)
    if _proven(fn, scalars | more, shaped) <= _proven(fn, scalars | base, classes):
        return None
    read = facts.used | set(dims) | {s[0] for f in facts.eqs | facts.ges for s, _ in f[1]}
    params = [p for p in fn.params if p in read and p in facts.arrays]
    at = {p: k for k, p in enumerate(params)}

    def local(forms):
        return sorted((const, tuple(((at[p], i), c) for (p, i), c in terms)) for const, terms in forms)
    check = Lengths(tuple(facts.arrays[p] for p in params), local(facts.eqs), local(facts.ges))
    return more, shaped, (check, params)


def _proven(fn: ir.Function, scalars: set[str], classes: dict) -> int:
    """How many elementwise primitives of two operands in loops take a rank-0 operand or two of one class."""
    loops = [s.body for s in ir.walk(fn.body) if isinstance(s, (ir.For, ir.While))]
    count = 0
    for s in (s for body in loops for s in ir.walk(body)):
        if isinstance(s, ir.Assign) and isinstance(s.value, ir.Op) and len(s.value.args) == 2:
            a, b = s.value.args
            count += any(ir.is_var(x) and x in scalars for x in (a, b)) or (
                ir.is_var(a) and ir.is_var(b) and a in classes and classes[a] == classes.get(b))
    return count


def products(fn: ir.Function, scalars: set[str], ints: frozenset[str], indexed: frozenset, rank0) -> frozenset:
    """The numbers of dimensions (1 or 2) to assume of the parameters ``dot`` and ``matmul`` read (at
    most :data:`_DIMS_MOST` of them), as ``(parameter, ndim)`` pairs: the first assignment that proves
    the most operands of elementwise primitives rank-0 (:func:`..analysis.ranks.rank0`) beyond what
    knowing only ``indexed`` proves, where that is more than :data:`_PAYS` per parameter checked (a
    guard's check costs about what two cotangents not summed down save); else empty."""
    params = [p for p in product_operands(fn) if p not in scalars and p not in dict(indexed)]
    if not params or len(params) > _DIMS_MOST:
        return frozenset()
    ops = operands(fn)
    base = len(rank0(fn, scalars, dict(indexed), ints) & ops)
    best, most = frozenset(), base + _PAYS * len(params)
    for ndims in itertools.product((1, 2), repeat=len(params)):
        tried = indexed | frozenset(zip(params, ndims))
        found = len(rank0(fn, scalars, dict(tried), ints) & ops)
        if found > most:
            best, most = tried - indexed, found
    return best


def same_shapes(fn: ir.Function, scalars: set[str], ints: frozenset[str], likes: set[int],
                operands: set[str], anywhere: bool = False) -> tuple[dict, list]:
    """The shape classes (:func:`..analysis.shapes.shape_classes`) of ``fn``'s names, where two
    operands of an elementwise primitive in a loop share one (so an adjoint sums nothing down),
    with the conflicts assumed away; and what the guard checks: each group of classes assumed to
    agree, each other root alone. ``({}, [])`` where no loop operands share a class."""
    same: set[frozenset] = set()
    for _ in range(4):  # an assumed equality can class more names, which can meet in more conflicts
        classes, conflicts = shape_classes(fn, scalars, ints, likes, tuple(same))
        if conflicts <= same:
            break
        same |= conflicts
    else:
        return {}, []
    if not _shared(fn, classes, operands, anywhere):
        return {}, []
    agreed = [sorted(g) for g in groups(same)]
    grouped = {root for g in agreed for root, _ in g}
    agreed += [[(r, 0)] for r in sorted(set(classes) & set(fn.params) - grouped)]
    return classes, agreed


def _shared(fn: ir.Function, classes: dict, operands: set[str], anywhere: bool = False) -> bool:
    """Does an elementwise primitive of two operands in a loop (or ``anywhere``) take two of one class?"""
    loops = [fn.body] if anywhere else [s.body for s in ir.walk(fn.body) if isinstance(s, (ir.For, ir.While))]
    for body in loops:
        for s in ir.walk(body):
            if isinstance(s, ir.Assign) and isinstance(s.value, ir.Op) and len(s.value.args) == 2:
                a, b = s.value.args
                if a in operands and b in operands and a in classes and classes[a] == classes.get(b):
                    return True
    return False


def _test(linker, vectors, numbers, agreed, lengths_check, load) -> ast.expr:
    """A specialized pair's guard, reading parameter ``p`` as ``load(p)``."""
    checks = [cg.call(linker.bind(("specialize", "vector"), "vector", vector), load(v)) if d == 1 else
              cg.call(linker.bind(("specialize", "matrix"), "matrix", matrix), load(v)) if d == 2 else
              cg.call(linker.bind(("specialize", "array_of"), "array_of", array_of), load(v), cg.const(d))
              for v, d in vectors]
    checks += [cg.call(linker.bind(("specialize", "number"), "number", number), load(v)) for v in numbers]
    checks += [cg.call(linker.bind(("specialize", "agree"), "agree", agree),
                       *[e for root, depth in group for e in (load(root), cg.const(depth))]) for group in agreed
               if not (len(group) == 1 and group[0][1] <= dict(vectors).get(group[0][0], -1))]  # checked
    if lengths_check is not None:
        check, params = lengths_check
        checks.append(cg.call(linker.bind(("specialize", "lengths", id(check)), "lengths", check),
                              *[load(p) for p in params]))
    return ast.BoolOp(ast.And(), checks) if len(checks) > 1 else checks[0]


def _guard(fn: ir.Function, namer, linker, general: list, variants: list, own) -> list[tuple[str, str]]:
    """Route the general pair to the first specialized one whose guard holds (see the module doc) and,
    where ``own`` (the general pair's linked names as its own callee) is given, a pair's recursive calls
    to itself (:mod:`.self_calls`); the (cell, definition) pairs it routes through."""
    fwd, bwd = general
    marked = linker.bind(("specialize", "Specialized"), "Specialized", Specialized)
    positional = [cg.load(p) for p in fn.params[:fn.npos]]
    keywords = {p: cg.load(p) for p in fn.params[fn.npos:]}
    res, bar, *into = (a.arg for a in bwd.args.args)  # ``into``: see .into (handed on where taken)
    routes, backs, late = [], [], []
    for k, ((sfwd, sbwd), vectors, numbers, agreed, lengths_check) in enumerate(variants):
        to_fwd, to_bwd = (linker.bind(("specialized", id(d)), "specialized", None) for d in (sfwd, sbwd))
        late += [(to_fwd, sfwd.name), (to_bwd, sbwd.name)]
        test = functools.partial(_test, linker, vectors, numbers, agreed, lengths_check)
        handed = bool(into) and getattr(sbwd, "takes_into", False)
        if own is not None and fn.npos == len(fn.params) and not fn.spread:  # recursion: straight to this pair
            self_calls.route(sfwd, sbwd, own, fn.params, test, (to_fwd, to_bwd), handed, linker)
        out, kept = namer.fresh("out"), namer.fresh("kept")
        route = [cg.assign([out, kept], cg.call(to_fwd, *positional, **keywords)),
                 ast.Return(cg.tuple_([cg.load(out), cg.call(marked, cg.tuple_([cg.const(k), cg.load(kept)]))]))]
        routes.append(ast.If(test(cg.load), route, []))
        held = ast.Subscript(cg.load(res), cg.const(1), ast.Load())
        back = ast.Return(cg.call(to_bwd, held, cg.load(bar), *([cg.load(into[0])] if handed else [])))
        which = ast.Compare(ast.Subscript(cg.load(res), cg.const(0), ast.Load()), [ast.Eq()], [cg.const(k)])
        backs.append(back if k == len(variants) - 1 else ast.If(which, [back], []))
    fwd.body[:0] = routes
    is_marked = ast.Compare(cg.call(linker.helper("type"), cg.load(res)), [ast.Is()], [cg.load(marked)])
    bwd.body.insert(0, ast.If(is_marked, backs, []))
    return late
