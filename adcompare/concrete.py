"""An active value never silently becomes a constant.

Turning a value that is being differentiated into a plain Python number or a
NumPy array (``float(x)``, ``math.sin(x)``, ``int(x)``, ``np.asarray(x)``,
``np.array([x, y])``, writing ``x`` into a NumPy array, ``np.sum(x)``) would
drop its derivative without a word. JAX refuses these on a tracer with a
``ConcretizationTypeError``; so do adcompare's boxes, with
:class:`ConcretizationTypeError`, whose message names the operation, the
vocabulary call to use instead, and the user's file and line (the innermost
frame outside adcompare's machinery, NumPy, JAX and the standard library).

This module knows nothing of engines: :class:`adcompare.primitives.Box` calls
:func:`refuse` from its conversion methods.
"""

from __future__ import annotations

import linecache
import os
import sys
import sysconfig
from typing import Any

import numpy as np


class ConcretizationTypeError(TypeError):
    """An active (differentiated) value was used where a constant is required."""


_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_USER_CODE_INSIDE = (os.path.join(_PACKAGE, "workloads") + os.sep,)  # adcompare's own user-level code
_LIBRARIES = tuple(
    os.path.dirname(os.path.abspath(m.__file__)) + os.sep
    for m in (np, sys.modules.get("jax"), sys.modules.get("jaxlib"))
    if m is not None and getattr(m, "__file__", None)
) + tuple({os.path.abspath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib")})


def _is_machinery(filename: str) -> bool:
    path = os.path.abspath(filename) if not filename.startswith("<") else filename
    if path.startswith(_USER_CODE_INSIDE):
        return False
    return path.startswith(_PACKAGE + os.sep) or path.startswith(_LIBRARIES)


def user_location(skip: int = 1) -> str:
    """``"file:line (in function)"`` of the innermost frame that is the user's code."""
    frame = sys._getframe(skip)
    while frame is not None and _is_machinery(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return "an unknown location"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} (in {frame.f_code.co_name})"


# an initialism's first letter is read by its name: these names open with a vowel sound ("an ndarray", "an SCT...")
_VOWEL_LETTER_NAMES = "aefhilmnorsx"
# two consonants that open English words ("float", "str", "dict"); other pairs are spelled ("ndarray", "dtype")
_ONSETS = {"bl", "br", "ch", "cl", "cr", "dr", "dw", "fl", "fr", "gl", "gn", "gr", "kn", "ph", "pl", "pr", "ps", "sc",
           "sh", "sk", "sl", "sm", "sn", "sp", "sq", "st", "sw", "th", "tr", "tw", "wh", "wr"}
_U_AS_YOU = ("uni", "uint", "use", "usu", "uti", "ufunc", "uuid", "ura")  # "a uint8", "a UserDict"


def article(name: str) -> str:
    """``name`` (a type's, as a refusal writes it) with the article its sound takes: "a dict", "an int",
    "an OrderedDict", "an ndarray" (spelled: en-dee-array), "a uint8", "an SCTError", "a NoneType"."""
    word = name.lstrip("_")
    low = word.lower()
    spelled = len(word) > 1 and (word[:2].isupper() and word[:2].isalpha() or
                                 low[0] not in "aeiouy" and low[1] not in "aeiouy" and low[:2] not in _ONSETS)
    if not low:
        vowel = False
    elif spelled or not low[0].isalpha():
        vowel = low[0] in _VOWEL_LETTER_NAMES
    elif low[0] == "u":
        vowel = not low.startswith(_U_AS_YOU)
    else:
        vowel = low[0] in "aeio" and not low.startswith(("one", "once", "eu"))
    return ("an " if vowel else "a ") + name


def a_type(x: Any) -> str:
    """``x``'s type name with its article, for a refusal's text: "a dict", "an OrderedDict", "an ndarray"."""
    return article(type(x).__name__)


def refuse(operation: str, instead: str) -> ConcretizationTypeError:
    """The error for ``operation`` on an active value, pointing at the user's line.

    Args:
        operation: what was attempted, e.g. ``"float()"``.
        instead: what to write instead, e.g. ``"anp.sin(x) in place of math.sin(x)"``.
    """
    return ConcretizationTypeError(
        f"{operation} of an active value (one being differentiated) at {user_location(2)}: "
        f"it would become a constant and its derivative would be silently lost. "
        f"Use {instead}.")


def describe_function(func: Any) -> str:
    """``np.sum`` for NumPy's ``sum``: the name a user wrote."""
    module = getattr(func, "__module__", "") or ""
    name = getattr(func, "__name__", repr(func))
    return f"np.{name}" if module.startswith("numpy") else f"{module}.{name}"


def check_real(name: str, constants: list) -> None:
    """Refuse a complex constant operand of primitive ``name`` applied to an active value, and one that is no
    number (``None``, a string, an array of objects or strings), whose result would be taken as a constant.

    The rules are written for real values: the derivative through a complex intermediate would be
    cast back to the real input's dtype, silently losing the imaginary part's share.
    """
    for c in constants:
        kind = getattr(getattr(c, "dtype", None), "kind", "")
        if c is None or isinstance(c, (str, bytes)) or kind in ("O", "S", "U"):  # JAX refuses them too
            raise TypeError(f"{name}: an operand that is not a number ({type(c).__name__}"
                            f"{' of dtype ' + str(c.dtype) if kind else ''}) meets a differentiated value at "
                            f"{user_location(2)}: it has no derivative; use a number (nan, 0.0) instead")
        if type(c) is complex or kind == "c":
            raise TypeError(f"{name}: a complex operand meets a differentiated value at {user_location(2)}: "
                            f"adcompare differentiates real-valued computations only (its derivative would "
                            f"silently lose the imaginary part); split the value into real and imaginary "
                            f"parts by hand")


def user_file(filename: str) -> bool:
    """A file of the user's code as written: outside the machinery, and not generated (``<...>``)."""
    return not filename.startswith("<") and not _is_machinery(filename)


# the notes that name the user's place: this module's, and SCT's (:mod:`adcompare.engines.sct.located`)
NOTE = "at the user's line "
NOTES = (NOTE, "in the derivative SCT generated from ")


def located(exc: BaseException) -> bool:
    """Does ``exc`` name the user's place already (a refusal's text, or a note of an engine's)?"""
    text = str(exc.args[0]) if len(exc.args) == 1 else ""
    return isinstance(exc, ConcretizationTypeError) or " (at " in text \
        or any(str(n).startswith(NOTES) for n in getattr(exc, "__notes__", ()))


def locate(exc: BaseException) -> None:
    """Name the user's place in an exception that left the user's code run by an engine: the innermost frame of
    its traceback that is the user's (outside adcompare's machinery, NumPy, JAX and the standard library), its
    function, file and line. A plain refusal of adcompare's own (``NotImplementedError``, ``TypeError``: a
    vocabulary call with an option it refuses) gets ``(at file:line (in function))`` in its text, as :func:`refuse`
    writes it; any other exception (NumPy's, Python's, the user's own) keeps its type and text and gets a note.
    Once, whatever the levels it passes; called only in an except clause (nothing on the normal path)."""
    if located(exc):
        return
    frames, tb, ours = [], exc.__traceback__, False
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        ours = name.startswith(_PACKAGE + os.sep) and _is_machinery(name)  # raised by adcompare itself
        if not _is_machinery(name):
            frames.append((name, tb.tb_lineno, tb.tb_frame.f_code.co_name))
        tb = tb.tb_next
    written = [f for f in frames if user_file(f[0])]  # code written in a file (not generated)
    plain = type(exc) in (TypeError, NotImplementedError) and len(exc.args) == 1 and isinstance(exc.args[0], str)
    if ours and plain and (written or frames):
        exc.args = (f"{exc.args[0]} (at {'{}:{} (in {})'.format(*(written or frames)[-1])})",)
    elif written:
        name, line, function = written[-1]
        text = linecache.getline(name, line).strip()
        add_note(exc, f"{NOTE}{name}:{line} (in {function})" + (f": {text}" if text else ""))


def add_note(exc: BaseException, text: str) -> None:
    """``exc.add_note(text)``, unless ``exc`` refuses an attribute set on it (a frozen dataclass's, a class whose
    ``__setattr__`` raises): then it leaves as the user raised it, not replaced by that refusal."""
    try:
        exc.add_note(text)
    except Exception:
        pass
