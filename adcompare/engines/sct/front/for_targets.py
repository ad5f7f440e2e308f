"""For statements over ``zip(...)``, ``enumerate(...)``, ``reversed(seq)`` or a dict's views, or with a
tuple target, as loops SCT takes; and the starred assignment ``a, *rest = seq`` as indexing.

Contract: :func:`lower` rewrites in place each ``for`` statement of a function's body (not of its nested
scopes, which are rewritten when they are transformed) whose target is not a single name, or whose
iterable is a call of ``zip`` or ``enumerate``, into the statements ``loop(target, iterable, body,
node)`` makes of it: the closure converter's lowering, shared with comprehensions (the sequences held in
variables first, a loop by index over ``range``, the target assigned from the items). A loop over
``d.items()``, ``d.values()`` or ``d.keys()`` runs over the keys of ``d`` (a run-time check that ``d``
is a dict gives them, as constants), reading ``d[k]``. ``for v in reversed(seq)`` (``seq`` not a
``range``, which SCT takes as it is) becomes a loop by index from the end of ``seq``, held in a variable
first. The new statements are located at the ``for``, so errors name its line. A ``for``/``else`` is
left as it is, for the fence to refuse.
"""

from __future__ import annotations

import ast
import builtins
import functools
import itertools
from collections.abc import Callable

from adcompare.engines.sct.asttools import walk
from adcompare.engines.sct.front.fingerprints import one_of

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_serial = itertools.count()


def lower(tree: ast.FunctionDef, loop: Callable, resolve: Callable, keys: Callable, length: Callable,
          bind: Callable) -> None:
    """Rewrite ``tree``'s for statements (see the module doc); ``resolve`` tells what a name is,
    ``keys(d, node)`` is the call of :func:`..emit.runtime.dict_keys` on ``d`` for the loop ``node``, and
    ``length(seq, node)`` that of :func:`..emit.runtime.positional_len` (a dict or a set is refused);
    ``bind(base, value)`` names a value in the generated code's globals (a builtin the function shadows)."""
    name = functools.partial(builtin, resolve=resolve, bind=bind)
    loop = functools.partial(with_dicts, loop, keys, resolve, name)
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if node is not tree and isinstance(node, _SCOPES) or not isinstance(block, list):
                continue
            new = []
            for s in block:
                new += _lowered(s, loop, resolve, length, name) if _needs(s, resolve) else [s]
            setattr(node, field, new)
        todo += [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt) and not isinstance(c, _SCOPES)]


def builtin(name: str, resolve: Callable, bind: Callable) -> ast.Name:
    """The builtin ``name`` for code written here, under a name the user's function does not shadow (a
    parameter ``range`` or a local ``list`` would take a bare ``range`` or ``list``)."""
    value = getattr(builtins, name)
    return ast.Name(name, ast.Load()) if resolve(ast.Name(name, ast.Load())) is value else bind(name, value)


def _starred(s: ast.stmt) -> bool:
    """``a, *rest, c = seq``: one target, a tuple or list with one starred name among its items."""
    return isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], (ast.Tuple, ast.List)) \
        and sum(isinstance(e, ast.Starred) for e in s.targets[0].elts) == 1


def _unpacked(s: ast.Assign, length: Callable, name: Callable) -> list[ast.stmt]:
    """``a, *rest, c = value`` as Python runs it: ``seq = value``, its length ``n`` (at least the names around
    the star, else Python's ValueError), ``a = seq[0]``, ``rest = list(seq[1:n - 1])``, ``c = seq[n - 1]``."""
    elts, n = s.targets[0].elts, next(_serial)
    seq, size = ast.Name(f"_sct_unpack{n}", ast.Load()), ast.Name(f"_sct_unpacked{n}", ast.Load())
    star = next(k for k, e in enumerate(elts) if isinstance(e, ast.Starred))
    after, need = len(elts) - star - 1, len(elts) - 1
    out = [ast.Assign([ast.Name(seq.id, ast.Store())], s.value), ast.Assign([ast.Name(size.id, ast.Store())],
                                                                            length(seq, s)),
           ast.If(ast.Compare(size, [ast.Lt()], [ast.Constant(need)]), [ast.Raise(ast.Call(ast.Name(
               "ValueError", ast.Load()), [ast.Constant(f"not enough values to unpack (expected at least {need})")],
               []), None)], [])]
    for k, e in enumerate(elts):
        at = ast.Constant(k) if k < star else ast.BinOp(size, ast.Sub(), ast.Constant(len(elts) - k))
        if k == star:
            part = ast.Subscript(seq, ast.Slice(ast.Constant(star), ast.BinOp(size, ast.Sub(), ast.Constant(after))),
                                 ast.Load())
            out.append(ast.Assign([e.value], ast.Call(name("list"), [part], [])))
        else:
            out.append(ast.Assign([e], ast.Subscript(seq, at, ast.Load())))
    return out


def _needs(s: ast.stmt, resolve: Callable) -> bool:
    if _starred(s):
        return True
    if not isinstance(s, ast.For) or s.orelse:
        return False
    it = s.iter
    pairs = isinstance(it, ast.Call) and one_of(resolve(it.func), (builtins.zip, builtins.enumerate))
    return pairs or _backwards(it, resolve) or _view(it) is not None or not isinstance(s.target, ast.Name)


def _view(it: ast.expr) -> str | None:
    """``"items"``, ``"values"`` or ``"keys"`` if ``it`` is ``d.items()``, ``d.values()`` or ``d.keys()``."""
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and not it.args and not it.keywords \
            and it.func.attr in ("items", "values", "keys"):
        return it.func.attr
    return None


def with_dicts(loop: Callable, keys: Callable, resolve: Callable, name: Callable, target: ast.expr, it: ast.expr,
               body: list, node) -> list:
    """``for target in d.items(): body`` as ``for k in dict_keys(d): target = (k, d[k]); body`` (``.values()``:
    ``d[k]``, ``.keys()``: ``k``; ``enumerate(d.items())`` counts the keys), ``d`` held first; any other loop
    as ``loop`` makes it. A loop over ``d.keys()`` of a variable holds no copy (and ``enumerate`` of it counts
    by hand), so that :meth:`.desugar.Desugar.resized` checks the keys the body writes into ``d``; nor does a loop
    over ``d.items()`` or ``d.values()`` whose body writes into ``d``'s entries (it reads each value from ``d``
    as it is then, as Python's view does)."""
    counted = isinstance(it, ast.Call) and it.args and resolve(it.func) is builtins.enumerate \
        and _view(it.args[0]) is not None
    call = it.args[0] if counted else it
    view = _view(call)
    if view is None:
        return loop(target, it, body, node)
    n = next(_serial)
    d, k, i = f"_sct_dict{n}", f"_sct_key{n}", f"_sct_count{n}"
    value = ast.Subscript(ast.Name(d, ast.Load()), ast.Name(k, ast.Load()), ast.Load())
    item = {"items": ast.Tuple([ast.Name(k, ast.Load()), value], ast.Load()), "values": value,
            "keys": ast.Name(k, ast.Load())}[view]
    if view == "keys" and isinstance(call.func.value, ast.Name):  # a loop over d's keys: writes checked (Desugar)
        if not counted:
            return loop(target, keys(call.func.value, node), body, node)
        start = it.args[1:] + [kw.value for kw in it.keywords if kw.arg == "start"]
        if len(start) <= 1 and len(it.args) + len(it.keywords) <= 2:  # the count by hand, start held first
            step = ast.BinOp(ast.Name(i, ast.Load()), ast.Add(), ast.Constant(1))
            head = [ast.Assign([target], ast.Tuple([ast.Name(i, ast.Load()), item], ast.Load())),
                    ast.Assign([ast.Name(i, ast.Store())], step)]
            held = [ast.Assign([ast.Name(i, ast.Store())], start[0] if start else ast.Constant(0)),
                    ast.Assign([ast.Name(f"_sct_range{n}", ast.Store())],  # enumerate's TypeError for a float
                               ast.Call(name("range"), [ast.Name(i, ast.Load())], []))]
            return held + loop(ast.Name(k, ast.Store()), keys(call.func.value, node), head + body, node)
    if not counted and isinstance(call.func.value, ast.Name) and _written(call.func.value.id, body):
        d = call.func.value.id  # Python reads d[k] from the dict as it is at each step: no copy held
        value.value.id = d
        return loop(ast.Name(k, ast.Store()), keys(call.func.value, node), [ast.Assign([target], item)] + body, node)
    over = keys(ast.Name(d, ast.Load()), node)
    if counted:
        item = ast.Tuple([ast.Name(i, ast.Load()), item], ast.Load())
        over = ast.Call(name("enumerate"), [over] + it.args[1:], it.keywords)  # its start
    names = ast.Tuple([ast.Name(i, ast.Store()), ast.Name(k, ast.Store())], ast.Store()) if counted \
        else ast.Name(k, ast.Store())
    return [ast.Assign([ast.Name(d, ast.Store())], call.func.value)] + loop(
        names, over, [ast.Assign([target], item)] + body, node)


def keys_read(s: ast.For) -> bool:
    """``for k in d`` whose body reads ``d[k]``, with ``k``, ``d`` and ``d``'s entries not assigned in it: ``k`` indexes
    ``d``, so it is a dict's key or an integer, a constant either way (a loop over a dict argument, or a
    comprehension's)."""
    if not (isinstance(s.target, ast.Name) and isinstance(s.iter, ast.Name)):
        return False
    names = {s.target.id, s.iter.id}
    nodes = [n for b in s.body for n in ast.walk(b)]
    return any(isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id == s.iter.id
               and isinstance(n.slice, ast.Name) and n.slice.id == s.target.id for n in nodes) \
        and not any(isinstance(n, ast.Name) and n.id in names and not isinstance(n.ctx, ast.Load) or isinstance(
            n, ast.Subscript) and not isinstance(n.ctx, ast.Load) and ast.unparse(n.value) == s.iter.id for n in nodes)


def _written(d: str, body: list) -> bool:
    """Does ``body`` write into an entry of the dict ``d`` (``d[k] = v``) and never assign ``d`` itself?"""
    stores = [n for s in body for n in ast.walk(s) if isinstance(getattr(n, "ctx", None), ast.Store)]
    return any(isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id == d for n in stores) \
        and not any(isinstance(n, ast.Name) and n.id == d for n in stores)


def _backwards(it: ast.expr, resolve: Callable) -> bool:
    """``reversed(seq)`` of a sequence that is not a ``range`` call."""
    return (isinstance(it, ast.Call) and not it.keywords and len(it.args) == 1
            and resolve(it.func) is builtins.reversed
            and not (isinstance(it.args[0], ast.Call) and resolve(it.args[0].func) is builtins.range))


def _lowered(s: ast.For, loop: Callable, resolve: Callable, length: Callable, name: Callable) -> list[ast.stmt]:
    if _starred(s):
        out = _unpacked(s, length, name)
    elif _backwards(s.iter, resolve):  # seq = it; for k in range(len(seq) - 1, -1, -1): target = seq[k]
        n = next(_serial)
        seq, k = f"_sct_rev{n}", f"_sct_rk{n}"
        last = ast.BinOp(length(ast.Name(seq, ast.Load()), s), ast.Sub(), ast.Constant(1))
        steps = ast.Call(name("range"), [last, ast.Constant(-1), ast.Constant(-1)], [])
        item = ast.Subscript(ast.Name(seq, ast.Load()), ast.Name(k, ast.Load()), ast.Load())
        out = [ast.Assign([ast.Name(seq, ast.Store())], s.iter.args[0]),
               ast.For(ast.Name(k, ast.Store()), steps, [ast.Assign([s.target], item)] + s.body, [])]
    else:
        out = loop(s.target, s.iter, s.body, s)
    for stmt in out:
        for n in ast.walk(stmt):
            if "lineno" in n._attributes and not hasattr(n, "lineno"):
                ast.copy_location(n, s)
    return out


def by_index(target: ast.expr, it: ast.expr, body: list, node: ast.AST, resolve: Callable, length: Callable,
             where, bind: Callable) -> list[ast.stmt]:
    """``for target in it: body`` as loops SCT takes: a name over a sequence, or, over ``zip(...)`` or
    ``enumerate(seq, start)``, a loop by index over ``range`` (the sequences and the start held first; the
    count is ``k + start``, so a start that is not an integer raises in ``range``, as in ``enumerate``)."""
    k = f"_sct_k{next(_serial)}"
    call = it if isinstance(it, ast.Call) else None
    maker = resolve(call.func) if call is not None else None
    start = None
    if maker is builtins.enumerate:
        given = {k.arg: k.value for k in call.keywords}
        if len(call.args) == 2 and not given:
            start = call.args[1]
        elif len(call.args) == 1 and set(given) == {"start"}:
            start = given["start"]
        elif len(call.args) != 1 or given:
            raise where.refuse(f"enumerate with the arguments of {ast.unparse(call)}", node,
                               "call it as enumerate(seq) or enumerate(seq, start)")
    elif maker is builtins.zip and call.keywords:
        maker = None  # zip(..., strict=...): iterated as written, which SCT refuses
    if maker in (builtins.zip, builtins.enumerate):
        inner = call.args[0] if maker is builtins.enumerate else None  # enumerate(zip(xs, ys))
        zipped = isinstance(inner, ast.Call) and not inner.keywords and resolve(inner.func) is builtins.zip
        seqs = list(call.args) if maker is builtins.zip else [None] + list(inner.args if zipped else [inner])
        named = [f"_sct_seq{next(_serial)}" for _ in seqs]
        first = [ast.Assign([ast.Name(n, ast.Store())], s) for n, s in zip(named, seqs) if s is not None]
        index: ast.expr = ast.Name(k, ast.Load())
        if start is not None:
            counted = f"_sct_start{next(_serial)}"
            first.append(ast.Assign([ast.Name(counted, ast.Store())], start))
            index = ast.BinOp(index, ast.Sub(), ast.Name(counted, ast.Load()))
        items = [ast.Name(k, ast.Load()) if s is None else ast.Subscript(ast.Name(n, ast.Load()), index, ast.Load())
                 for n, s in zip(named, seqs)]
        lengths = [length(ast.Name(n, ast.Load()), node) for n, s in zip(named, seqs) if s is not None]
        bound = lengths[0] if len(lengths) == 1 else ast.Call(builtin("min", resolve, bind), lengths, [])
        value = ast.Tuple([items[0], ast.Tuple(items[1:], ast.Load())] if zipped else items, ast.Load())
        steps = [bound] if start is None else [ast.Name(counted, ast.Load()),
                                               ast.BinOp(ast.Name(counted, ast.Load()), ast.Add(), bound)]
        rng = ast.Call(builtin("range", resolve, bind), steps, [])
        return first + [ast.For(ast.Name(k, ast.Store()), rng, [ast.Assign([target], value)] + body, [])]
    if isinstance(target, ast.Name):
        return [ast.For(target, it, body, [])]
    return [ast.For(ast.Name(k, ast.Store()), it, [ast.Assign([target], ast.Name(k, ast.Load()))] + body, [])]


_RESIZING = frozenset({"append", "extend", "insert", "pop", "remove", "clear"})


def loop_changes(s: ast.For, xs: str) -> tuple[bool, bool, bool]:
    """What the loop ``s`` over the variable ``xs`` does to it: assigns it again (``for x in x`` too), changes its
    length (``xs.append(...)``, ``del xs[i]``...), augments it (``xs += ...``)."""
    nodes = [n for st in [s.target] + s.body for n in walk(st)]
    assigned = any(isinstance(n, ast.Name) and n.id == xs and isinstance(n.ctx, ast.Store) for n in nodes)
    resized = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(
        n.func.value, ast.Name) and n.func.value.id == xs and n.func.attr in _RESIZING for n in nodes) or any(
        isinstance(n, ast.Delete) and any(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
                                          and t.value.id == xs for t in n.targets) for n in nodes)
    augmented = any(isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id == xs
                    for n in nodes)
    return assigned, resized, augmented
