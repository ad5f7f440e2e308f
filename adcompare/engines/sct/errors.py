"""SCTError: what the source transformation refuses, and where.

Contract: a refusal is raised while transforming, before any user code runs. Its
message names the construct, the function, the file and the line, and gives a
hint for rewriting the code. The attributes carry the same facts for tests.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

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

    lifted = False  # met in a user's nested def or comprehension SCT lifted out of its function (still its own text)

    @property
    def internal(self) -> bool:
        """Met in SCT's own generated code, a rule or the library, not in the user's code as written."""
        return self.lifted or internal_file(self.filename)


def internal_file(filename: str) -> bool:
    """A program SCT wrote (``<sct ...>``) or a file of adcompare itself, not the user's."""
    return filename.startswith("<") or os.path.abspath(filename).startswith(_PACKAGE + os.sep)


# SCT's text of a user's nested def or comprehension, lifted out of its function (front/closure_values.define):
# its file -> (the user's function, the user's file, {line of the text: the user's line})
LIFTED: dict[str, tuple[str, str, dict[int, int]]] = {}


def lift(filename: str, fdef: ast.FunctionDef, text: str, function: str, user_file: str,
         line_of: Callable[[ast.AST], int]) -> None:
    """Keeps the user's place of each line of ``text`` (holding ``fdef`` unparsed, as the second line): its
    nodes, parsed back, are ``fdef``'s in the same order, and ``line_of`` gives the user's line of one."""
    table: dict[int, int] = {}
    for made, parsed in zip(ast.walk(fdef), ast.walk(ast.parse(text).body[0].body[0])):
        if type(made) is not type(parsed):
            break  # (the text is the same code: never met)
        if hasattr(made, "lineno") and hasattr(parsed, "lineno"):
            table.setdefault(parsed.lineno, line_of(made))
    LIFTED[filename] = (function, user_file, table)


@dataclass(frozen=True)
class Where:
    """A function's place in its file: turns a parsed node into a file line."""

    function: str
    filename: str
    first_line: int  # the file line of the first line of the parsed source
    lines: Mapping[int, int] | None = field(default=None, compare=False)  # lifted code: the user's lines
    lifted: bool = False  # (the function and file are then the user's, and lines maps the text's lines)

    def at(self, lineno: int) -> int:
        """The file line (the user's, for lifted code) of line ``lineno`` of the parsed source."""
        line = self.first_line + lineno - 1
        return line if self.lines is None else self.lines.get(line, self.lines.get(self.first_line, line))

    def line(self, node: ast.AST | int | None) -> int:
        if isinstance(node, int):
            return node
        return self.at(getattr(node, "lineno", 1) if node is not None else 1)

    def refuse(self, construct: str, node: ast.AST | int | None, hint: str) -> SCTError:
        err = SCTError(construct, self.function, self.filename, self.line(node), hint)
        err.lifted = self.lifted
        return err
