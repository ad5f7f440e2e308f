"""SCTError: what the source transformation refuses, and where.

Contract: a refusal is raised while transforming, before any user code runs. Its
message names the construct, the function, the file and the line, and gives a
hint for rewriting the code. The attributes carry the same facts for tests.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field

from adcompare.concrete import a_type  # noqa: F401  (the refusals' article, written once for every layer)

_PACKAGE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # adcompare/


class SCTError(NotImplementedError):
    """A construct the SCT engine does not differentiate (it refuses rather than guess)."""

    def __init__(self, construct: str, function: str, filename: str, line: int, hint: str):
        self.construct, self.function, self.filename, self.line, self.hint = (
            construct, function, filename, line, hint)
        super().__init__(
            f"{construct}: not supported by the SCT engine\n"
            f"  in function {function!r}, {filename}, line {line}\n"
            f"  hint: {hint}")

    lifted = False  # met in a user's nested def or comprehension SCT lifted out of its function (its own text)

    @property
    def internal(self) -> bool:
        """Met in SCT's own generated code, a rule or the library, not in the user's code as written."""
        return self.lifted or internal_file(self.filename)


def internal_file(filename: str) -> bool:
    """A program SCT wrote (``<sct ...>``) or a file of adcompare itself, not the user's."""
    return filename.startswith("<") or os.path.abspath(filename).startswith(_PACKAGE + os.sep)


# the file of a nested function SCT lifted out of the user's -> (the user's function, file, {its line: the user's})
LIFTED: dict[str, tuple[str, str, dict[int, int]]] = {}


@dataclass(frozen=True)
class Where:
    """A function's place in its file: turns a parsed node into a file line."""

    function: str
    filename: str
    first_line: int  # the file line of the first line of the parsed source
    lines: dict[int, int] | None = field(default=None, compare=False)  # a lifted function's file lines -> the user's
    lifted: bool = False  # (then function and file are the user's, and lines maps the lifted text's lines)

    @classmethod
    def of(cls, function: str, filename: str, first_line: int) -> Where:
        """The place of a function whose source starts at ``first_line`` of ``filename``; for a nested function
        SCT lifted out of the user's (its file in :data:`LIFTED`), the user's function, file and lines."""
        if filename not in LIFTED:
            return cls(function, filename, first_line)
        function, filename, table = LIFTED[filename]
        return cls(function, filename, first_line, table, lifted=True)

    def line(self, node: ast.AST | int | None) -> int:
        if isinstance(node, int):
            return node
        lineno = self.first_line + (getattr(node, "lineno", 1) if node is not None else 1) - 1
        if self.lines is None:
            return lineno
        return self.lines.get(lineno, min(self.lines.values(), default=lineno))

    def refuse(self, construct: str, node: ast.AST | int | None, hint: str) -> SCTError:
        err = SCTError(construct, self.function, self.filename, self.line(node), hint)
        err.lifted = self.lifted
        return err
