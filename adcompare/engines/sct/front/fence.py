"""Fence: refuse unsupported syntax up front.

Contract: :func:`check` walks a function's ``ast`` before anything else looks at
it and raises :class:`SCTError` on the first construct outside the supported
subset, naming it with its line and a hint. What passes the fence may still be
refused later, when it depends on what is differentiated (a ``float()`` of an
active value, a call to a function without source with active arguments); the
fence only judges syntax.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from adcompare.engines.sct.errors import Where
from adcompare.engines.sct.front import iterators

_REFUSED: dict[type, tuple[str, str]] = {
    ast.Try: ("try/except", "move the exception handling out of the differentiated function"),
    ast.With: ("with", "move the context manager out of the differentiated function"),
    ast.AsyncWith: ("async with", "differentiate synchronous code"),
    ast.AsyncFor: ("async for", "differentiate synchronous code"),
    ast.AsyncFunctionDef: ("async def", "differentiate synchronous code"),
    ast.Await: ("await", "differentiate synchronous code"),
    ast.Yield: ("yield", "return the value instead of yielding it"),
    ast.YieldFrom: ("yield from", "return the value instead of yielding it"),
    ast.Lambda: ("lambda", "define the function with def at module level"),
    ast.FunctionDef: ("a nested def", "define the function at module level and call it"),
    ast.ClassDef: ("class", "define classes outside the differentiated function"),
    ast.Global: ("global", "pass the value in and return the result: globals are read-only"),
    ast.Nonlocal: ("nonlocal", "pass the value in and return the result: closure variables are "
                               "read-only"),
    ast.Import: ("import inside the function", "import at module level"),
    ast.ImportFrom: ("import inside the function", "import at module level"),
    ast.NamedExpr: ("the walrus operator :=", "assign in a statement of its own"),
    ast.ListComp: ("list comprehension", "write a for loop that appends to a list"),
    ast.SetComp: ("set comprehension", "write a for loop"),
    ast.DictComp: ("dict comprehension", "write a for loop"),
    ast.GeneratorExp: ("generator expression", "write a for loop"),
    ast.Set: ("set display", "use a tuple"),
    ast.Starred: ("starred expression (*x)", "pass the elements one by one"),
}
if hasattr(ast, "Match"):
    _REFUSED[ast.Match] = ("match", "use if/elif/else")
if hasattr(ast, "TryStar"):
    _REFUSED[ast.TryStar] = ("try/except*", "move the exception handling out of the function")

_AUG_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult)


def check(fn: ast.FunctionDef, where: Where, is_check: Callable[[ast.Call], bool] = lambda call: False) -> None:
    """Raise SCTError on the first unsupported construct of ``fn``; ``is_check(call)``: does a call written as a
    statement call a check (:func:`adcompare.primitives.is_check_only`), kept as an ``assert`` is?"""
    read = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    for stmt in fn.body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Delete):
                _check_delete(node, read, where)
            if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and is_check(node.value)):
                _check_node(node, where)


def before_closures(node: ast.AST, where: Where, resolve: Callable[[str], object]) -> None:
    """Refuse, at its line, a construct of ``fn``'s tree, nested functions included, that the closure converter
    (which runs before :func:`check`) cannot keep: a nested function's ``nonlocal`` write, ``zip(*seqs)``, and an
    iterator variable read twice (:mod:`.iterators`; ``resolve(name)``: what a name is, a local's nothing)."""
    if isinstance(node, ast.FunctionDef):
        iterators.check(node, where, resolve)  # g = (... for ...), read twice
    if isinstance(node, ast.Nonlocal):
        name = node.names[0]
        raise where.refuse(f"nonlocal {', '.join(node.names)} (a nested function writing a variable of the "
                           "function around it)", node, "have the nested function take the value and return the "
                           f"new one, and assign it where it is called: {name} = step({name}, ...)")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and resolve(node.func.id) is zip \
            and any(isinstance(a, ast.Starred) for a in node.args):
        raise where.refuse("zip(*...) (transposing a sequence of sequences)", node,
                           "read the columns by index: firsts = [p[0] for p in pairs], seconds = [p[1] for p in "
                           "pairs], or loop over range(len(pairs))")


def _check_delete(node: ast.Delete, read: set[str], where: Where) -> None:
    """``del x`` of a variable the function never reads (``del rng``, an unused argument, as JAX's users
    write it) changes no value: SCT takes it as nothing. Any other ``del`` is refused."""
    for t in node.targets:
        if not isinstance(t, ast.Name):
            raise where.refuse(f"del {ast.unparse(t)}", node, "let the value go out of scope instead")
        if t.id in read:
            raise where.refuse(f"del {t.id} of a variable the function reads", node,
                               "remove the del (SCT takes del only of a variable never read, as an unused "
                               "argument) and let the variable go out of scope")


def _check_node(node: ast.AST, where: Where) -> None:
    refused = _REFUSED.get(type(node.value if isinstance(node, ast.Expr) else node)) or _REFUSED.get(type(node))
    if refused:
        raise where.refuse(refused[0], node, refused[1])
    if isinstance(node, (ast.For, ast.While)) and node.orelse:
        raise where.refuse(f"{type(node).__name__.lower()}/else", node,
                           "use a flag variable set before break")
    if isinstance(node, ast.For) and not isinstance(node.target, ast.Name):
        raise where.refuse("a for loop target that is not a single name", node,
                           "iterate over range(len(x)) and index, e.g. x[i]")
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            _check_target(target, where)
        if isinstance(node, ast.AugAssign) and not isinstance(node.op, _AUG_OPS):
            raise where.refuse(f"augmented assignment {type(node.op).__name__}=", node,
                               "write the operation out")
        if isinstance(node, ast.AnnAssign) and node.value is None:
            raise where.refuse("an annotation without a value", node, "assign a value")
    if isinstance(node, ast.Expr) and not _allowed_expression_statement(node.value):
        construct, hint = _side_effect(node.value)
        raise where.refuse(construct, node, hint)
    if isinstance(node, ast.Dict) and any(k is None for k in node.keys):
        raise where.refuse("**-unpacking in a dict display", node, "write out every key: value pair")
    if isinstance(node, ast.Call):
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise where.refuse("a call with *args or **kwargs", node, "pass the arguments one by one")


def _check_target(target: ast.expr, where: Where) -> None:
    if isinstance(target, ast.Name):
        return
    if isinstance(target, (ast.Tuple, ast.List)):
        for t in target.elts:
            _check_target(t, where)
        return
    if isinstance(target, ast.Subscript):  # y[i] = v (or y[i][j] = v): a functional update of the variable y
        base = target.value
        while isinstance(base, ast.Subscript):
            base = base.value
        if not isinstance(base, ast.Name):
            raise where.refuse(f"a write into {ast.unparse(target.value)}[...], which is not a variable",
                               target, "write into the array itself with its index, e.g. y[i, j] = v "
                               "(y.T[i] is y[:, i]), or into a variable")
        return
    if isinstance(target, ast.Attribute):
        raise where.refuse("an attribute assignment (obj.attr = ...)", target,
                           "keep the value in a local variable")
    raise where.refuse(f"assignment to {type(target).__name__}", target, "assign to a name")


def _allowed_expression_statement(value: ast.expr) -> bool:
    if isinstance(value, ast.Constant):  # a docstring, or ...
        return True
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "print":
        return True  # run as written in the forward sweep, as an assert is (the ANF checks it is the builtin)
    return is_pop(value) or (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                             and value.func.attr == "append" and isinstance(value.func.value, ast.Name)
                             and len(value.args) == 1 and not value.keywords)


_IN_PLACE = {"sort": "{y} = anp.sort({y})", "fill": "{y} = anp.zeros_like({y}) + v",
             "put": "{y} = anp.index_update({y}, i, v)"}


def _side_effect(value: ast.expr) -> tuple[str, str]:
    """The refusal of the expression statement ``value`` (construct, hint): by what the call writes in place."""
    call = value if isinstance(value, ast.Call) else None
    if call and any(k.arg == "out" for k in call.keywords):  # anp.add(a, b, out=c)
        return (f"the keyword out= of {ast.unparse(call.func)}() (a write into an array in place)",
                "assign the result instead (c = anp.add(a, b) for anp.add(a, b, out=c)): SCT writes "
                "functionally, as JAX, which has no out= either")
    if call and isinstance(call.func, ast.Attribute) and call.func.attr == "fill_diagonal" and call.args \
            and all(k.arg != "inplace" for k in call.keywords):
        y = ast.unparse(call.args[0])  # anp.fill_diagonal(y, v), NumPy's in-place form
        return (f"{ast.unparse(call.func)}({y}, ...) in place (its default inplace=True)",
                f"rebind the name to the new array: {y} = anp.fill_diagonal({y}, v, inplace=False)")
    if call and isinstance(call.func, ast.Attribute) and call.func.attr in _IN_PLACE:  # y.sort()
        y = ast.unparse(call.func.value)
        return (f"the in-place array method {y}.{call.func.attr}()",
                "rebind the name to a new array instead: " + _IN_PLACE[call.func.attr].format(y=y))
    return "an expression statement (a call for its side effect)", \
        "assign the result to a variable; side effects are not differentiated"


def is_pop(value: ast.expr) -> bool:
    """``seq.pop()`` (or ``seq.pop(-1)``) of a variable: its last element, and ``seq`` rebound without it."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "pop"
            and isinstance(value.func.value, ast.Name) and not value.keywords and len(value.args) <= 1):
        return False
    last = value.args[0] if value.args else None
    return last is None or (isinstance(last, ast.UnaryOp) and isinstance(last.op, ast.USub)
                            and isinstance(last.operand, ast.Constant) and last.operand.value == 1)


def assigned_names(fn: ast.FunctionDef) -> set[str]:
    """Names ``fn`` assigns (its locals, parameters aside); a nested def's or lambda's own are not
    (``cnt.append`` or ``SCALE = 3.0`` there leaves a global of the same name a global in ``fn``)."""
    out, todo = set(), [fn]
    while todo:
        node = todo.pop()
        for c in ast.iter_child_nodes(node):
            if isinstance(c, ast.FunctionDef):
                out.add(c.name)  # a nested def's name is a local of fn (its own locals are not)
            elif not isinstance(c, ast.Lambda):
                todo.append(c)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, ast.Expr) and _allowed_expression_statement(node.value) \
                and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute):
            out.add(node.value.func.value.id)  # seq.append(x) rebinds seq
        elif is_pop(node):
            out.add(node.func.value.id)  # seq.pop() rebinds seq
    return out


def comprehension_walrus(fn: ast.FunctionDef, where: Where) -> None:
    """Refuse ``:=`` in a comprehension whose target the function reads outside it: Python binds it in the function
    around, and the closure converter lifts the comprehension into a function of its own (one read inside only is
    the comprehension's own variable, as SCT keeps it)."""
    comps = [n for n in ast.walk(fn) if isinstance(n, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp))]
    inside = {id(n) for c in comps for n in ast.walk(c)}
    read = {n.id for n in ast.walk(fn)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in inside}
    for c in comps:
        for n in ast.walk(c):
            if isinstance(n, ast.NamedExpr) and n.target.id in read:
                construct, hint = _REFUSED[ast.NamedExpr]
                raise where.refuse(f"{construct} in a comprehension, its target {n.target.id!r} read after it", n,
                                   hint)
