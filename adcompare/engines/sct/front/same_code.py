"""Stale source: is the source SCT read the code Python runs?

Contract: :func:`same_code` compiles the parsed definition (after class-private
names were mangled) the way Python compiled the running function (inside a
function that binds its free variables, inside a class where it reads
``__class__``, with its ``from __future__`` flags and its module's top-level
imports) and compares the result with
``fn.__code__``: the instructions with their names and constants (an attribute
call compared as an attribute load, which Python picks by how the module bound
the name), the local and free variables, nested code objects the same way.
They differ when the file was edited after the module was imported (the source
on disk is not what runs); the parser then refuses, rather than differentiate
code that is not the function's. An import hook that rewrites code also makes
them differ (the refusal says so); pytest's assertion rewriting is recognized
and such modules are not checked.
"""

from __future__ import annotations
import __future__

import ast
import dis
import functools
import inspect
import symtable
import types

from adcompare.engines.sct.asttools import copy_tree, fix_locations

_FUTURE = 0
for _feature in __future__.all_feature_names:
    _FUTURE |= getattr(__future__, _feature).compiler_flag
_OUTER = "__sct_same_code__"
_PYTEST_REWRITE = "@py_builtins"  # a global pytest's assertion rewriting adds to the modules it rewrites


def same_code(node: ast.FunctionDef, fn: types.FunctionType, is_lambda: bool) -> bool:
    if _PYTEST_REWRITE in fn.__globals__:
        return True  # pytest rewrote the module's asserts: its code is not compiled from its text
    code = fn.__code__
    made = copy_tree(node)  # not copy.deepcopy: generated code nests deeper than Python's recursion limit
    if is_lambda:  # the def that :func:`.parse.lambda_node` made back into the lambda
        made = ast.Expr(ast.Lambda(made.args, made.body[0].value))
    else:
        made.decorator_list = []
    inner: list[ast.stmt] = [made]
    if "__class__" in code.co_freevars:
        inner = [ast.ClassDef("C", [], [], inner, [])]
    binds = [ast.Assign([ast.Name(v, ast.Store())], ast.Constant(None))
             for v in code.co_freevars if v != "__class__"]
    if binds:  # a closure: defined in a function that binds what it reads from outside
        inner = [ast.FunctionDef(_OUTER, ast.arguments([], [], None, [], [], None, []), binds + inner + [ast.Pass()],
                                 [], None, None)]
    imports = [ast.Import([ast.alias("sct_same_code", name)]) for name in sorted(_imported(fn))]
    module = ast.Module(imports + inner, [])
    fix_locations(module)  # (what the code is compared by has no places: the wrappers' are any)
    try:
        compiled = compile(module, code.co_filename, "exec", flags=code.co_flags & _FUTURE, dont_inherit=True)
    except RecursionError:
        return True  # too deep for the compiler from an ``ast``: not checked (the fence refuses the deepest)
    except (SyntaxError, ValueError, TypeError):
        return False
    found = [c for c in _codes(compiled) if c.co_name == code.co_name] or list(_codes(compiled))
    return any(_same(c, code) for c in found)


def _imported(fn: types.FunctionType) -> frozenset:
    """The names the function's module binds by ``import`` at its top level (Python compiles a call of
    an attribute of such a name differently), from the module's source."""
    try:
        lines, _ = inspect.findsource(fn)
    except (OSError, TypeError):
        return frozenset()
    return _imported_in("".join(lines), fn.__code__.co_filename)


@functools.lru_cache(maxsize=64)
def _imported_in(text: str, filename: str) -> frozenset:
    try:
        table = symtable.symtable(text, filename, "exec")
    except (SyntaxError, ValueError):
        return frozenset()
    return frozenset(s.get_name() for s in table.get_symbols() if s.is_imported())


def _codes(code: types.CodeType):
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            yield c
            yield from _codes(c)


_ALIAS = {"LOAD_METHOD": "LOAD_ATTR"}  # how Python calls an attribute depends on how the module bound the name
_JUMPS = set(dis.hasjrel) | set(dis.hasjabs)


def _stream(code: types.CodeType) -> list:
    """The instructions, as (operation, argument): a jump's argument is the index of its target (the byte
    offsets, and so the EXTENDED_ARG prefixes, move with the size of the attribute loads), a nested code
    object's is compared apart."""
    every = list(dis.get_instructions(code))
    ins = [i for i in every if i.opname != "EXTENDED_ARG"]  # present or not by the size of the offsets
    index, k = {}, 0
    for i in every:  # a jump to an EXTENDED_ARG lands on the instruction it extends
        index[i.offset] = k
        k += i.opname != "EXTENDED_ARG"
    out = []
    for i in ins:
        if i.opcode in _JUMPS:
            arg = index.get(i.argval, i.argval)
        elif isinstance(i.argval, types.CodeType):
            arg = None
        else:
            arg = (type(i.argval).__name__, repr(i.argval))
        out.append((_ALIAS.get(i.opname, i.opname), arg))
    return out


def _same(a: types.CodeType, b: types.CodeType) -> bool:
    if (a.co_varnames, a.co_freevars, a.co_cellvars) != (b.co_varnames, b.co_freevars, b.co_cellvars):
        return False
    if _stream(a) != _stream(b):
        return False
    nested = [[c for c in code.co_consts if isinstance(c, types.CodeType)] for code in (a, b)]
    return len(nested[0]) == len(nested[1]) and all(_same(x, y) for x, y in zip(*nested))
