"""The user's lines of a nested function SCT lifted out of the user's function and wrote as source again.

Contract: :func:`stamp` marks each statement of a lifted ``def`` (a nested def, a lambda, a comprehension's
loop) with the user's file line it came from, and the ``def`` with the user's function and file; :func:`cache`
puts the source written from it into ``linecache`` and, for a stamped ``def``, records in
:data:`..errors.LIFTED` the user's line of each line of that source, so that a refusal met when the lifted
function is transformed (:meth:`..errors.Where.of`) names the user's function, file and line, not the
generated file's.
"""

from __future__ import annotations

import ast
import linecache

from adcompare.engines.sct.errors import LIFTED, Where

_LINE, _USER = "sct_user_line", "sct_user"


def stamp(fdef: ast.FunctionDef, where: Where, name: str, around: ast.AST) -> ast.FunctionDef:
    """Marks ``fdef`` (lifted from ``around`` in ``where``'s function, named ``name`` there) with the user's
    lines: a statement the lifting wrote (it has no line) takes ``around``'s."""
    for node in ast.walk(fdef):
        if isinstance(node, ast.stmt) and not hasattr(node, _LINE):
            setattr(node, _LINE, where.line(node if hasattr(node, "lineno") else around))
    setattr(fdef, _USER, (f"{where.function}.<locals>.{name}", where.filename))
    return fdef


def cache(filename: str, text: str, fdef: ast.FunctionDef) -> None:
    """``text`` (which defines ``fdef``) as ``filename``'s source, and its user's lines if ``fdef`` is stamped."""
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    user = getattr(fdef, _USER, None)
    if user is None:
        return
    written = next((n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.FunctionDef) and n.name == fdef.name),
                   None)
    table: dict[int, int] = {}
    if written is not None:
        _match([fdef], [written], table)
    LIFTED[filename] = (*user, table)


def _match(made: list, written: list, table: dict[int, int]) -> None:
    """Each line of the ``written`` statements to the user's line of the ``made`` one it is (the same statements,
    block by block; where the blocks differ, their lines stay with the statement around them)."""
    if len(made) != len(written):
        return
    for m, w in zip(made, written):
        line = getattr(m, _LINE, None)
        if line is not None:
            table.update((k, line) for k in range(w.lineno, (w.end_lineno or w.lineno) + 1))
        for block in ("body", "orelse", "finalbody", "handlers"):
            a, b = getattr(m, block, None), getattr(w, block, None)
            if isinstance(a, list) and isinstance(b, list):
                _match(a, b, table)
