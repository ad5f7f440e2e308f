"""Where a run-time error in generated code comes from: the user's file and line.

Contract: the emitters stamp each generated statement with the user's line it comes
from (:func:`stamp`); :func:`record` (called by codegen once it has the text) keeps,
for each generated file, the user line of every generated line. :func:`note` adds to
an exception raised while generated code ran one note naming the user's function,
file and line (and the statement written there) of the innermost generated frame it
passed through whose user file is a file (else the innermost), and that frame's
generated file and line. A generated line with no
stamp takes the line of the statement around it; a file with no table (or a line
outside it) is named by the function's first line. A frame of code in adcompare's own files (a
builtin SCT transforms as Python, :mod:`.front.builtin_source`) gives way to the user's frame that
called it; the innermost frame of user code run as written (a custom rule's bwd) is named after it, and an
error that passed through no generated code is noted by :func:`adcompare.concrete.locate`.
Code generated from generated code (a second derivative) is named by the first user's
line. The engine's entry points call :func:`note`; the type of the exception is unchanged, and so is its message,
but an ``IndexError``'s (a position out of range), which names the user's file and line as Python's own
text followed by ``(at file:line (in function))``, as SCT's list writes do (python_checks.list_position).
"""

from __future__ import annotations

import ast
import functools
import linecache
import sys
from collections.abc import Callable

from adcompare import concrete
from adcompare.engines.sct.errors import SCTError, internal_file

_STAMP = "sct_line"
_PREFIX = concrete.NOTES[1]

# generated file -> (user function, user file, its first line, {generated line: user line})
FILES: dict[str, tuple[str, str, int, dict[int, int]]] = {}


def stamp(stmts: list[ast.stmt], line: int) -> list[ast.stmt]:
    """Stamps the statements of ``stmts`` that have no user line yet with ``line``."""
    for s in stmts:
        if getattr(s, _STAMP, None) is None:
            setattr(s, _STAMP, line)
    return stmts


def record(filename: str, made: list[ast.stmt], parsed: list[ast.stmt], is_comment: Callable,
           origin: tuple[str, str, int]) -> None:
    """Keeps the user line of each line of ``filename``: ``made`` are the stamped definitions,
    ``parsed`` the same definitions parsed back from the text (comments are gone there)."""
    table: dict[int, int] = {}
    _walk(made, parsed, None, table, is_comment)
    function, user_file, first = origin
    if user_file in FILES:  # generated code transformed again: the first user's lines
        function, user_file, first, lines = FILES[user_file]
        table = {k: lines.get(v, first) for k, v in table.items()}
    FILES[filename] = (function, user_file, first, table)


def _walk(made: list, parsed: list, around: int | None, table: dict[int, int], is_comment: Callable) -> None:
    made = [s for s in made if not is_comment(s)]
    if len(made) != len(parsed):
        return  # not the same statements: leave these lines to the statement around them
    for m, p in zip(made, parsed):
        line = getattr(m, _STAMP, None) or around
        blocks = [(getattr(m, f, None), getattr(p, f, None)) for f in ("body", "orelse", "finalbody")]
        blocks = [(a, b) for a, b in blocks if isinstance(a, list) and isinstance(b, list)]
        if line is not None:
            last = p.lineno if blocks else (p.end_lineno or p.lineno)
            table.update((k, line) for k in range(p.lineno, last + 1))
        for a, b in blocks:
            _walk(a, b, line, table, is_comment)


def note(exc: BaseException) -> None:
    """Adds the user's place to ``exc`` if it passed through generated code (once), and the user's innermost
    frame where that is code run as written (a custom rule); with no generated code, :func:`.concrete.locate`."""
    if any(str(n).startswith(concrete.NOTES) for n in getattr(exc, "__notes__", ())):
        return
    frames, tb, depth, as_written = [], exc.__traceback__, 0, (-1, "")
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in FILES:
            frames.append((code.co_filename, tb.tb_lineno, depth))
        elif concrete.user_file(code.co_filename):  # user code run as it is (a custom rule, a callee)
            as_written = (depth, f"{code.co_filename}:{tb.tb_lineno} (in {code.co_name})")
        tb, depth = tb.tb_next, depth + 1
    if not frames:  # no generated code: the user's innermost frame
        if not isinstance(exc, SCTError):
            concrete.locate(exc)
        return
    # the innermost frame of code written in a file (not of a program the engine wrote itself), the user's
    # before adcompare's own (builtin_source's max is transformed as the user's call of it, which names it)
    written = [f for f in frames if not FILES[f[0]][1].startswith("<")]
    users = [f for f in written if not internal_file(FILES[f[0]][1])]
    filename, generated, depth = (users or written or frames)[-1]
    inner = f"\n  (raised in the user's code at {as_written[1]})" if as_written[0] > depth else ""
    function, user_file, first, table = FILES[filename]
    line = table.get(generated)
    if line is None:
        where = f"{function!r} (defined at {user_file}, line {first})"
    else:
        text = linecache.getline(user_file, line).strip()
        where = f"{function!r}, {user_file}, line {line}" + (f": {text}" if text else "")
    concrete.add_note(exc, f"{_PREFIX}{where}\n  (generated code: {filename}, line {generated}){inner}")
    if type(exc) is IndexError and len(exc.args) == 1 and isinstance(exc.args[0], str) and " (at " not in exc.args[0]:
        # a position out of range (``xs[5]`` of a list of two) is the user's mistake: its text names the line
        exc.args = (f"{exc.args[0]} (at {user_file}:{line or first} (in {function}))",)


def noting(fn: Callable) -> Callable:
    """``fn``, noting (:func:`note`) what it raises."""
    @functools.wraps(fn)
    def noted(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            note(exc)
            raise

    return noted


def caller(where: tuple[str, str, int]) -> tuple[str, str, int]:
    """The user's function, file and line that the generated code running now comes from, else ``where``
    (for a refusal met while generated code runs: a callee known only then)."""
    frame = sys._getframe()
    while frame is not None:
        function, user_file, first, table = FILES.get(frame.f_code.co_filename, (0, "<", 0, 0))
        if not internal_file(user_file):
            return function, user_file, table.get(frame.f_lineno, first)
        frame = frame.f_back
    return where
