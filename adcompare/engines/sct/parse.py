"""Parse: a Python function in, its ``ast`` and its resolved names out.

Contract: :func:`parse` takes a plain Python function and returns a
:class:`Parsed` holding the ``ast.FunctionDef``, the file and line it came
from, and the set of its local names. It raises :class:`SCTError` for
anything without readable source (builtins, ``lambda``, code made by
``exec``) and, through :mod:`fence`, for unsupported syntax. Names the
function reads but never assigns are resolved now, through its closure, its
globals and the builtins: they are read-only for the generated code.
:func:`classify` recognizes the vocabulary by object identity, so any alias
works (``import adcompare.numpy as np``).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import textwrap
import types
from dataclasses import dataclass
from typing import Any

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.engines.sct import fence
from adcompare.engines.sct.errors import SCTError, Where

_MISSING = object()


@dataclass(frozen=True)
class Vocab:
    """What a called object is to the transformation.

    kind: ``"op"`` (a primitive, differentiated by the rule table),
    ``"constant"`` (makes a constant from anything: ``len``, ``anp.zeros``,
    ``anp.shape``) or ``"nondiff"`` (``int``, ``min``, ... : allowed on
    values that are not differentiated, refused on those that are).
    """

    kind: str
    prim: p.Primitive | None = None
    operands: tuple[str, ...] | None = None  # a wrapper's operand parameters; None: all positionals
    seq: str | None = None  # the parameter holding a sequence of operands (stack, concatenate)


_VOCAB: dict[Any, Vocab] = {
    anp.sum: Vocab("op", p.sum_p, ("x",)),
    anp.mean: Vocab("op", p.mean_p, ("x",)),
    anp.max: Vocab("op", p.max_p, ("x",)),
    anp.logsumexp: Vocab("op", p.logsumexp_p, ("x",)),
    anp.transpose: Vocab("op", p.transpose_p, ("x",)),
    anp.reshape: Vocab("op", p.reshape_p, ("x",)),
    anp.broadcast_to: Vocab("op", p.broadcast_to_p, ("x",)),
    anp.getitem: Vocab("op", p.getitem_p, ("x",)),
    anp.where: Vocab("op", p.where_p, ("condition", "x", "y")),
    anp.concatenate: Vocab("op", p.concatenate_p, (), seq="arrays"),
    anp.stack: Vocab("op", p.stack_p, (), seq="arrays"),
    builtins.abs: Vocab("op", p.abs_p),
    builtins.len: Vocab("constant"),
    builtins.isinstance: Vocab("constant"),
}
for _f in (anp.shape, anp.ndim, anp.sign, anp.zeros, anp.ones, anp.zeros_like, anp.ones_like):
    _VOCAB[_f] = Vocab("constant")
for _f in (builtins.range, builtins.int, builtins.float, builtins.bool, builtins.min, builtins.max,
           builtins.round):
    _VOCAB[_f] = Vocab("nondiff")

# Array methods users write on active values, as vocabulary functions.
METHODS = {"sum": anp.sum, "mean": anp.mean, "max": anp.max, "reshape": anp.reshape}
CONSTANT_ATTRIBUTES = {"shape", "ndim", "size", "dtype"}


def classify(obj: Any) -> Vocab | None:
    """The vocabulary entry of a called object, or None for anything else."""
    if isinstance(obj, p.Primitive):
        return Vocab("op", obj)
    try:
        return _VOCAB.get(obj)
    except TypeError:  # unhashable
        return None


def is_user_function(obj: Any) -> bool:
    """A plain Python function the engine may transform (it has a code object)."""
    return isinstance(obj, types.FunctionType)


def has_source(fn: Any) -> bool:
    try:
        inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return False
    return True


@dataclass
class Parsed:
    fn: types.FunctionType
    tree: ast.FunctionDef
    where: Where
    locals: set[str]
    params: list[str]

    def lookup(self, name: str) -> Any:
        """A non-local name's value now: closure, then globals, then builtins."""
        code = self.fn.__code__
        if name in code.co_freevars:
            cell = self.fn.__closure__[code.co_freevars.index(name)]
            try:
                return cell.cell_contents
            except ValueError:
                return _MISSING
        if name in self.fn.__globals__:
            return self.fn.__globals__[name]
        return getattr(builtins, name, _MISSING)

    def resolve(self, node: ast.expr) -> Any:
        """The object a ``Name`` or module attribute chain (``anp.sin``) names, or _MISSING."""
        if isinstance(node, ast.Name):
            return _MISSING if node.id in self.locals else self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if base is _MISSING:
                return _MISSING
            return getattr(base, node.attr, _MISSING)
        return _MISSING


MISSING = _MISSING


def parse(fn: Any) -> Parsed:
    """Read ``fn``'s source and check it with :mod:`fence`."""
    name = getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn)))
    code = getattr(fn, "__code__", None)
    filename = code.co_filename if code else "<unknown>"
    line = code.co_firstlineno if code else 0
    if not isinstance(fn, types.FunctionType):
        raise SCTError(f"differentiating {type(fn).__name__} objects", name, filename, line,
                       "the SCT engine transforms plain Python functions (def); wrap this "
                       "callable in one")
    if fn.__name__ == "<lambda>":
        raise SCTError("lambda", name, filename, line, "write the function with def")
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise SCTError("a function without source code", name, filename, line,
                       "SCT reads the function's source; define it in a file (not with exec "
                       f"or in a REPL) ({exc})") from None
    tree = ast.parse(textwrap.dedent("".join(lines)))
    where = Where(name, filename, first)
    node = tree.body[0]
    if isinstance(node, ast.AsyncFunctionDef):
        raise where.refuse("async def", node, "write a plain def")
    if not isinstance(node, ast.FunctionDef):
        raise where.refuse("a function defined by an expression", node, "write the function with def")
    params = [a.arg for a in node.args.posonlyargs + node.args.args]
    code_params = list(fn.__code__.co_varnames[:fn.__code__.co_argcount])
    if node.name != fn.__code__.co_name or params != code_params:
        raise where.refuse("source that does not match the running function", node,
                           "the file changed after it was imported; reload the module")
    fence.check(node, where)
    locals_ = set(params) | fence.assigned_names(node)
    return Parsed(fn, node, where, locals_, params)
