"""``ast`` tools every stage uses: copies and walks without recursion.

Contract: :func:`copy_tree` is ``copy.deepcopy`` for ``ast`` trees, iterative
and faster; :func:`walk`, :func:`children`, :func:`statements`, :func:`names`
and :func:`height` read a tree without recursion, leaving out the field-less
markers (``Load``, ``Add``, ...), so that trees thousands of levels deep are safe;
:func:`check_reads` is an internal check of generated functions.
"""

from __future__ import annotations

import ast


def copy_tree(node):
    """A deep copy of an ``ast`` node (or a list of nodes), without recursion."""
    if isinstance(node, list):
        return [copy_tree(n) for n in node]
    root = _shallow(node)
    todo = [root]
    while todo:
        fields = todo.pop().__dict__
        for name, value in fields.items():  # values are replaced, keys stay: safe while iterating
            if isinstance(value, ast.AST):
                if not isinstance(value, _SHARED):
                    fields[name] = child = _shallow(value)
                    todo.append(child)
            elif type(value) is list:
                fields[name] = items = [_shallow(v) if isinstance(v, ast.AST) and not isinstance(v, _SHARED)
                                        else v for v in value]
                todo.extend(v for v in items if isinstance(v, ast.AST) and not isinstance(v, _SHARED))
    return root


# markers without fields (Load, Add, ...): the parser itself shares one of each
_SHARED = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def _shallow(node: ast.AST) -> ast.AST:
    new = node.__class__.__new__(node.__class__)
    new.__dict__.update(node.__dict__)
    return new


def height(node: ast.AST) -> int:
    """The depth of the deepest chain of nodes under ``node`` (a leaf has height 1)."""
    heights: dict[int, int] = {}
    todo: list[tuple[ast.AST, bool]] = [(node, False)]
    while todo:
        n, done = todo.pop()
        kids = children(n)
        if done:
            heights[id(n)] = 1 + max((heights[id(k)] for k in kids), default=0)  # kids may be shared
        else:
            todo.append((n, True))
            todo.extend((k, False) for k in kids)
    return heights[id(node)]


def walk(node: ast.AST):
    """The nodes under ``node`` (itself included), as ``ast.walk`` but faster, markers left out."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        todo += children(n)


def fix_locations(node: ast.AST, place: tuple = (1, 0, 1, 0)) -> ast.AST:
    """:func:`ast.fix_missing_locations` without its recursion (a long expression, hundreds of nested
    operations, would exceed Python's limit): a node missing a place takes its parent's (``place`` at the top)."""
    fields = ("lineno", "col_offset", "end_lineno", "end_col_offset")
    todo = [(node, place)]
    while todo:
        n, place = todo.pop()
        if "lineno" in n._attributes:
            place = tuple(p if getattr(n, f, None) is None else getattr(n, f) for f, p in zip(fields, place))
            for f, p in zip(fields, place):
                setattr(n, f, p)
        todo.extend((child, place) for child in ast.iter_child_nodes(n))
    return node


def statements(block: list):
    """Every statement of ``block``, those in nested blocks (if, for, while; try and match, which code SCT
    refuses to transform may hold where only its writes are read: see front.aliases) included."""
    todo = list(reversed(block))
    while todo:
        s = todo.pop()
        yield s
        todo += reversed(getattr(s, "finalbody", []))
        for part in reversed(getattr(s, "handlers", []) + getattr(s, "cases", [])):
            todo += reversed(part.body)
        todo += reversed(getattr(s, "orelse", []))
        todo += reversed(getattr(s, "body", []))


def names(node: ast.AST | None) -> set[str]:
    """The identifiers of the ``Name`` nodes under ``node``."""
    if node is None:
        return set()
    return {n.id for n in walk(node) if type(n) is ast.Name}


def children(node: ast.AST) -> list:
    """The child nodes of ``node``, markers without fields (Load, Add, ...) left out."""
    out = []
    fields = node.__dict__
    for name in node._fields:
        value = fields.get(name)
        if type(value) is list:
            out += [v for v in value if isinstance(v, ast.AST)]
        elif isinstance(value, ast.AST) and not isinstance(value, _SHARED):
            out.append(value)
    return out


def index_value(index: ast.expr, slice_name: str = "slice") -> ast.expr:
    """A subscript as a value: ``x[1:, j]`` indexes with ``(slice(1, None), j)``."""
    if isinstance(index, ast.Slice):
        parts = [index.lower, index.upper, index.step]
        return ast.Call(ast.Name(slice_name, ast.Load()), [ast.Constant(None) if p is None else p for p in parts], [])
    if isinstance(index, ast.Tuple):
        return ast.Tuple([index_value(e, slice_name) for e in index.elts], ast.Load())
    return index


def check_reads(defs: list[ast.FunctionDef], user_locals: set[str], cells: set[str]) -> None:
    """A generated function reads a variable of the user's function only after setting it
    (else the name would fall through to a global of the same name): an internal check."""
    for d in defs:
        stored = {a.arg for a in ast.walk(d.args) if isinstance(a, ast.arg)}
        loaded = set()
        for n in ast.walk(d):
            if isinstance(n, ast.Name):
                (loaded if isinstance(n.ctx, ast.Load) else stored).add(n.id)
        stray = (loaded - stored - cells) & user_locals
        if stray:
            raise AssertionError(f"SCT internal error: {d.name} reads {sorted(stray)} and never sets them")
