"""Array methods called on a name that may hold a module (``xp.reshape(x, n)``, a namespace passed as an
argument): SCT reads ``name.method(...)`` as the array's method, which is wrong where ``name`` is a module.

:func:`method_of_a_module` words the refusal where the reading puts a differentiated argument in a parameter
the method takes as a constant; :func:`check_receiver` makes a differentiated method call check its receiver
when the code runs (:func:`..emit.python_checks.array_receiver`), since only then is a module told from an array.
"""

from __future__ import annotations

import ast

from adcompare.engines.sct import ir
from adcompare.engines.sct.emit.python_checks import array_receiver


def check_receiver(v: ir.Op, extra: dict, where: tuple) -> None:
    """The receiver of the differentiated array method ``v`` checked, when it runs, not to be a module."""
    extra["__array_receiver"], func = array_receiver, v.primal.func
    place = (v.receiver, func.attr, *where)
    func.value = ast.Call(ast.Name("__array_receiver", ast.Load()), [func.value, *map(ast.Constant, place)], [])


def method_of_a_module(v: ir.Op, name: str, param: ast.expr) -> tuple[str, str] | None:
    """The refusal of ``m.max(a)`` read as the array method ``a``'s ``m.max(axis=a)``, where ``m`` is the receiver
    (a module passed as an argument, most likely) and ``param`` one of the call's positional arguments."""
    func = v.primal.func if isinstance(v.primal, ast.Call) else None
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and v.args
            and v.args[0] == func.value.id and any(param is a or a in getattr(param, "elts", ())  # x.reshape(2, 3)
                                                   for a in v.primal.args)):
        return None
    recv, method = func.value.id, func.attr
    return (f"the method .{method}() of {recv}, a value SCT takes for an array, called with a differentiated "
            f"argument where the array's method takes none (its {name}= parameter)", module_hint(recv, method))


def module_hint(recv: str, method: str) -> str:
    """How to call the function a module in the variable ``recv`` holds, so that SCT follows it."""
    return (f"if {recv} is a module passed as an argument (numpy, adcompare.numpy), call the function by its "
            f"name (anp.{method}(...)), or take it into a variable first (f = {recv}.{method}, then f(...)): "
            "SCT follows the function it holds when it runs")
