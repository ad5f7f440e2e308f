"""Parse: a Python function in, its ``ast`` and what its non-local names mean out.

Contract: :func:`parse` takes a plain Python function (a ``def`` or a
``lambda``) and returns a :class:`Parsed` holding an ``ast.FunctionDef`` (a
lambda becomes one), the file and line it came from, its parameters and the
set of its local names. Class-private names are mangled as Python compiled
them. It raises :class:`SCTError` for anything without readable source
(builtins, code made by ``exec`` or typed at a prompt), for ``eval``,
``exec``, ``locals()``, ``globals()``, ``vars()`` and ``compile`` (the
generated code's variables are not the function's) and, through :mod:`.fence`,
for unsupported syntax. Non-local names (closure, globals, builtins) are read
live by the generated code; what the transformation concluded from them (which
function a name calls, whether a value is a Python number) is recorded in
``Parsed.deps`` as a :func:`fingerprint`, so that a cached transformation is
used only while those conclusions still hold. :func:`classify` recognizes the
vocabulary by object identity, so any alias works (``import adcompare.numpy
as np``).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import linecache
import os
import sysconfig
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.engines.sct import located
from adcompare.engines.sct.emit import inplace, runtime, symbolic
from adcompare.engines.sct.errors import SCTError, Where
from adcompare.engines.sct.front import dict_code, fence, sized_code, tree_source, vocab_writes
from adcompare.engines.sct.front.fingerprints import MISSING as _MISSING
from adcompare.engines.sct.front.fingerprints import fingerprint
from adcompare.engines.sct.front.mangle import mangle
from adcompare.engines.sct.front.same_code import same_code
from adcompare.primitives import is_check_only


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
    anp.min: Vocab("op", p.min_p, ("x",)),
    anp.prod: Vocab("op", p.prod_p, ("x",)),
    anp.nan_to_num: Vocab("op", p.nan_to_num_p, ("x",)),
    anp.transpose: Vocab("op", p.transpose_p, ("x",)),
    anp.reshape: Vocab("op", p.reshape_p, ("x",)),
    anp.broadcast_to: Vocab("op", p.broadcast_to_p, ("x",)),
    anp.getitem: Vocab("op", p.getitem_p, ("x",)),
    anp.where: Vocab("op", p.where_p, ("condition", "x", "y")),
    anp.concatenate: Vocab("op", p.concatenate_p, (), seq="arrays"),
    anp.stack: Vocab("op", p.stack_p, (), seq="arrays"),
    anp.asarray: Vocab("op", p.asarray_p, ("a",)),  # a list operand is packed by stack first
    anp.array: Vocab("op", p.asarray_p, ("a",)),
    builtins.abs: Vocab("op", p.abs_p),
    builtins.len: Vocab("constant"),
    builtins.isinstance: Vocab("constant"),
}
for _f in (anp.shape, anp.ndim, anp.size, anp.sign, anp.zeros, anp.ones, anp.zeros_like, anp.ones_like, anp.empty,
           anp.empty_like, anp.tri, anp.floor,
           anp.ceil, anp.floor_divide, anp.round, anp.stop_gradient, anp.imag, anp.isfinite, anp.isnan, anp.isinf,
           anp.isposinf, anp.isneginf, anp.equal, anp.logical_or, anp.logical_and, anp.logical_not, anp.argmax,
           anp.argmin, anp.argsort, *anp.index_constants.FUNCTIONS, anp.argpartition,
           anp.editing._block_dims, anp.editing._partition_order,  # (helpers of constants: a list's depth, an order)
           anp.writes.stand_in, p.primal, p.shape, p.namespace, p.is_float, p.is_complex, p.result_dtype,
           p.inexact_dtype, runtime.integer_index, runtime.check_sequence, runtime.dict_keys, runtime.positional_len,
           runtime.nonempty_len, runtime.list_position, runtime.sort_order, runtime.field_index, runtime.written_keys,
           runtime.sorted_keys, runtime.loop_keys, runtime.same_size, runtime.same_length, runtime.copy_for,
           runtime.traced_isinstance, runtime.traced_type,
           sized_code.dict_of, *tree_source.CONSTANTS,
           sized_code.dict_set, sized_code.spread_call, sized_code.named_replace, *dict_code.MAKERS,
           inplace.check_inplace, inplace.check_view_index, symbolic.is_symbolic_zero):
    _VOCAB[_f] = Vocab("constant")
for _f in (builtins.range, builtins.int, builtins.float, builtins.bool, builtins.min, builtins.max,
           builtins.round, anp.full, anp.eye, anp.identity, anp.arange, anp.linspace, anp.logspace, anp.geomspace,
           runtime.jit_static_argument):
    _VOCAB[_f] = Vocab("nondiff")

# Array methods users write on active values, as vocabulary functions.
METHODS = {"sum": anp.sum, "mean": anp.mean, "max": anp.max, "reshape": anp.reshape, "ravel": anp.ravel,
           "flatten": anp.shapes._flattened, "squeeze": anp.squeeze, "astype": anp.astype}
METHODS.update({name: getattr(anp, name) for name in ("min", "prod", "dot", "clip", "var", "std", "cumsum", "cumprod",
                                                       "swapaxes", "transpose", "conj", "trace", "diagonal",
                                                       "repeat", "take")}, conjugate=anp.conj,
               compress=anp.editing._compress_method)  # (.copy(): see .calls)
CONSTANT_ATTRIBUTES = {"shape", "ndim", "size", "dtype", "nbytes", "itemsize"}
# Methods whose results are indices or truth values of the primal value (constants, as on the overloading
# engine's boxes): called on the primal as written, never differentiated.
CONSTANT_METHODS = {"argmax", "argmin", "argsort", "round", "any", "all", "nonzero", "searchsorted"}


def classify(obj: Any) -> Vocab | None:
    """The vocabulary entry of a called object, or None for anything else."""
    if isinstance(obj, p.Primitive):
        return Vocab("op", obj)
    try:
        return _VOCAB.get(obj)
    except TypeError:  # unhashable
        return None


_LIBRARIES = {"numpy", "scipy", "jax", "jaxlib", "torch", "ml_dtypes", "opt_einsum"}
_STDLIB = os.path.normcase(sysconfig.get_paths()["stdlib"]) + os.sep
# Builtins that read or write a function's variables by name: the generated code has others.
_INTROSPECTION = (builtins.eval, builtins.exec, builtins.locals, builtins.globals, builtins.vars,
                  builtins.compile)


def is_library(fn: types.FunctionType) -> bool:
    """A function of NumPy, JAX, SciPy... or the standard library: called as written, never
    transformed (SCT differentiates user code and the vocabulary, not library internals)."""
    filename = os.path.normcase(os.path.abspath(fn.__code__.co_filename))
    return (getattr(fn, "__module__", None) or "").split(".")[0] in _LIBRARIES or _package(fn) is not None \
        or filename.startswith(_STDLIB) and "site-packages" not in filename


def _package(fn: types.FunctionType) -> str | None:
    """The installed library whose files hold ``fn``'s code (``jax.vmap(f)`` is JAX's, its ``__module__`` f's)."""
    path = os.path.normcase(os.path.abspath(fn.__code__.co_filename)).split(os.sep)
    tops = [path[i + 1] for i in range(len(path) - 1) if path[i] in ("site-packages", "dist-packages")]
    return next((top for top in tops if top in _LIBRARIES), None)


def is_user_function(obj: Any) -> bool:
    """A plain Python function the engine may transform (not one marked ``sct_refused``: anp.vectorize's)."""
    return isinstance(obj, types.FunctionType) and not is_library(obj) and not hasattr(obj, "sct_refused")


def has_source(fn: Any) -> bool:
    try:
        source_lines(fn)
    except (OSError, TypeError, AttributeError):
        return False
    return True


def source_lines(fn: types.FunctionType) -> tuple[list[str], int]:
    """``fn``'s own lines (not ``__wrapped__``'s, as ``functools.wraps`` sets) and its first line number, as
    ``inspect.getsourcelines(fn.__code__)`` reads them, from ``linecache`` (where generated code is registered
    too): without inspect's search of every loaded module for the one whose file holds a code object, which
    it repeats on each call for a file that is no module's (generated code) and that cost more than the rest
    of the transform."""
    code = fn.__code__
    linecache.checkcache(code.co_filename)  # a file edited since it was read is read again
    lines = linecache.getlines(code.co_filename, fn.__globals__)
    first = code.co_firstlineno  # a function's: its def's line, or its first decorator's
    if not lines or first > len(lines):
        raise OSError(f"source code of {code.co_filename} not available")
    return inspect.getblock(lines[first - 1:]), first


def lookup(fn: types.FunctionType, name: str) -> Any:
    """A non-local name's value now, as ``fn`` would read it: closure, then globals, then builtins."""
    code = fn.__code__
    if name in code.co_freevars:
        cell = fn.__closure__[code.co_freevars.index(name)]
        try:
            return cell.cell_contents
        except ValueError:
            return _MISSING
    if name in fn.__globals__:
        return fn.__globals__[name]
    builtins_ = fn.__globals__.get("__builtins__", builtins)
    if isinstance(builtins_, dict):
        return builtins_.get(name, _MISSING)
    return getattr(builtins_, name, _MISSING)


def lookup_path(fn: types.FunctionType, path: str | tuple[str, ...]) -> Any:
    """The object a dotted path (``anp.sin``, or its parts) of non-local names names now, or _MISSING."""
    head, *attrs = path.split(".") if isinstance(path, str) else path
    value = lookup(fn, head)
    for attr in attrs:
        if value is _MISSING:
            break
        value = getattr(value, attr, _MISSING)
    return value


@dataclass
class Parsed:
    fn: types.FunctionType
    tree: ast.FunctionDef
    where: Where
    locals: set[str]
    params: list[str]
    deps: dict[str, tuple] = field(default_factory=dict)  # dotted non-local name -> fingerprint
    extra: dict[str, Any] = field(default_factory=dict)  # names a rewrite added (see .generated), fixed
    generated: bool = False  # SCT's own output (its lists are appended to only before they are returned)

    def lookup(self, name: str) -> Any:
        """A non-local name's value now (recorded: the transformation depends on it)."""
        if name in self.extra:
            return self.extra[name]
        value = lookup(self.fn, name)
        self.deps[name] = fingerprint(value)
        return value

    def resolve(self, node: ast.expr) -> Any:
        """The object a ``Name`` or module attribute chain (``anp.sin``) names, or _MISSING."""
        path = _path(node)
        if path is None or path.split(".")[0] in self.locals:
            return _MISSING
        if path in self.extra:
            return self.extra[path]
        value = lookup_path(self.fn, path)
        self.deps[path] = fingerprint(value)
        return value


def _path(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _path(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


MISSING = _MISSING


def parse(fn: Any, prepare: Callable[[Parsed], None] | None = None) -> Parsed:
    """Read ``fn``'s source (a ``def`` or a ``lambda``) and check it with :mod:`.fence`
    (after ``prepare`` rewrote it in place, for generated code: see :mod:`.generated`)."""
    name = getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn)))
    code = getattr(fn, "__code__", None)
    filename = code.co_filename if code else "<unknown>"
    line = code.co_firstlineno if code else 0
    if not isinstance(fn, types.FunctionType):
        raise SCTError(f"differentiating {type(fn).__name__} objects", name, filename, line,
                       "the SCT engine transforms plain Python functions (def or lambda); wrap "
                       "this callable in one")
    if hasattr(fn, "sct_refused"):  # met as the code runs (g = anp.vectorize(h), then g(x)): the caller's line
        raise SCTError(fn.sct_refused[0], *located.caller((name, filename, line)), fn.sct_refused[1])
    if _package(fn) is not None:  # known only when it runs: a function JAX (or NumPy...) made
        raise SCTError(f"a call of a function of {_package(fn)} (as jax.vmap(f) or jax.grad(f) makes) on a "
                       "differentiated value", *located.caller((name, filename, line)), "SCT cannot see inside another "
                       "library's transformations: use the engine's own (eng.grad, eng.jacfwd; a loop for vmap)")
    try:
        if fn.__name__ == "<lambda>":
            node, where = lambda_node(fn, name)
        else:
            lines, first = source_lines(fn)
            where = Where.of(name, filename, first)
            node = ast.parse(textwrap.dedent("".join(lines))).body[0]
    except (OSError, TypeError, SyntaxError, IndexError) as exc:
        raise SCTError("a function without source code", name, filename, line,
                       "SCT reads the function's source, and could not read this one: define it "
                       "with def in a file or a notebook cell (not with exec, eval, or at an "
                       f"interactive prompt) ({type(exc).__name__}: {exc})") from None
    if isinstance(node, ast.AsyncFunctionDef):
        raise where.refuse("async def", node, "write a plain def")
    if not isinstance(node, ast.FunctionDef):
        raise where.refuse("a function defined by an expression", node, "write the function with def")
    mangle(node, fn, where)
    args = node.args
    params = [a.arg for a in args.posonlyargs + args.args]
    if args.vararg:
        params.append(args.vararg.arg)
    params += [a.arg for a in args.kwonlyargs] + ([args.kwarg.arg] if args.kwarg else [])
    n = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & inspect.CO_VARARGS)
    same_name = node.name == code.co_name or fn.__name__ == "<lambda>"
    varnames = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]  # Python's order:
    varnames += [args.vararg.arg] if args.vararg else []  # *args after the keyword-only ones
    if not same_name or varnames != list(code.co_varnames[:n]) \
            or not same_code(node, fn, fn.__name__ == "<lambda>"):
        raise where.refuse("source that does not match the running function", node,
                           "the source on disk is not the code Python runs: the file changed after it was "
                           "imported (reload the module, or restart), or an import hook rewrote the code")
    parsed = Parsed(fn, node, where, set(params) | fence.assigned_names(node), params)
    _refuse_introspection(parsed)
    if prepare is not None:
        prepare(parsed)
    vocab_writes.rewrite(parsed)
    fence.check(parsed.tree, where, lambda call: is_check_only(parsed.resolve(call.func)))
    return parsed


def lambda_node(fn: types.FunctionType, name: str) -> tuple[ast.FunctionDef, Where]:
    """A lambda's node, found in its whole file (its line may hold other code), as a def."""
    code = fn.__code__
    lines, _ = inspect.findsource(fn)
    tree = ast.parse("".join(lines))
    params = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount
                                   + bool(code.co_flags & inspect.CO_VARARGS)])
    spots = [(ln, col) for ln, _, col, end in code.co_positions()
             if ln is not None and col is not None and (col, end) != (0, 0)]  # (0, 0): no column

    def holds(lam: ast.Lambda) -> bool:
        body = lam.body
        start, end = (body.lineno, body.col_offset), (body.end_lineno, body.end_col_offset)
        return all(start <= spot <= end for spot in spots)

    found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno
             and [a.arg for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs  # Python's order:
                  + ([n.args.vararg] if n.args.vararg else [])] == params and holds(n)]  # *args last
    where = Where(name, code.co_filename, 1)
    if not found:
        raise OSError("no lambda in the source matches the running one")
    lam = min(found, key=lambda n: (n.end_lineno - n.lineno, n.end_col_offset - n.col_offset))
    node = ast.FunctionDef("lambda", lam.args, [ast.copy_location(ast.Return(lam.body), lam.body)], [],
                           None, None)
    return ast.copy_location(node, lam), where


def _refuse_introspection(parsed: Parsed) -> None:
    fence.comprehension_walrus(parsed.tree, parsed.where)
    for sub in ast.walk(parsed.tree):
        fence.before_closures(sub, parsed.where, lambda name: name not in parsed.locals and lookup(parsed.fn, name))
        if isinstance(sub, ast.Name) and sub.id not in parsed.locals \
                and any(lookup(parsed.fn, sub.id) is f for f in _INTROSPECTION):
            raise parsed.where.refuse(f"{sub.id}()", sub,
                                      "it reads or writes variables by name, and the generated code's "
                                      "variables are not the function's; write the computation out")
