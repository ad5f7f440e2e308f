"""Callees that add into their caller's cotangents: the ``into`` protocol of the reverse sweep.

Contract: where a caller's reverse sweep would run ``T = f_bwd(res, g)`` and then accumulate
``x_bar = add_bar_into(x_bar, T[n])`` (a callee's cotangent added to one the caller holds),
it hands its accumulators to the callee instead::

    T = [x_bar, 0.0]            # one slot per cotangent the callee returns
    x_bar = 0.0                 # the caller lets go of it: the callee may add in place
    x_bar, y_bar = f_bwd(res, g, T)

A callee that takes ``into`` (:func:`capable`: generated code that is run, every
differentiated parameter active, never assigned in its body and not its result) starts
each parameter's cotangent from its slot (then ``into.clear()``: the list lets go of it too)
instead of ``0.0``, and returns the sum of that value and everything it adds: in place,
into the caller's array, where the guards of :mod:`.accumulate` allow (a reference count
that says nobody else holds it), else the ordinary sum. So a callee that reads ``x[1:, :j]``
scatters its cotangent into the caller's array, not into a zeros array of ``x``'s shape that
the caller then adds. A parameter's cotangent may also be written once plainly (``b = e``,
its first write, outside any block: it becomes ``b = add_bar_into(b, e)``, the caller's sum) or
added to (``b = b + e``), where nothing else reads it. A call with ``into=None`` (the default)
is the plain sweep. The sum
is the one the inlined callee would make (the caller's value first, then each contribution
in the callee's order); where contributions overlap that association differs from adding
the callee's total at the end (both are the sum of the same terms; rounding may differ).
Code that is transformed again, or run by ``lax.scan``, never takes this form.
"""

from __future__ import annotations

import ast

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.activity import Activity
from adcompare.engines.sct.emit import codegen as cg


def capable(fn: ir.Function, act: Activity, active_params: tuple[int, ...]) -> bool:
    """Whether ``fn``'s reverse sweep can take ``into``: each differentiated parameter is active,
    never assigned in the body (so its cotangent only ever accumulates) and not the result."""
    if not active_params:
        return False
    params = [fn.params[k] for k in active_params]
    if len(set(params)) != len(params) or any(p not in act.active or p == fn.out for p in params):
        return False
    assigned = {t for s in ir.walk(fn.body) for t in ir.targets(s)}
    return not assigned & set(params)


def indexed_only(body: list, bars: list[str], names) -> bool:
    """Whether every write of the cotangents ``bars`` in the (peephole'd) reverse sweep ``body``
    adds an index's or a callee's cotangent (``b = getitem_bar(g, x, idx)``, where ``b`` holds
    ``0.0``; ``b = getitem_bar_into(g, x, idx, b)``; ``b = add_bar_into(b, e)``), apart from their
    ``0.0`` at the start, and at least one is an index's: then starting ``b`` from the caller's value
    costs the plain sweep nothing (``names``: the helpers' generated names, :class:`.peephole.Into`)."""
    wanted, indexed = set(bars), False
    lead = set()  # the initial placeholders (see Reverse.functions)
    for s in body:
        if _zero(s) is None:
            break
        lead.add(id(s))
    top, seen, sums = {id(s) for s in body}, set(), set()
    for s in _statements(body):
        written = {n.id for n in ast.walk(s) if type(n) is ast.Name and isinstance(n.ctx, ast.Store)} & wanted
        if not written or id(s) in lead:
            continue
        if isinstance(s, (ast.If, ast.For, ast.While)):
            continue  # its inner statements are looked at on their own
        kind = _write_kind(s, names)
        b = s.targets[0].id if kind is not None else None
        if kind is None and _plain(s):  # ``b = e``, b's first write and outside any block: the caller's sum
            b, kind = s.targets[0].id, "sum"
            if b in seen or id(s) not in top:
                return False
        elif kind is None and _accumulates(s):  # ``b = b + e``
            b, kind = s.targets[0].id, "sum"
        if kind is None:
            return False
        seen.add(b)
        if kind == "sum":
            sums.add(b)
        else:
            indexed = indexed or kind
    return indexed and not _read_elsewhere(body, sums)


def _plain(s: ast.stmt) -> bool:
    """``b = e``, ``e`` not reading ``b``."""
    return isinstance(s, ast.Assign) and len(s.targets) == 1 and type(s.targets[0]) is ast.Name \
        and s.targets[0].id not in _names(s.value)


def _accumulates(s: ast.stmt) -> bool:
    """``b = b + e``, ``e`` not reading ``b``."""
    if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and type(s.targets[0]) is ast.Name):
        return False
    b, v = s.targets[0].id, s.value
    return isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add) and type(v.left) is ast.Name \
        and v.left.id == b and b not in _names(v.right)


def _read_elsewhere(body: list, sums: set[str]) -> bool:
    """Is one of ``sums`` read outside its own writes and the final ``return`` (where it would hold
    the caller's value, not the plain sweep's ``0.0``)?"""
    for s in _statements(body):
        if isinstance(s, (ast.If, ast.For, ast.While)):
            read = _names(s.test) if hasattr(s, "test") else _names(s.iter)
        elif isinstance(s, ast.Assign) and type(s.targets[0]) is ast.Name and s.targets[0].id in sums:
            read = _names(s.value) - {s.targets[0].id}  # its own sum reads it: the others may not
        elif isinstance(s, ast.Return) and s is body[-1]:
            continue
        else:
            read = _names(s)
        if read & sums:
            return True
    return False


def take(body: list, bars: list[str], into: str, names) -> list:
    """The callee's side: ``bars`` start from ``into`` (or ``0.0``) and each ``b = getitem_bar(g, x,
    idx)`` (written where ``b`` holds ``0.0`` in the plain sweep) adds into ``b``."""
    lead = 0
    while lead < len(body) and _zero(body[lead]) is not None:
        lead += 1
    body = [s for s in body[:lead] if _zero(s) not in bars] + body[lead:]
    written = set()
    for s in _statements(body):
        if isinstance(s, ast.Assign) and type(s.targets[0]) is ast.Name and s.targets[0].id in bars:
            b = s.targets[0].id
            if _call_of(s.value, names.getitem_bar, 3):
                s.value = ast.Call(cg.load(names.getitem_bar_into), s.value.args + [cg.load(b)], [])
            elif b not in written and _write_kind(s, names) is None and _plain(s):  # the caller's value + e
                s.value = ast.Call(cg.load(names.add_bar_into), [cg.load(b), s.value], [])
            written.add(b)
    zero = [cg.assign(b, cg.const(0.0)) for b in bars]
    taken = [ast.Assign([ast.Tuple([cg.store(b) for b in bars], ast.Store())], cg.load(into)),
             ast.Expr(cg.call(ast.Attribute(cg.load(into), "clear", ast.Load())))]
    return [ast.If(ast.Compare(cg.load(into), [ast.Is()], [cg.const(None)]), zero, taken)] + body


def _write_kind(s: ast.stmt, names) -> bool | None:
    """True: an index's cotangent; False: a callee's (``add_bar_into``); None: anything else."""
    if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and type(s.targets[0]) is ast.Name):
        return None
    b, v = s.targets[0].id, s.value
    if _call_of(v, names.getitem_bar, 3):
        return True
    if _call_of(v, names.getitem_bar_into, 4) and type(v.args[3]) is ast.Name and v.args[3].id == b:
        return True
    if _call_of(v, names.add_bar_into, 2) and type(v.args[0]) is ast.Name and v.args[0].id == b:
        return False
    return None


def _call_of(v: ast.expr, name: str, nargs: int) -> bool:
    return isinstance(v, ast.Call) and type(v.func) is ast.Name and v.func.id == name and len(v.args) == nargs \
        and not v.keywords and not any(isinstance(a, ast.Starred) for a in v.args)


def _zero(s: ast.stmt) -> str | None:
    if isinstance(s, ast.Assign) and len(s.targets) == 1 and type(s.targets[0]) is ast.Name and _is_zero(s.value):
        return s.targets[0].id
    return None


def _is_zero(e: ast.expr) -> bool:
    """Is ``e`` the placeholder ``0.0``?"""
    return isinstance(e, ast.Constant) and type(e.value) is float and e.value == 0.0


def _statements(body: list):
    """Every statement of ``body``, nested blocks included, in program order."""
    todo = list(reversed(body))
    while todo:
        s = todo.pop()
        yield s
        for inner in ("orelse", "body"):
            todo += reversed(getattr(s, inner, None) or [])


def hand_over(body: list, slots: dict[str, int], add_into: str, zero_test: str | None = None) -> list:
    """The caller's side: ``T = B(res, g)`` (``B`` a callee's bwd that takes ``into``, with
    ``slots[B]`` cotangents), followed at once by reads of ``T`` that are accumulations
    ``x = add_into(x, T[n])`` (at least one) or plain assignments ``y = T[n]``, and ``T`` read
    nowhere else, becomes the hand-over of the module doc. So does the call guarded against the
    placeholder (``T = (0.0, ...) if zero_test(g) else B(res, g)``, see :mod:`.adjoints`): its
    guard then hands the cell's values back unchanged (``x, y = T if zero_test(g) else B(res, g, T)``:
    the caller's value for an accumulation, ``0.0`` for a plain read)."""
    loads: dict[str, int] = {}
    for s in body:
        for node in ast.walk(s):
            if type(node) is ast.Name and isinstance(node.ctx, ast.Load):
                loads[node.id] = loads.get(node.id, 0) + 1
    todo = [body]
    while todo:
        block = todo.pop()
        for s in block:
            for inner in ("body", "orelse"):
                if isinstance(getattr(s, inner, None), list):
                    todo.append(getattr(s, inner))
        j = 0
        while j < len(block):
            made = _hand_over_at(block, j, slots, add_into, loads, zero_test)
            if made is not None:
                block[j:j + made[0]] = made[1]
                j += len(made[1])
            else:
                j += 1
    return body


def _hand_over_at(block: list, j: int, slots: dict[str, int], add_into: str,
                  loads: dict[str, int], zero_test: str | None) -> tuple[int, list] | None:
    s = block[j]
    if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and type(s.targets[0]) is ast.Name):
        return None
    bwd, guard = _guarded(s.value, slots, zero_test)
    if bwd is None:
        return None
    t, n_slots = s.targets[0].id, slots[bwd.func.id]
    reads: dict[int, tuple[str, bool]] = {}  # slot -> (target, accumulates)
    k = j + 1
    while k < len(block) and len(reads) < n_slots:
        read = _read_of(block[k], t, add_into)
        if read is None or read[0] in reads or any(read[1] == r for r, _ in reads.values()):
            break
        reads[read[0]] = read[1:]
        k += 1
    used = {name for name, _ in reads.values()}
    if not any(acc for _, acc in reads.values()) or loads.get(t, 0) != len(reads) \
            or t in used or used & _names(s.value):
        return None
    accs = [name for name, acc in reads.values() if acc]
    cell = ast.List([cg.load(reads[n][0]) if n in reads and reads[n][1] else cg.const(0.0)
                     for n in range(n_slots)], ast.Load())
    call = ast.Call(bwd.func, bwd.args + [cg.load(t)], [])
    if guard is not None:  # the placeholder: nothing added, the cell's values back
        call = ast.IfExp(guard, cg.load(t), call)
    out = [cg.assign(t, cell)] + [cg.assign(a, cg.const(0.0)) for a in accs]
    out.append(cg.assign([reads[n][0] if n in reads else t for n in range(n_slots)], call))
    return k - j, [_like(s, o) for o in out]


def _guarded(v: ast.expr, slots: dict[str, int], zero_test: str | None) -> tuple[ast.Call | None, ast.expr | None]:
    """(the call ``B(res, g)`` of a bwd in ``slots``, its guard ``zero_test(g)`` or None) of ``B(res, g)`` or of
    ``(0.0, ...) if zero_test(g) else B(res, g)`` (one ``0.0`` per slot); (None, None) for anything else."""
    guard = zeros = None
    if isinstance(v, ast.IfExp) and zero_test is not None and _call_of(v.test, zero_test, 1) \
            and isinstance(v.body, ast.Tuple):
        guard, zeros, v = v.test, v.body.elts, v.orelse
    if not (isinstance(v, ast.Call) and type(v.func) is ast.Name and v.func.id in slots and len(v.args) == 2
            and not v.keywords):
        return None, None
    if guard is not None and not (ast.dump(guard.args[0]) == ast.dump(v.args[1]) and len(zeros) == slots[v.func.id]
                                  and all(_is_zero(e) for e in zeros)):
        return None, None
    return v, guard


def _read_of(s: ast.stmt, t: str, add_into: str) -> tuple[int, str, bool] | None:
    """(slot, target, accumulates) of ``x = add_into(x, t[n])`` or ``y = t[n]``."""
    if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and type(s.targets[0]) is ast.Name):
        return None
    name, v = s.targets[0].id, s.value
    acc = isinstance(v, ast.Call) and type(v.func) is ast.Name and v.func.id == add_into and len(v.args) == 2 \
        and not v.keywords and type(v.args[0]) is ast.Name and v.args[0].id == name
    item = v.args[1] if acc else v
    if not (isinstance(item, ast.Subscript) and type(item.value) is ast.Name and item.value.id == t
            and isinstance(item.slice, ast.Constant) and type(item.slice.value) is int):
        return None
    return item.slice.value, name, acc


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if type(n) is ast.Name}


def _like(old: ast.stmt, new: ast.stmt) -> ast.stmt:
    """``new`` carrying ``old``'s user line (see :mod:`..located`)."""
    for key, value in old.__dict__.items():
        if key not in old._fields:
            setattr(new, key, value)
    return new
