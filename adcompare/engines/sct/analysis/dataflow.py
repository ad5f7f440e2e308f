"""Dataflow: what each normalized statement reads and defines, and what follows from that.

Contract: the def/use facts of the normalized program (:mod:`..ir`) that every
later pass asks for, in one place: :func:`operands` (the atoms a right-hand side
combines, and which are differentiable), :func:`operand_atoms` (the same for a
statement), :func:`simple_uses` and :func:`uses` (the variables a step, or any
statement with its tests, reads), :func:`readers` (who reads each variable),
:func:`closure` (the least set closed under a rule, by a worklist),
:func:`list_variables` and :func:`list_targets` (who may hold a tuple or list), :func:`live_in` (what a
block reads before it assigns it), :func:`direct_temps` (temporaries defined and
used once) and :func:`fused` (an assignment that reads what it writes).
"""

from __future__ import annotations

from adcompare.engines.sct import ir


def operands(value: ir.Expr) -> list[tuple[ir.Atom, bool]]:
    """(operand, differentiable position) for the atoms a right-hand side combines."""
    if isinstance(value, ir.Copy):
        return [(value.src, True)]
    if isinstance(value, ir.Op):
        return list(zip(value.args, value.diff))
    if isinstance(value, ir.Pack):
        return [(a, True) for a in value.elts]
    if isinstance(value, ir.Append):
        return [(value.seq, True), (value.elt, True)]
    if isinstance(value, ir.Index):
        return [(value.value, True)]
    if isinstance(value, ir.Call):
        return [(a, True) for a in value.args]
    return []  # Opaque


def operand_atoms(s) -> list:
    """(operand, differentiable) of an assignment or unpacking."""
    if isinstance(s, ir.Assign):
        return operands(s.value)
    return [(s.src, True)]


def simple_uses(s) -> set[str]:
    """The variables an assignment or unpacking reads (nothing for any other statement)."""
    if isinstance(s, ir.Assign):
        return ir.reads(s.value)
    if isinstance(s, ir.Unpack):
        return {s.src} if isinstance(s.src, str) else set()
    return set()


def uses(s) -> set[str]:
    """The variables a statement reads: a step's operands, a branch's or loop's test, a loop's range."""
    if isinstance(s, (ir.Assign, ir.Unpack)):
        return simple_uses(s)
    if isinstance(s, (ir.If, ir.While)):
        return ir.names_in(s.test)
    if isinstance(s, ir.For):
        return {s.iterable}
    if isinstance(s, ir.Effect):
        return ir.names_in(s.node)
    return set()


def readers(assigns: list, unpacks: list, packs: dict[str, list] | None = None) -> dict[str, list]:
    """For each variable, the assignments and unpackings that read it; given ``packs`` (variables, with the
    displays that define them), each element of such a display is read too by every read of its variable,
    an element read (``t[1]``) or an unpacking: what it reads depends on the element."""
    out: dict[str, list] = {}
    for s in assigns:
        for a in {a for a, _ in operands(s.value) if isinstance(a, str)}:
            out.setdefault(a, []).append(s)
    for s in unpacks:
        if isinstance(s.src, str):
            out.setdefault(s.src, []).append(s)
    for seq, displays in (packs or {}).items():
        for s in out.get(seq, ()):
            if isinstance(s, ir.Unpack) or isinstance(s.value, ir.Index):
                for e in {e for p in displays for e in p.elts if isinstance(e, str)} - {seq}:
                    out.setdefault(e, []).append(s)
    return out


def closure(start: set[str], assigns: list, unpacks: list, readers_of: dict[str, list], joins,
            unpacked=None) -> set[str]:
    """The least superset of ``start`` in which an assignment's target is in whenever
    ``joins(value, set)``, and an unpacking's targets are in whenever its source is (or,
    given ``unpacked(s, k, set)``, target ``k`` whenever that says so).

    ``joins`` may look only at the value's kind and at its operands' membership, so a
    statement needs another look only when one of its operands has just joined."""
    out = set(start)
    todo: list[str] = []

    def visit(s) -> None:
        if isinstance(s, ir.Assign):
            if s.target not in out and joins(s.value, out):
                out.add(s.target)
                todo.append(s.target)
        elif s.src in out:
            for k, t in enumerate(s.targets):
                if t not in out and (unpacked is None or unpacked(s, k, out)):
                    out.add(t)
                    todo.append(t)

    for s in assigns + unpacks:
        visit(s)
    todo.extend(start)
    while todo:
        for s in readers_of.get(todo.pop(), ()):
            visit(s)
    return out


def list_variables(block: list) -> set[str]:
    """The variables that may hold a tuple or list built in ``block`` (a display, an append, a copy)."""
    return list_targets([s for s in ir.walk(block) if isinstance(s, ir.Assign)])


def empty_sequences(block: list) -> set[str]:
    """The variables every assignment of which is an empty list or tuple display (``out = anp.array([])``
    holds one in a temporary): constants with no element to pack."""
    empty, other = set(), set()
    for s in ir.walk(block):
        blank = isinstance(s, ir.Assign) and isinstance(s.value, ir.Pack) and s.value.kind != "dict" \
            and not s.value.elts
        (empty if blank else other).update(ir.targets(s))
    return empty - other


def list_targets(assigns: list) -> set[str]:
    """The targets of ``assigns`` that may hold a tuple or list (a display, an append, a comprehension,
    a copy)."""
    return closure(set(), assigns, [], readers(assigns, []), lambda v, out: isinstance(v, (ir.Pack, ir.Append)) or (
        isinstance(v, ir.Copy) and v.src in out) or (
        isinstance(v, ir.Call) and getattr(v.func, "sct_makes_list", False)))


def live_in(block: list, defined: set[str]) -> set[str]:
    """The names ``block`` may read before it assigns them (a loop's carried state, among them)."""
    defined, live = set(defined), set()
    for s in block:
        live |= uses(s) - defined
        if isinstance(s, ir.If):
            live |= live_in(s.body, defined) | live_in(s.orelse, defined)
        elif isinstance(s, (ir.For, ir.While)):
            inner = defined | ({s.target} if isinstance(s, ir.For) else set())
            live |= live_in(s.body, inner)
        else:
            defined |= set(ir.targets(s))
    return live


def direct_temps(fn: ir.Function) -> set[str]:
    """Temporaries defined once and used once, later in the same block: their cotangent is
    assigned by that one use, never accumulated or reset."""
    defs: dict[str, int] = {}
    used: dict[str, int] = {}
    for s in ir.walk(fn.body):
        for t in ir.targets(s):
            defs[t] = defs.get(t, 0) + 1
        for u in uses(s):
            used[u] = used.get(u, 0) + 1
    once = {t for t in fn.temps if defs.get(t) == 1 and used.get(t) == 1 and t != fn.out}
    good = set()

    def scan(block: list) -> None:
        later: set[str] = set()  # what the simple statements after this one read
        for s in reversed(block):
            for t in ir.targets(s):
                if t in once and t in later and isinstance(s, (ir.Assign, ir.Unpack)):
                    good.add(t)
            later |= simple_uses(s)
            if isinstance(s, ir.If):
                scan(s.body)
                scan(s.orelse)
            elif isinstance(s, (ir.For, ir.While)):
                scan(s.body)

    scan(fn.body)
    return good


def fused(s) -> bool:
    """Does assignment ``s`` read the variable it writes (``x = sin(x)``)?"""
    return isinstance(s, ir.Assign) and s.target in [a for a, _ in operands(s.value)]


def live_after(fn: ir.Function) -> dict[int, set[str]]:
    """For each statement (by ``id``), the names read after it before being assigned again: the
    rest of its block, the next iterations of the loops around it, and ``fn.out`` at the end."""
    out: dict[int, set[str]] = {}

    def block(stmts: list, live: set[str], after_loop: set[str]) -> set[str]:
        for s in reversed(stmts):
            out[id(s)] = out.get(id(s), set()) | live
            live = before(s, live, after_loop)
        return live

    def before(s, live: set[str], after_loop: set[str]) -> set[str]:
        if isinstance(s, ir.Break):
            return set(after_loop)
        if isinstance(s, ir.If):
            return uses(s) | block(s.body, live, after_loop) | block(s.orelse, live, after_loop)
        if isinstance(s, (ir.For, ir.While)):
            head = set(live) | uses(s)  # the head runs before every iteration and before leaving
            while True:
                into = block(s.body, head, live) - ({s.target} if isinstance(s, ir.For) else set())
                if into <= head:
                    return head
                head |= into
        return (live - set(ir.targets(s))) | uses(s)

    block(fn.body, {fn.out}, set())
    return out
