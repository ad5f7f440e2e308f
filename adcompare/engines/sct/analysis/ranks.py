"""Ranks: the variables that hold a rank-0 value (shape ``()``), or one number of dimensions, whenever they hold one.

Contract: :func:`rank0` answers, for a normalized function, which names provably hold a
value of shape ``()`` (a Python or NumPy number, a 0-d array) every time they are bound, given
facts about its inputs: ``known`` (non-local names and parameters that hold a number) and
``vectors`` (parameters that hold a 1-D NumPy array of numbers and are never bound again, or a
dict of such parameters to the number of dimensions of the NumPy array each holds);
:func:`ndims` answers, from the same facts, the number of dimensions of each name that has one.
Broadcasting against a rank-0 value keeps the other operand's shape, so an adjoint need not sum
a cotangent down to that operand's shape (:mod:`..emit.adjoints`), and a rank-0 operand's shape
is the constant ``()``, which the forward sweep need not keep.

The answer is flow-insensitive and the greatest fixed point: a name has d dimensions if every
statement that binds it gives a value of d dimensions when the names it reads have theirs; by
induction over the statements run, each value the name ever holds then has d. A statement gives
d when it copies a value of d, applies an elementwise primitive (the rule table's ``defderiv``
entries, no parameters) to operands and number literals the most of which have d (NumPy's
broadcasting), reduces over all axes (``sum``, ``mean``, ``max``, ``min``, ``prod``,
``logsumexp`` without ``axis`` or ``keepdims``: 0), applies ``dot`` or ``matmul`` to operands
of known dimensions (NumPy's rules: two vectors give 0), concatenates operands of d >= 1 along a
literal axis, or indexes a value of d + k dimensions (one of ``vectors``, or what is made from
them) with k integers and any slices (``x[i]``, ``a[0, j]``, ``a[1:, :j]``: basic indexing), an
integer being a literal, the target of a loop over the builtin ``range`` (``ints``), or ``+ - * // %``
of those; or calls a user function whose result has d given what its arguments have (``calls``,
:mod:`.call_ranks`). Anything else (unpacking, containers, other primitives, expressions the front
end leaves as written) has none.
"""

from __future__ import annotations

import ast
from collections import deque
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


def index_drop(e: ast.expr, ints: set[str]) -> int | None:
    """How many dimensions basic indexing with ``e`` takes away: one per integer (:func:`is_int`) of
    ``e`` or of the tuple ``e`` (``x[i]``, ``a[0, j]``), none per slice (``a[1:, :j]``); None for any
    other index (``None``, ``...``, arrays, names not known to hold an ``int``)."""
    elts = e.elts if isinstance(e, ast.Tuple) else [e]
    drop = 0
    for x in elts:
        if not isinstance(x, ast.Slice):
            if not is_int(x, ints):
                return None
            drop += 1
    return drop


def indexed_by_int(fn: ir.Function, ints: set[str]) -> dict[str, int]:
    """The parameters, never bound again, that some statement indexes with k integers (``x[i]``, a tuple
    ``a[0, j]``), each with the largest such k: those a specialization may assume hold a k-D array,
    whose elements are then rank-0."""
    bound = {t for s in ir.walk(fn.body) for t in ir.targets(s)}
    out: dict[str, int] = {}
    for s in ir.walk(fn.body):
        if isinstance(s, ir.Assign) and isinstance(s.value, ir.Index) and ir.is_var(s.value.value) \
                and s.value.value in fn.params and s.value.value not in bound:
            elts = s.value.index.elts if isinstance(s.value.index, ast.Tuple) else [s.value.index]
            if elts and all(is_int(x, ints) for x in elts):
                out[s.value.value] = max(out.get(s.value.value, 0), len(elts))
    return out


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
    return {a for loop in loops for s in ir.walk(loop.body) if _elementwise(s) for a in s.value.args if ir.is_var(a)}


def operands(fn: ir.Function) -> set[str]:
    """The names that are operands of an elementwise primitive of two or more operands anywhere (in
    straight-line code too): where knowing that one is rank-0 changes a derivative."""
    return {a for s in ir.walk(fn.body) if _elementwise(s) for a in s.value.args if ir.is_var(a)}


def _elementwise(s) -> bool:
    return isinstance(s, ir.Assign) and isinstance(s.value, ir.Op) and not s.value.seq and len(s.value.args) > 1 \
        and getattr(s.value.prim, "derivatives", None) is not None


def product_operands(fn: ir.Function) -> list[str]:
    """The parameters, never bound again, that ``dot`` or ``matmul`` (:data:`_PRODUCTS`) reads: those whose
    number of dimensions tells that of the product."""
    bound = {t for s in ir.walk(fn.body) for t in ir.targets(s)}
    found = [a for s in ir.walk(fn.body) if isinstance(s, ir.Assign) and isinstance(s.value, ir.Op)
             and s.value.prim.name in _PRODUCTS and not s.value.params and len(s.value.args) == 2
             for a in s.value.args]  # (xp.dot(x, y), three operands: a module's function, refused when it runs)
    return sorted({a for a in found if ir.is_var(a) and a in fn.params and a not in bound})


def rank0(fn: ir.Function, known: set[str], vectors=frozenset(), ints: frozenset[str] = frozenset(),
          calls=None) -> set[str]:
    """The names of ``fn`` that hold a rank-0 value whenever bound (see the module doc); ``known``
    are non-local names and parameters known to hold numbers, ``vectors`` parameters known to hold
    1-D arrays of numbers (never bound again), or a dict of parameters (never bound again) to the
    number of dimensions of the NumPy array of numbers each holds, ``ints`` names that hold an ``int``;
    ``calls``: what calls of user functions return (:class:`.call_ranks.Calls`), or None (nothing)."""
    dims = vectors if isinstance(vectors, dict) else dict.fromkeys(vectors, 1)
    found = calls.ndims(fn, known, dims, ints) if calls is not None else ndims(fn, known, dims, ints)
    return {n for n, d in found.items() if d == 0} - (set(fn.params) - set(known))


def ndims(fn: ir.Function, known: set[str], dims: dict[str, int], ints: frozenset[str] = frozenset(),
          calls=None) -> dict[str, int]:
    """The bound names (and parameters in ``known``) of ``fn`` that hold a value of one number of
    dimensions whenever bound, with that number (see the module doc; ``known``, ``dims`` and ``calls``
    as :func:`rank0` takes them; ``calls`` is called as ``calls(call, get, ints)``)."""
    binders = binding_statements(fn)
    params = set(fn.params)
    fixed = {n: 0 for n in known if n not in binders} | {p: d for p, d in dims.items() if p not in binders}
    found = {n: _TOP for n in binders if n not in params or n in known}  # optimistic: names fall from top
    readers: dict[str, set[str]] = {}  # name -> the names some binding of which reads it
    for n in found:
        for s in binders[n]:
            for r in ir.reads(s.value) if isinstance(s, ir.Assign) else ():
                readers.setdefault(r, set()).add(n)

    def get(a: ir.Atom):
        if isinstance(a, ir.Const):
            return 0 if isinstance(a.value, Number) else _BOT
        return found[a] if a in found else fixed.get(a, _BOT)

    def meet(n: str):
        out = 0 if n in params else _TOP  # a known parameter bound again holds a number on entry
        for s in binders[n]:
            d = _gives(s, get, ints, calls)
            if out == _TOP or d == _TOP or d == out:
                out = out if d == _TOP else d
            else:
                return _BOT
        return out

    todo, queued = deque(found), set(found)  # a worklist: a name that falls re-checks only its readers
    while todo:
        n = todo.popleft()
        queued.discard(n)
        new = meet(n)
        if new != found[n]:
            found[n] = new
            for m in readers.get(n, ()):
                if m not in queued and found[m] != _BOT:
                    todo.append(m)
                    queued.add(m)
    # a name still at the top is bound only from names never bound before it: it holds nothing
    found.update({p: 0 for p in params & set(known) - set(binders)})  # a known parameter never bound again
    return {n: 0 if d == _TOP else d for n, d in found.items() if d != _BOT}


def reduces_all(v: ir.Op) -> bool:
    """Is ``v`` a reduction over all axes to shape ``()`` (no ``axis`` or ``keepdims`` but None or False)?"""
    return v.prim.name in _FULL_REDUCTIONS and set(v.params) <= {"axis", "keepdims"} and all(
        isinstance(p, ast.Constant) and p.value in (None, False) and type(p.value) is not int
        for p in v.params.values())


def binding_statements(fn: ir.Function) -> dict[str, list]:
    """Each name ``fn`` binds -> the statements that bind it, a statement run as written (an
    :class:`..ir.Effect`, which may rebind or reshape what it names) binding every name it mentions."""
    binders: dict[str, list] = {}
    for s in ir.walk(fn.body):
        for t in ir.targets(s):
            binders.setdefault(t, []).append(s)
        if isinstance(s, ir.Effect):
            for node in ast.walk(s.node):
                if isinstance(node, ast.Name):
                    binders.setdefault(node.id, []).append(s)
    return binders


def settle(found: dict, binders: dict, start, meet, gives, top, bottom) -> None:
    """The greatest fixed point, in place: each name of ``found`` not yet at ``bottom`` is ``meet`` of
    ``start(name)`` and what each of its ``binders`` ``gives``, until none falls (values only fall:
    this ends); then the names still at ``top``, bound only from one another (or holding a value on
    entry that no binding shows), fall to ``bottom``, and it runs again."""
    while True:
        changed = True
        while changed:
            changed = False
            for n, old in found.items():
                if old == bottom:
                    continue
                new = start(n)
                for s in binders[n]:
                    new = meet(new, gives(s))
                if new != old:
                    found[n], changed = new, True
        tops = [n for n, c in found.items() if c == top]
        if not tops:
            return
        found.update(dict.fromkeys(tops, bottom))


def _gives(s, get, ints: frozenset[str], calls=None):
    """The number of dimensions of the value ``s`` binds, given each atom's (``get``)."""
    if not isinstance(s, ir.Assign):
        return _BOT
    v = s.value
    if isinstance(v, ir.Copy):
        return get(v.src)
    if isinstance(v, ir.Index):
        drop = index_drop(v.index, ints) if ir.is_var(v.value) else None
        d = _BOT if drop is None else get(v.value)
        n = len(v.index.elts) if isinstance(v.index, ast.Tuple) else 1
        return d if d == _TOP else d - drop if d >= n and d > 0 else _BOT
    if isinstance(v, ir.Call):
        return calls(v, get, ints) if calls is not None else _BOT
    if not isinstance(v, ir.Op) or v.seq:
        return _BOT
    if v.prim.name in _FULL_REDUCTIONS:
        return 0 if reduces_all(v) else _BOT
    if v.prim.name == "concatenate":
        return _joined(v, get)
    if v.params or v.prim.name not in _PRODUCTS and getattr(v.prim, "derivatives", None) is None:
        return _BOT  # only the rule table's elementwise primitives, and products
    if v.prim.name in _PRODUCTS and len(v.args) != 2:
        return _BOT  # xp.dot(x, y), read as the method x.dot of xp: refused when it runs (.receivers)
    found = [get(a) for a in v.args]
    if _BOT in found:
        return _BOT
    if _TOP in found:
        return _TOP
    return _PRODUCTS[v.prim.name](*found) if v.prim.name in _PRODUCTS else max(found, default=0)


def _joined(v: ir.Op, get):
    """``concatenate`` of operands of one number of dimensions d >= 1 along a literal axis: d."""
    axis = v.params.get("axis", ast.Constant(0))
    found = {get(a) if ir.is_var(a) else _BOT for a in v.args}
    if set(v.params) - {"axis"} or not isinstance(axis, ast.Constant) or type(axis.value) is not int or not found:
        return _BOT
    if _BOT in found or len(found) > 1:
        return _TOP if _TOP in found and _BOT not in found else _BOT
    d = found.pop()
    return d if d == _TOP or d > 0 and -d <= axis.value < d else _BOT


def _dot(a: int, b: int) -> int:
    return a + b if a == 0 or b == 0 else a + b - 2  # NumPy's dot: a scalar scales; the sum over two axes


def _matmul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return _BOT  # NumPy refuses it
    return a + b - 2 if a == 1 or b == 1 else max(a, b)  # a vector's axis is summed; stacks broadcast


_PRODUCTS = {"dot": _dot, "matmul": _matmul}
_TOP, _BOT = -1, -2  # not known yet (optimistic), none
