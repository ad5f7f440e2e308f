"""Ranks: the variables that hold a rank-0 value (shape ``()``) whenever they hold one.

Contract: :func:`rank0` answers, for a normalized function, which names provably hold a
value of shape ``()`` (a Python or NumPy number, a 0-d array) every time they are bound, given
facts about its inputs: ``known`` (non-local names and parameters that hold a number) and
``vectors`` (parameters that hold a 1-D NumPy array of numbers and are never bound again).
Broadcasting against such a value keeps the other operand's shape, so an adjoint need not sum
a cotangent down to that operand's shape (:mod:`..emit.adjoints`), and a rank-0 operand's shape
is the constant ``()``, which the forward sweep need not keep.

The answer is flow-insensitive and the greatest fixed point: a name is rank-0 if every
statement that binds it gives a rank-0 value when the names it reads are; by induction over
the statements run, each value the name ever holds then has shape ``()``. A statement gives a
rank-0 value when it copies one, applies an elementwise primitive (the rule table's
``defderiv`` entries) to rank-0 operands and number literals, reduces over all axes
(``sum``, ``mean``, ``max``, ``min``, ``prod``, ``logsumexp`` without ``axis`` or
``keepdims``), or indexes one of ``vectors`` with an integer: a literal, the target of a
loop over the builtin ``range`` (``ints``), or ``+ - * // %`` of those. Anything else (calls,
unpacking, containers, other primitives, expressions the front end leaves as written) is not.
"""

from __future__ import annotations

import ast
from numbers import Number

from adcompare.engines.sct import ir

_FULL_REDUCTIONS = frozenset({"sum", "mean", "max", "min", "prod", "logsumexp"})
_INT_OPS = (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)


def range_targets(fn: ir.Function) -> set[str]:
    """The targets of loops over a range object made by ``range(...)``, when ``range`` is the builtin
    (the caller tells, and the transformation depends on it): they hold an ``int`` on every trip."""
    made = {}
    for s in ir.walk(fn.body):
        for t in ir.targets(s):
            made.setdefault(t, []).append(s)
    out = set()
    for s in ir.walk(fn.body):
        if not isinstance(s, ir.For) or s.checkpoint:
            continue
        defs = made.get(s.iterable, [])
        if len(defs) == 1 and isinstance(defs[0], ir.Assign) and isinstance(defs[0].value, ir.Opaque) \
                and _is_range_call(defs[0].value.expr) and s.iterable not in fn.params:
            out.add(s.target)
    return {t for t in out if all(isinstance(d, ir.For) for d in made.get(t, []))}


def _is_range_call(e: ast.expr) -> bool:
    return isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "range" and not e.keywords


def is_int(e: ast.expr, ints: set[str]) -> bool:
    """Is the index expression ``e`` an ``int`` whatever the values: a literal, one of ``ints``, or
    ``+ - * // %`` and unary minus of those?"""
    if isinstance(e, ast.Constant):
        return type(e.value) is int
    if isinstance(e, ast.Name):
        return e.id in ints
    if isinstance(e, ast.BinOp) and isinstance(e.op, _INT_OPS):
        return is_int(e.left, ints) and is_int(e.right, ints)
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
        return is_int(e.operand, ints)
    return False


def indexed_by_int(fn: ir.Function, ints: set[str]) -> set[str]:
    """The parameters, never bound again, that some statement indexes with an integer (``x[i]``):
    those a specialization may assume hold a 1-D array, whose elements are then rank-0."""
    bound = {t for s in ir.walk(fn.body) for t in ir.targets(s)}
    return {s.value.value for s in ir.walk(fn.body)
            if isinstance(s, ir.Assign) and isinstance(s.value, ir.Index) and ir.is_var(s.value.value)
            and s.value.value in fn.params and s.value.value not in bound and is_int(s.value.index, ints)}


def elementwise_only(fn: ir.Function) -> set[str]:
    """The parameters that the function reads only as operands of elementwise primitives
    (``0.5 * h``, ``total + s``), copies them or packs them into a container: those a
    specialization may assume hold a number on entry (:func:`rank0` follows what binds them again)."""
    out = set(fn.params)
    for s in ir.walk(fn.body):
        if isinstance(s, ir.Assign):
            v = s.value
            if isinstance(v, (ir.Copy, ir.Pack, ir.Append)) or (
                    isinstance(v, ir.Op) and not v.seq and getattr(v.prim, "derivatives", None) is not None
                    and not v.params):
                continue
            out -= ir.reads(v)
        elif isinstance(s, ir.Unpack):
            out.discard(s.src)
        elif isinstance(s, ir.For):
            out.discard(s.iterable)
        elif isinstance(s, (ir.If, ir.While)):
            out -= ir.names_in(s.test)
        elif isinstance(s, ir.Effect):
            out -= {n.id for n in ast.walk(s.node) if isinstance(n, ast.Name)}
    return out


def loop_operands(fn: ir.Function) -> set[str]:
    """The names that are operands of an elementwise primitive of two or more operands in a loop:
    where knowing that one is rank-0 changes a derivative on every trip (no cotangent summed down,
    no shape kept)."""
    loops = [s for s in ir.walk(fn.body) if isinstance(s, (ir.For, ir.While))]
    return {a for loop in loops for s in ir.walk(loop.body) if isinstance(s, ir.Assign) and isinstance(s.value, ir.Op)
            and not s.value.seq and len(s.value.args) > 1 and getattr(s.value.prim, "derivatives", None) is not None
            for a in s.value.args if ir.is_var(a)}


def rank0(fn: ir.Function, known: set[str], vectors: frozenset[str] = frozenset(),
          ints: frozenset[str] = frozenset()) -> set[str]:
    """The names of ``fn`` that hold a rank-0 value whenever bound (see the module doc); ``known``
    are non-local names and parameters known to hold numbers, ``vectors`` parameters known to hold
    1-D arrays of numbers (never bound again), ``ints`` names that hold an ``int``."""
    stmts = list(ir.walk(fn.body))
    binders: dict[str, list] = {}
    for s in stmts:
        for t in ir.targets(s):
            binders.setdefault(t, []).append(s)
        if isinstance(s, ir.Effect):  # a statement run as written may rebind or reshape what it names
            for node in ast.walk(s.node):
                if isinstance(node, ast.Name):
                    binders.setdefault(node.id, []).append(s)
    params = set(fn.params)
    out = {n for n in binders if n not in params or n in known} | (known & params)
    out -= set(vectors)
    outside = set(known) - set(binders)  # non-local names, and parameters never bound again
    names = out | outside  # what a binding may read as rank-0; shrinks with ``out``
    readers: dict[str, set[str]] = {}  # name -> the names some binding of which reads it
    for n, stmts_n in binders.items():
        for s in stmts_n:
            for r in ir.reads(s.value) if isinstance(s, ir.Assign) else ():
                readers.setdefault(r, set()).add(n)

    def fails(n: str) -> bool:
        return n in binders and not all(_gives_rank0(s, names, vectors, ints) for s in binders[n])

    todo = [n for n in out if fails(n)]  # a worklist: a name dropped re-checks only its readers
    while todo:
        n = todo.pop()
        if n not in out:
            continue
        out.discard(n)
        names.discard(n)
        todo += [m for m in readers.get(n, ()) if m in out and fails(m)]
    return out - (params - known)


def _gives_rank0(s, names: set[str], vectors: frozenset[str], ints: frozenset[str]) -> bool:
    if not isinstance(s, ir.Assign):
        return False
    v = s.value
    if isinstance(v, ir.Copy):
        return _atom(v.src, names)
    if isinstance(v, ir.Index):
        return v.value in vectors and is_int(v.index, ints)
    if not isinstance(v, ir.Op) or v.seq:
        return False
    if v.prim.name in _FULL_REDUCTIONS:
        return set(v.params) <= {"axis", "keepdims"} and all(
            isinstance(p, ast.Constant) and p.value in (None, False) and type(p.value) is not int
            for p in v.params.values())
    if getattr(v.prim, "derivatives", None) is None:  # only the rule table's elementwise primitives
        return False
    return not v.params and all(_atom(a, names) for a in v.args)


def _atom(a: ir.Atom, names: set[str]) -> bool:
    if isinstance(a, ir.Const):
        return isinstance(a.value, Number) and not isinstance(a.value, bool) or type(a.value) is bool
    return a in names
