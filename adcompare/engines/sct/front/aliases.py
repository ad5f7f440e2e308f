"""Aliases: the writes in place SCT refuses, or checks when they run, because another name may see them.

Contract: SCT writes functionally (``c *= a`` is ``c = c * a``; ``y[i] = v`` makes a new array, as JAX's
``.at[].set``; ``seq.append(x)`` makes a new list), so a write is correct only where no other name that may hold the
same memory is read afterwards. :func:`check_writes` asks :mod:`..analysis.aliasing` which writes another name would
see and puts a run-time check (:func:`..emit.inplace.check_inplace`) before each of them: an index write, an
augmented assignment, a call of a function that writes into its parameter in place. SCT knows neither types nor
views statically: a float, a NumPy scalar or a JAX array is rebound, as SCT does, and ``x = y[0]`` of a 1-d ``y`` is
a copy, so the check refuses (with the line and a rewrite) only a NumPy array or list that another of those names
really holds when the write runs. :func:`parameters_written` says which parameters a callee writes into (the
caller's arrays; one writing by index is refused at the call), :func:`check_dynamic_call` checks a call of a
function known only when it runs (also where its result is unused: :func:`..emit.python_checks.checked_call`), and
:func:`check_lists` refuses an append to a list that is not a local list nobody else sees.
"""

from __future__ import annotations

import ast
import functools
import inspect
import types

import numpy as np

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.aliasing import Write, seen_writes
from adcompare.engines.sct.asttools import statements, walk
from adcompare.engines.sct.emit import inplace, python_checks
from adcompare.engines.sct.errors import Where, internal_file
from adcompare.engines.sct.front import builtin_source, closure_values
from adcompare.engines.sct.front.closure_values import ENV as _ENV
from adcompare.engines.sct.front.parse import is_user_function, parse
from adcompare.engines.sct.front.sharing import fresh_maker, may_share
from adcompare.primitives import primal


@functools.lru_cache(maxsize=512)
def parameters_written(fn) -> tuple[str | None, tuple[int, ...]]:
    """The parameter of user function ``fn`` it writes into by index (``p[i] = v``, also through
    another name for it), and the positions of the parameters it writes into in place
    (``p *= 2.0``, also through another name or a callee that does, recursion included), numbered as
    :func:`parameter_slots` numbers them (positional, keyword-only, then ``*args``)."""
    indexed, _, _ = _own_writes(fn)
    reached, todo = [fn], [fn]
    while todo:  # every user function ``fn`` may call, each read once
        for g, _, _ in _own_writes(todo.pop())[2]:
            if g not in reached:
                reached.append(g)
                todo.append(g)
    written = {g: set(_own_writes(g)[1]) for g in reached}
    grown = True
    while grown:  # a parameter passed (or an alias of it) where a callee writes in place is written
        grown = False
        for g in reached:
            for callee, k, j in _own_writes(g)[2]:
                if j in written[callee] and k not in written[g]:
                    written[g].add(k)
                    grown = True
    return indexed, tuple(sorted(written[fn]))


@functools.lru_cache(maxsize=512)
def _own_writes(fn) -> tuple[str | None, tuple[int, ...], tuple[tuple[object, int, int], ...]]:
    """``fn``'s own writes: the parameter it writes by index, the positions it augments in place,
    and ``(callee, k, j)`` for each user function it calls with (an alias of) parameter k as argument j."""
    read: list = []  # its source as read, also where the fence refuses it (a call whose result is unused, as
    try:  # ``_ = helper(y)``, is never transformed, while NumPy's primal still runs its writes)
        parsed = parse(fn, read.append)
    except Exception:  # no source: nothing to read; SCT's own programs write only what their protocol says
        if not read or internal_file(fn.__code__.co_filename):
            return None, (), ()
        parsed = read[0]
    tree, resolve = parsed.tree, parsed.resolve
    a = tree.args
    positional = [x.arg for x in a.posonlyargs + a.args]
    indexed, augmented, passed = None, [], []
    for k, param in enumerate(positional + [x.arg for x in a.kwonlyargs] + ([a.vararg.arg] if a.vararg else [])):
        depths = {param: 0}  # every name that may hold (a view of) the parameter, anywhere in the function
        grown = True
        while grown:
            grown = False
            for st in statements(tree.body):
                value = st.value if isinstance(st, ast.Assign) else st.iter if isinstance(st, ast.For) else None
                targets = st.targets if isinstance(st, ast.Assign) else [st.target] if isinstance(st, ast.For) else []
                d = None if value is None else _depth(value, depths, resolve)
                if d is None:
                    continue
                for t in targets:
                    for name, dn in _unpacked(t, max(d - 1, 0) if isinstance(st, ast.For) else d):
                        if dn < depths.get(name, dn + 1):
                            depths[name], grown = dn, True
        names = set(depths)
        for st in statements(tree.body):
            targets = st.targets if isinstance(st, ast.Assign) else [st.target] if isinstance(st, ast.AugAssign) else []
            for t in targets:
                base, chain = t, 0
                while isinstance(base, (ast.Subscript, ast.Attribute)):
                    base, chain = base.value, chain + 1
                # p[i] = v writes into what p[...] (chain - 1 levels in) holds: the parameter's array where that is
                # deeper than the displays holding it; p[i] += v also into the item itself
                reach = chain + isinstance(st, ast.AugAssign)
                if chain and isinstance(base, ast.Name) and reach > depths.get(base.id, reach) and indexed is None:
                    indexed = param
                elif isinstance(st, ast.AugAssign) and isinstance(t, ast.Name) and depths.get(t.id) == 0:
                    augmented.append(k)
            for call in (n for n in walk(st) if isinstance(n, ast.Call)):
                g = resolve(call.func)
                if is_user_function(g):
                    passed += [(g, k, j) for j, arg in _bound(g, call) if may_share(arg, names, resolve)]
    return indexed, tuple(sorted(set(augmented))), tuple(dict.fromkeys(passed))


def _depth(v: ast.expr, depths: dict, resolve) -> int | None:
    """How many list or tuple displays stand between the value of ``v`` and an array that may share memory with
    the parameter (``depths``: the names known to, and theirs): 0 where ``v`` may be (a view of) it, None where
    it shares nothing. ``rows = [[x[0], x[1]]]`` holds ``x``'s items two displays deep: ``rows[0][1] = v``
    replaces an item of a new list, and writes nothing into ``x``."""
    if isinstance(v, (ast.Tuple, ast.List)):
        inner = [d for d in (_depth(e, depths, resolve) for e in v.elts) if d is not None]
        return min(inner) + 1 if inner else None
    if isinstance(v, ast.Name):
        return depths.get(v.id)
    return 0 if may_share(v, set(depths), resolve) else None


def _unpacked(t: ast.expr, d: int, level: int = 0) -> list[tuple[str, int]]:
    """The names target ``t`` binds, each with its depth (``d``, less one for each unpacking level)."""
    if isinstance(t, ast.Name):
        return [(t.id, max(d - level, 0))]
    if isinstance(t, (ast.Tuple, ast.List)):
        return [pair for e in t.elts for pair in _unpacked(e.value if isinstance(e, ast.Starred) else e, d,
                                                           level + (not isinstance(e, ast.Starred)))]
    return []


def _bound(g, call: ast.Call) -> list[tuple[int, ast.expr]]:
    """``(j, arg)`` for each argument of ``call`` (of user function ``g``) and each parameter j it may bind, in
    ``g``'s parameters as :func:`parameter_slots` numbers them: a keyword argument (``inner(v=p)``) by its
    name, one beyond the positional parameters to ``*args``, a ``*seq`` or ``**d`` (and a positional one after
    ``*seq``) any it may reach."""
    code = g.__code__
    npos, names = code.co_argcount, code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    rest = [len(names)] if code.co_flags & inspect.CO_VARARGS else []  # (the slot of ``*args``)
    out, star = [], False
    for j, arg in enumerate(call.args):
        star = star or isinstance(arg, ast.Starred)
        reach = [*range(j, npos), *rest] if star else [j] if j < npos else rest
        out += [(i, arg) for i in reach]
    for kw in call.keywords:
        out += ([(names.index(kw.arg), kw.value)] if kw.arg in names else
                [(i, kw.value) for i in range(len(names))] if kw.arg is None else [])
    return out


def parameter_slots(fn, positional: list, keyword_only: list) -> list[list]:
    """The arguments of a call of user function ``fn`` in the slots :func:`parameters_written` numbers: one
    for each positional parameter, one for each keyword-only one, then (where ``fn`` takes ``*args``) all
    those ``*args`` holds (``positional`` beyond ``fn``'s positional parameters)."""
    code = fn.__code__
    slots = [[x] for x in positional[:code.co_argcount]] + [[]] * (code.co_argcount - len(positional))
    slots += [[x] for x in keyword_only[:code.co_kwonlyargcount]]
    return slots + ([list(positional[code.co_argcount:])] if code.co_flags & inspect.CO_VARARGS else [])


def check_dynamic_call(fn, args: tuple) -> None:
    """A call of ``fn`` that generated code knows only when it runs (a variable, a nested function):
    the caller's liveness is not known there, so a NumPy array (or list) passed to a parameter
    ``fn`` writes into (by index or in place) is refused, whoever reads it afterwards (a bound method's too; the
    function a stand-in such as ``closure_values.apply`` forwards to, and a ``functools.partial``'s)."""
    if fn is closure_values.apply:  # g(y) of a g the code holds: apply(g, y)
        fn, positions = closure_values._target(fn, args)
        args = tuple(args[k] for k in positions)
    while isinstance(fn, functools.partial):
        fn, args = fn.func, fn.args + tuple(args)
    if callable(fn) and not isinstance(fn, (type, types.FunctionType, types.MethodType)) \
            and is_user_function(type(fn).__call__):  # an object called: its class's __call__, bound to it
        fn = types.MethodType(type(fn).__call__, fn)
    if isinstance(fn, types.MethodType):  # obj.scale, taken into a variable: its function, the object first
        fn, args = fn.__func__, (fn.__self__, *args)
    if not is_user_function(fn):
        return
    indexed, in_place = parameters_written(fn)
    code = fn.__code__
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    names += (code.co_varnames[len(names)],) if code.co_flags & inspect.CO_VARARGS else ()
    slots = parameter_slots(fn, list(args), [None] * code.co_kwonlyargcount)
    for k in set(in_place) | ({names.index(indexed)} if indexed in names else set()):
        if any(isinstance(primal(a), (list, np.ndarray)) for a in slots[k]):
            raise parse(fn).where.refuse(
                f"a call of {fn.__name__}, known only when it runs, which writes into its parameter "
                f"{names[k]!r} in place; SCT writes functionally, as JAX, so the caller's array would not "
                "see the write", fn, f"pass a copy (anp.array({names[k]})), or have {fn.__name__} return the new "
                "array and assign it")


python_checks.WRITE_CHECKS.append(check_dynamic_call)


def check_writes(fn: ir.Function, writes: dict[int, list[Write]], where: Where, resolve, bind,
                 temporaries: set[str] = frozenset()) -> None:
    """Put a check before each write in place another name would see, of the values when they run.
    ``bind(base, value)`` names a value in the generated code's globals; ``temporaries`` are SCT's own names,
    which a message describes rather than names."""
    if not writes:
        return
    guards: dict[int, list[ir.Effect]] = {}
    escaping = {fn.params[0]} if fn.params and fn.params[0] == _ENV else set()
    for seen in seen_writes(fn, writes, fresh_maker(resolve), escaping):
        w = seen.write
        # a temporary of SCT's (a swap's right side held for its later target) is no name the user wrote
        who = ", ".join(sorted(seen.others - temporaries) + ["a value read earlier in the same statement"] * bool(
            seen.others & temporaries))
        if seen.escapes:
            who = (who + ", and " if who else "") + "the caller (a global, or a value a closure captured)"
        if w.kind == "index":
            construct = (f"a write into {w.name}[...], and another name may hold the same array ({who}, read "
                         f"afterwards); SCT writes functionally, as JAX's .at[].set, so the other name would not "
                         "see the write")
            hint = f"copy first (y = anp.array({w.name}), then y[...] = v), or write into the base array with its index"
        elif w.kind == "entry":
            construct = (f"a write into an entry of the dict {w.name}, and another name may hold the same dict "
                         f"({who}, read afterwards); SCT writes a new dict, so the other name would not see the write")
            hint = f"write into {w.name} before another name takes it, or write the entry into a new dict"
        elif w.kind == "call":
            construct = (f"a call of {w.callee}, which writes into its parameter in place, passing {w.name}; "
                         f"the caller's array may be read afterwards ({who}), and SCT writes functionally, as "
                         "JAX, so it would not see the write")
            hint = f"pass a copy (anp.array({w.name})), or have {w.callee} return the new array and assign it"
        else:
            construct = (f"{w.name} written in place (an augmented assignment on an array), and another name "
                         f"may hold the same array ({who}, read afterwards); SCT writes functionally, as JAX, so "
                         "the other name would not see the write")
            hint = (f"copy first ({w.name} = anp.array({w.name})), or write {w.name} = {w.name} <op> ... to make a "
                    "new array")
        sure = sorted(seen.others - seen.unsure)
        check = bind("check_inplace", functools.partial(
            inplace.check_inplace, construct=construct, hint=hint, strict=seen.escapes or bool(seen.unsure),
            function=where.function, filename=where.filename, line=w.line,
            item=tuple(n not in seen.twice for n in sure) if w.kind == "index" else None))
        call = ast.Call(ast.Name(check, ast.Load()), [ast.Name(n, ast.Load()) for n in [w.name] + sure], [])
        guards.setdefault(id(seen.stmt), []).append(ir.Effect(ast.Expr(call), w.line, check=True))
    if guards:
        fn.body = _insert(fn.body, guards)


def _insert(block: list, guards: dict[int, list]) -> list:
    out = []
    for s in block:
        out += guards.get(id(s), [])
        if isinstance(s, ir.If):
            s.body, s.orelse = _insert(s.body, guards), _insert(s.orelse, guards)
        elif isinstance(s, (ir.For, ir.While)):
            s.body = _insert(s.body, guards)
        out.append(s)
    return out


def check_lists(fn: ir.Function, where: Where, rebuilt: set[int] = frozenset()) -> None:
    """``seq.append``, ``seq.pop()`` and ``seq[i] = v`` (the statements whose ids are ``rebuilt``) rewrite
    seq as a new list: seq must be a local list nobody else sees."""
    changed = [s for s in ir.walk(fn.body) if isinstance(s, ir.Assign) and (
        isinstance(s.value, ir.Append) or id(s) in rebuilt)]
    grown, ids = {s.target: s for s in reversed(changed)}, {id(s) for s in changed}
    for name, at in grown.items():
        defs = [s for s in ir.walk(fn.body) if name in ir.targets(s)]
        verb = "append" if isinstance(at.value, ir.Append) else "pop()" if isinstance(at.value, ir.Index) else "[...] ="
        started = any(_new_list(s) for s in defs)  # a global or closed-over list has no display here
        written = [s for s in defs if isinstance(s, ir.Assign) and isinstance(s.value, ir.Op)
                   and s.value.prim.name == "index_update" and s.value.args[0] == name]
        if started and written:  # the list is local: what SCT refuses is the write (as refusals does)
            raise where.refuse(f"writing into the list {name!r} by index", written[0].line,
                               "make it an array (anp.zeros, anp.stack) and write into that, or append the "
                               "new values to another list")
        if name in fn.params or not started or not all(_new_list(s) or id(s) in ids for s in defs):
            raise where.refuse(f"{name}.{verb} on a value that is not a local list", at.line,
                               "start the list in this function with a display, e.g. "
                               f"{name} = [], or a copy under another name, e.g. items = list({name})")
        for s in ir.walk(fn.body):
            aliases = (isinstance(s, ir.Assign) and (
                (isinstance(s.value, ir.Copy) and s.value.src == name and s.target != fn.out)
                or (isinstance(s.value, ir.Pack) and name in s.value.elts)
                or (_kept(s, name) and not _kept_after_changes(fn.body, s, name,
                                                               [c for c in changed if c.target == name]))
                or (isinstance(s.value, ir.Call) and name in s.value.args and s.value.func not in
                    builtin_source.READERS and name not in getattr(s.value.func, "sct_reads_only", ()))))
            if aliases:
                raise where.refuse(f"a second reference to the list {name!r}, which is "
                                   "appended to, popped from or written into", s.line,
                                   "SCT treats append, pop() and writes as building a new list; copy the "
                                   "elements into a tuple instead")


def _kept(s, name: str) -> bool:
    """Does ``s`` keep the list ``name`` in another list (``rows.append(row)``, ``grid[i] = row``)?"""
    return isinstance(s.value, ir.Append) and s.value.elt == name or (
        isinstance(s.value, ir.Call) and s.value.func is builtin_source.python_list_set and s.value.args[-1] == name)


def _kept_after_changes(body: list, store, name: str, changes: list) -> bool:
    """Is the list ``name`` kept in another list by ``store`` only after all its changes, in the block where a
    new list starts it (``row = []``, ``row.append(v)``..., then ``rows.append(row)``)? Each pass through that
    block starts a new list, changes it, then keeps it, so Python's list and SCT's rebuilt one agree."""
    todo = [body]
    while todo:
        block = todo.pop()
        if any(s is store for s in block):
            break
        todo += [b for s in block for b in ir.blocks(s)]
    else:
        return False
    k = next(i for i, s in enumerate(block) if s is store)
    fresh = next((i for i, s in enumerate(block[:k]) if name in ir.targets(s) and _new_list(s)), None)
    tops = [next((i for i, s in enumerate(block) if any(x is c for x in ir.walk([s]))), None) for c in changes]
    return fresh is not None and all(i is not None and fresh < i < k for i in tops)


def _new_list(s) -> bool:
    """``s`` makes a new list nobody else sees: a display, a comprehension, ``list(...)``."""
    return isinstance(s, ir.Assign) and (isinstance(s.value, ir.Pack) and s.value.kind == "list" or (
        isinstance(s.value, ir.Call) and getattr(s.value.func, "sct_makes_list", False)))
