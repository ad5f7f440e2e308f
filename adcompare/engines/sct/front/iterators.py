"""A variable that holds an iterator SCT makes a list of: a generator expression, ``map(...)`` or ``zip(...)``.

Python's iterator is used up by its first loop (a second loop over it runs no step, ``list`` of it is empty);
SCT makes a list of its items (see .closures), which a second reader reads again: so a second loop gave a second
sum with no error. Contract: :func:`check` refuses, at the user's line, a read of such a variable that is not
its one use where it is made: a second read, a read inside a loop that its assignment is outside of (each pass
reads it again), a read in a nested function, and a read that passes the iterator on to what SCT cannot see
used once (``return g``, ``h = g``, ``f(g)`` of the user's ``f``) or holds it in a display or several targets
(``pair = (g, 1)``, ``g = h = map(...)``), the iterator itself too (``a, b = map(...), ys``). A branch of a choice
(``g if c else ys``) is read where the choice's value goes (one branch runs): unpacked or looped over once runs,
kept in a variable makes it an iterator variable. One loop over it, or one call of ``list``, ``sum``, ``sorted``,
NumPy's and the like, where it is made, runs; reads are counted
between two assignments of the name at the function's top level (the later one rebinds it on every path). A
generator is lazy: a variable it reads as it runs (its element's, a lambda's), assigned or changed after it is made
and before its use, is refused there (SCT made the list with the old value).
"""

from __future__ import annotations

import ast
import builtins
import itertools
import types
from collections.abc import Callable

from adcompare.engines.sct.front import for_targets
from adcompare.engines.sct.front.fingerprints import one_of

_MAKERS = (builtins.map, builtins.zip)
# methods that change their object in place (a list's append and the like: the list rules refuse its second name)
_CHANGERS = frozenset({"update", "setdefault", "popitem", "sort", "reverse", "fill", "resize", "put", "itemset"})
_serial = itertools.count()
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
           ast.GeneratorExp, ast.ClassDef)


def check(fdef: ast.FunctionDef, where, resolve: Callable[[str], object]) -> None:
    """Refuse a read of an iterator variable of ``fdef`` (its own body; nested functions are checked as they
    are transformed) that is not its one use where it is made (see the module's docstring)."""
    made: dict[str, list[tuple]] = {}  # name: the loops around each assignment of an iterator
    reads: dict[str, list[tuple]] = {}  # name: (node, loops around it, its parent, in a nested scope)
    written: dict[str, list[ast.Name]] = {}  # name: where this scope assigns it
    changed: dict[str, list[ast.Name]] = {}  # name: where this scope changes its value in place

    def maker(value: ast.expr) -> bool:
        return isinstance(value, ast.GeneratorExp) or isinstance(value, ast.Call) and isinstance(
            value.func, ast.Name) and one_of(resolve(value.func.id), _MAKERS)

    def made_by(value: ast.expr) -> bool:  # g = (...) if c else ys: g holds an iterator on one path
        return maker(value) or isinstance(value, ast.IfExp) and (made_by(value.body) or made_by(value.orelse))

    parents = {id(c): p for p in ast.walk(fdef) for c in ast.iter_child_nodes(p)}
    stack = [(s, (), fdef, False) for s in fdef.body]
    while stack:
        node, loops, parent, nested = stack.pop()
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and made_by(node.value) and not nested and not node.targets[0].id.startswith("_sct_"):
            made.setdefault(node.targets[0].id, []).append((node, loops))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            reads.setdefault(node.id, []).append((node, loops, parent, nested))
        elif isinstance(node, ast.Name) and not nested:
            written.setdefault(node.id, []).append(node)
            if isinstance(parent, ast.AugAssign):  # w += v: in place on an array or a list
                changed.setdefault(node.id, []).append(node)
        elif maker(node) and not nested and (_escapes(*_chosen(node, parent, parents), resolve)
                                             or _held(*_chosen(node, parent, parents))):
            raise where.refuse(f"the iterator {ast.unparse(node)[:40]} passed on or held (SCT cannot see it used "
                               "once): Python's is used up by its first loop, SCT makes a list of its items", node,
                               "make it a list (list(...)), or use it where it is made")
        root = node.value if isinstance(node, (ast.Subscript, ast.Attribute)) and (
            isinstance(node.ctx, ast.Store) or isinstance(parent, ast.Call) and parent.func is node
            and getattr(node, "attr", None) in _CHANGERS) else None
        while isinstance(root, (ast.Subscript, ast.Attribute)):  # w[0] = v, w.append(v): changed in place
            root = root.value
        if isinstance(root, ast.Name) and not nested:
            changed.setdefault(root.id, []).append(root)
        inner = loops + (node,) if isinstance(node, (ast.For, ast.While)) else loops
        for field, value in ast.iter_fields(node):
            for child in (value if isinstance(value, list) else [value]):
                if not isinstance(child, ast.AST):
                    continue
                here = inner if field in ("body", "orelse", "test") and inner is not loops else loops
                if isinstance(child, ast.comprehension):  # its first iterable runs in this scope
                    stack.append((child.iter, loops, child, nested or child is not node.generators[0]))
                    stack += [(c, loops, child, True) for c in [child.target, *child.ifs]]
                    continue
                stack.append((child, here, node, nested or isinstance(node, _SCOPES) and node is not fdef))
    for name, made_at in made.items():
        top = [s for s in fdef.body if isinstance(s, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in s.targets)]  # each rebinds it wherever it was made

        def part(node: ast.AST) -> int:  # the stretch between two such assignments that node runs in (one starts it)
            return sum((s.lineno, s.col_offset) == (node.lineno, node.col_offset) or (
                s.end_lineno, s.end_col_offset) <= (node.lineno, node.col_offset) for s in top)
        seen = sorted(reads.get(name, []), key=lambda r: (r[0].lineno, r[0].col_offset))
        for at, _ in made_at:
            _late(at, [r[0] for r in seen], written, changed, where)
        for k, (node, loops, parent, nested) in enumerate(seen):
            node, parent = _chosen(node, parent, parents)
            stores = [around for at, around in made_at if part(at) == part(node)]
            if not stores:
                continue  # no iterator is made in its stretch: a value assigned at the top level before it
            k = sum(part(r[0]) == part(node) for r in seen[:k])
            again = [s for s in stores if not set(loops) <= set(s)]
            alias = isinstance(parent, ast.Assign) and parent.value is node and any(
                isinstance(t, ast.Name) for t in parent.targets)  # h = g (a, b = g reads it)
            if k or nested or again or alias or _escapes(node, parent, resolve) or _held(node, parent):
                why = ("read a second time" if k else "read in a nested function" if nested else
                       "read in a loop its assignment is outside of (each pass reads it again)" if again else
                       "passed on or held (SCT cannot see it used once)")
                raise where.refuse(f"the iterator {name} (a generator expression, map or zip), {why}: Python's is "
                                   "used up by its first loop, SCT makes a list of its items", node,
                                   f"make it a list where it is made ({name} = list(...)), or write the "
                                   "generator where it is used")


def _late(at: ast.Assign, seen: list, written: dict, changed: dict, where) -> None:
    """Refuse where a variable that the iterator made at ``at`` reads as it runs (its element, its conditions, a
    lambda's body: Python's generator is lazy) is assigned, or one it reads at all (the array it runs over) is
    changed in place, between ``at`` and its first read after it: SCT makes the list where the iterator is made,
    so it read the old value (2x of k = 1.0 where Python reads k = 2.0)."""
    after = (at.end_lineno, at.end_col_offset)
    used = next(((r.lineno, r.col_offset) for r in seen if (r.lineno, r.col_offset) >= after), None)
    lazy = _lazy(at.value)
    for name in {n.id for n in ast.walk(at.value) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}:
        for w in changed.get(name, []) + (written.get(name, []) if name in lazy else []):
            if used is not None and after <= (w.lineno, w.col_offset) < used:
                raise where.refuse(f"{name} assigned or changed while the iterator {at.targets[0].id} made before it "
                                   f"is not yet used: Python's reads {name} as it runs, SCT makes the list of its "
                                   "items where it is made", w, "use the iterator before assigning the variable again, "
                                   "or make it a list where it is made")


def _lazy(node: ast.AST) -> set[str]:
    """The names an iterator expression reads as it runs, not where it is made."""
    if isinstance(node, ast.GeneratorExp):
        bound = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        later = [node.elt, *node.generators[0].ifs, *node.generators[1:]]
        return _lazy(node.generators[0].iter) | ({n.id for part in later for n in ast.walk(part)
                                                   if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound)
    if isinstance(node, ast.Lambda):
        params = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        return {n.id for n in ast.walk(node.body) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - params
    return set().union(*(_lazy(c) for c in ast.iter_child_nodes(node)))


def _chosen(node: ast.expr, parent: ast.AST, parents: dict) -> tuple[ast.expr, ast.AST]:
    """The choice ``node`` is a branch of (``g if c else h``, also nested; one branch runs and its value is the
    choice's), and where that choice's value goes; ``node`` and ``parent`` where it is no branch."""
    while isinstance(parent, ast.IfExp) and node is not parent.test:
        node, parent = parent, parents[id(parent)]
    return node, parent


def _held(node: ast.expr, parent: ast.AST) -> bool:
    """Whether the iterator ``node`` is put where another name or a second read may reach it: an item of a tuple,
    list, set or dict display (``pair = (g, 1)``), a choice's test, several targets (``g = h =``); a choice's
    branch is read as the choice is (:func:`_chosen`)."""
    if isinstance(parent, ast.Assign):
        return len(parent.targets) > 1
    return isinstance(parent, (ast.Tuple, ast.List, ast.Set, ast.Dict, ast.IfExp, ast.BoolOp, ast.NamedExpr))


def _escapes(node: ast.expr, parent: ast.AST, resolve: Callable[[str], object]) -> bool:
    """Whether the iterator ``node`` is passed on where SCT cannot see it used once: returned, or an argument
    of a function of the user's (a local's, or one SCT knows nothing of; not Python's or NumPy's)."""
    if isinstance(parent, ast.Return):
        return True
    if not isinstance(parent, ast.Call) or node not in parent.args or parent.func is node:
        return False
    fn = resolve(parent.func.id) if isinstance(parent.func, ast.Name) else None
    if fn is None or fn is False or not callable(fn):
        return not isinstance(parent.func, ast.Attribute)  # a local's, an unknown; a method (", ".join(g))
    return isinstance(fn, types.FunctionType) and not (
        fn.__module__ or "").startswith(("adcompare", "numpy", "jax", "functools", "builtins"))


def as_generator(node: ast.Call, resolve: Callable, bind: Callable) -> ast.GeneratorExp | None:
    """``map(f, xs, ys)`` as ``(f(x, y) for x, y in zip(xs, ys))``, ``zip(xs, ys)`` (not a loop's, which
    .for_targets reads by index) as ``((x, y) for x, y in zip(xs, ys))``, or None: what SCT makes a list of."""
    fn = resolve(node.func)
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args) \
            or not (fn is builtins.map and len(node.args) >= 2 or fn is builtins.zip and node.args):
        return None
    seqs = node.args[1:] if fn is builtins.map else node.args
    names = [f"_sct_m{next(_serial)}" for _ in seqs]
    target = ast.Name(names[0], ast.Store()) if len(names) == 1 and fn is builtins.map else \
        ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())
    it = seqs[0] if len(names) == 1 and fn is builtins.map else ast.Call(
        for_targets.builtin("zip", resolve, bind), seqs, [])
    loaded = [ast.Name(n, ast.Load()) for n in names]
    elt = ast.Call(node.args[0], loaded, []) if fn is builtins.map else ast.Tuple(loaded, ast.Load())
    return ast.GeneratorExp(elt, [ast.comprehension(target, it, [], 0)])


FIRST = "_sct_iterable"  # the lifted comprehension's parameter for its first iterable, where that runs outside


def first_iterable_outside(node: ast.expr) -> ast.expr | None:
    """Python runs a comprehension's first iterable in the enclosing scope: ``sum(x * x for x in [x[0], x[1]])``
    reads the outer ``x`` there. Where it reads a name one of the comprehension's targets binds (so that, lifted
    into a function, it would read the unbound inner name), it is replaced in ``node`` by the parameter
    :data:`FIRST` and returned, for the call to pass; None (``node`` as it is) otherwise."""
    first = node.generators[0]
    bound = {n.id for gen in node.generators for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
    if not any(isinstance(n, ast.Name) and n.id in bound for n in ast.walk(first.iter)):
        return None
    outside, first.iter = first.iter, ast.copy_location(ast.Name(FIRST, ast.Load()), first.iter)
    return outside
