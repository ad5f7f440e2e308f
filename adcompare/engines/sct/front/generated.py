"""Generated code as input: the rule calls SCT's output makes, as calls the transform can follow.

Contract: SCT's generated functions (registered by :mod:`..emit.codegen`; their
source is in ``linecache``) are parsed like any function, and :func:`prepare`
rewrites, in the parsed tree, the two kinds of call the front end would
otherwise refuse, both calls of the rule table:

* ``sin_jvps[i](t, ans, x, ...)``, a per-operand JVP rule, becomes a call of a
  function with source: the rule itself where it is a plain function
  (:func:`adcompare.rules.base.defjvp`), or, for an elementwise primitive
  (:func:`adcompare.rules.base.defderiv`), ``broadcast(scaling(t, ...), ans)``
  written out around the entry's scaling;
* ``sum_vjps[i](ans, x, ...)(g)``, a curried VJP rule applied, becomes a call
  of the rule *uncurried*: ``rule_applied(g, ans, x, ...)``, the rule's body
  followed by the body of the ``lambda g: ...`` it returns (``defvjp``), or
  ``unbroadcast(scaling(g, ...), x_i)`` for an elementwise primitive.

So the rules, written with the vocabulary, are transformed from their own
source (``adcompare.rules``: no derivative is restated). A rule of another
form (a joint rule given by ``defjoint``, a custom function's) is refused with
:class:`SCTError`. The made functions' source is registered with ``linecache``
so that :mod:`.parse` reads it as it reads any function's.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import linecache
import textwrap
import types
from functools import cache
from typing import Any

from adcompare.engines.sct.emit import runtime
from adcompare.engines.sct.errors import SCTError
from adcompare.engines.sct.front.parse import MISSING, Parsed, lambda_node, lookup
from adcompare.primitives import PRIMITIVES
from adcompare.rules.base import reads

_serial = itertools.count(1)
_OPERANDS = ("x", "y", "z", "w")


def _is_call_of(node: ast.expr, names: dict) -> str | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
        return node.func.id
    return None


def _stacks(parsed: Parsed, body: list, pushes: dict, pops: dict) -> list:
    """The reverse sweep's stack idiom in terms the front end takes: ``push = stack.append`` and
    ``push(v)`` as ``stack.append(v)``; ``pop = reversed(stack).__next__`` and ``v = pop()`` as an
    index counting down, ``stack_top = stack_top - 1; v = stack[stack_top]``; and a loop
    ``for i in reversed(r)`` as ``for i in r[::-1]``."""
    out: list = []
    for s in body:
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name):
            target, v = s.targets[0].id, s.value
            if isinstance(v, ast.Attribute) and v.attr == "append" and isinstance(v.value, ast.Name):
                pushes[target] = v.value.id
                continue
            if (isinstance(v, ast.Attribute) and v.attr == "__next__" and isinstance(v.value, ast.Call)
                    and isinstance(v.value.func, ast.Name) and v.value.func.id == "reversed"
                    and len(v.value.args) == 1 and isinstance(v.value.args[0], ast.Name)):
                stack = v.value.args[0].id
                top = pops[target] = (stack, f"{stack}_top")
                parsed.locals.add(top[1])
                out.append(ast.copy_location(ast.parse(f"{top[1]} = len({stack})").body[0], s))
                continue
            name = _is_call_of(v, pops)
            if name is not None and not v.args:
                stack, top = pops[name]
                for text in (f"{top} = {top} - 1", f"{target} = {stack}[{top}]"):
                    out.append(ast.copy_location(ast.parse(text).body[0], s))
                continue
        if isinstance(s, ast.Expr) and _is_call_of(s.value, pushes) and len(s.value.args) == 1:
            seq = pushes[s.value.func.id]
            s.value.func = ast.Attribute(ast.Name(seq, ast.Load()), "append", ast.Load())
        if isinstance(s, ast.For) and isinstance(s.iter, ast.Call) and isinstance(s.iter.func, ast.Name) \
                and s.iter.func.id == "reversed" and len(s.iter.args) == 1:
            s.iter = ast.Subscript(s.iter.args[0], ast.Slice(None, None, ast.Constant(-1)), ast.Load())
        for field in ("body", "orelse"):
            if isinstance(getattr(s, field, None), list) and not isinstance(s, ast.FunctionDef):
                setattr(s, field, _stacks(parsed, getattr(s, field), pushes, pops))
        out.append(s)
    return out


def _table_of(value: Any) -> tuple[Any, str] | None:
    """(primitive, "jvps" or "vjps") when ``value`` is a primitive's per-operand rule table."""
    for prim in PRIMITIVES.values():
        if value is prim.jvps and value is not None:
            return prim, "jvps"
        if value is prim.vjps and value is not None:
            return prim, "vjps"
    return None


def _refuse(prim, kind: str, i: int, why: str) -> SCTError:
    return SCTError(f"transforming generated code again through {prim.name}'s {kind[:-1]} rule for "
                    f"operand {i} ({why})", f"{prim.name}_{kind}", "<adcompare.rules>", 0,
                    "use SCTEngine(higher='boxes') for this program")


def _compile(text: str, name: str, namespace: dict) -> types.FunctionType:
    """Make the function defined by ``text`` with ``namespace`` as its globals, its source registered."""
    filename = f"<sct rule {name} #{next(_serial)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102  (our own generated definition)
    return namespace[name]


@cache
def applied(prim, kind: str, i: int) -> types.FunctionType:
    """The function with source that computes ``prim.<kind>[i]`` (uncurried for a VJP rule)."""
    scaling = (prim.derivatives or (None,) * (i + 1))[i] if prim.derivatives is not None else None
    n = len(prim.derivatives) if prim.derivatives is not None else 0
    if scaling is not None and n <= len(_OPERANDS):
        names = _OPERANDS[:n]
        where = reads(scaling, prim.operand_names)
        read = ", ".join("ans" if k < 0 else names[k] for k in where)
        seed = "t" if kind == "jvps" else "g"
        inner = f"scaling({seed}{', ' if read else ''}{read})"
        body = f"broadcast({inner}, ans)" if kind == "jvps" else f"unbroadcast({inner}, {names[i]})"
        name = f"{prim.name}_{kind[:-1]}{i}"
        text = f"def {name}({seed}, ans, {', '.join(names)}):\n    return {body}\n"
        return _compile(text, name, {"scaling": scaling, "broadcast": runtime.broadcast,
                                     "unbroadcast": runtime.unbroadcast})
    rule = prim.jvps[i] if kind == "jvps" else prim.vjps[i]
    if not isinstance(rule, types.FunctionType):
        raise _refuse(prim, kind, i, f"a {type(rule).__name__}, not a function with source")
    if kind == "jvps":
        return rule
    return _uncurried(prim, i, rule)


def _uncurried(prim, i: int, rule: types.FunctionType) -> types.FunctionType:
    """``rule(ans, *xs)(g)`` as one function ``rule_applied(g, ans, *xs)``, from the rule's source."""
    try:
        if rule.__name__ == "<lambda>":
            node, _ = lambda_node(rule, rule.__qualname__)
        else:
            node = ast.parse(textwrap.dedent(inspect.getsource(rule))).body[0]
    except (OSError, TypeError, SyntaxError) as exc:
        raise _refuse(prim, "vjps", i, f"its source cannot be read: {exc}") from None
    last = node.body[-1] if node.body else None
    if not (isinstance(last, ast.Return) and isinstance(last.value, ast.Lambda)
            and len(last.value.args.args) == 1 and not any(isinstance(n, ast.Return) for s in node.body[:-1]
                                                           for n in ast.walk(s))):
        raise _refuse(prim, "vjps", i, "it does not end in 'return lambda g: ...'")
    lam = last.value
    g = lam.args.args[0].arg
    if g in {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}:
        raise _refuse(prim, "vjps", i, f"its cotangent's name {g} is also a parameter")
    name = f"{prim.name}_vjp{i}_applied"
    node.name, node.decorator_list = name, []
    node.args.posonlyargs, node.args.args = [], [ast.arg(g)] + node.args.posonlyargs + node.args.args
    node.body = node.body[:-1] + [ast.Return(lam.body)]
    text = ast.unparse(ast.fix_missing_locations(ast.Module([node], []))) + "\n"
    namespace = dict(rule.__globals__)
    for var, cell in zip(rule.__code__.co_freevars, rule.__closure__ or ()):
        namespace[var] = cell.cell_contents
    return _compile(text, name, namespace)


def prepare(parsed: Parsed) -> None:
    """Rewrite ``parsed``'s stack idiom and rule calls (see the module doc) in place; the functions
    the rule calls now call are put in ``parsed.extra`` under new names."""
    parsed.generated = True
    parsed.tree.body = _stacks(parsed, parsed.tree.body, {}, {})
    bound: dict[int, str] = {}

    def name_for(fn) -> str:
        if id(fn) not in bound:
            bound[id(fn)] = f"__rule_{len(bound) + 1}"
            parsed.extra[bound[id(fn)]] = fn
        return bound[id(fn)]

    def table(node: ast.expr) -> tuple[Any, str, int] | None:
        if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int):
            return None
        if node.value.id in parsed.locals:
            return None
        value = lookup(parsed.fn, node.value.id)
        found = None if value is MISSING else _table_of(value)
        return None if found is None else (*found, node.slice.value)

    for node in ast.walk(parsed.tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Call) and len(node.args) == 1 and not node.keywords:
            found = table(func.func)
            if found is not None and found[1] == "vjps":
                prim, _, i = found
                node.func = ast.Name(name_for(applied(prim, "vjps", i)), ast.Load())
                node.args, node.keywords = [node.args[0]] + func.args, func.keywords
                continue
        found = table(func)
        if found is not None and found[1] == "jvps":
            prim, _, i = found
            node.func = ast.Name(name_for(applied(prim, "jvps", i)), ast.Load())
