"""Derivative aliases: ``g = eng.grad`` then ``g(f)``, in code SCT transforms, as ``eng.grad(f)`` spelled out.

Contract: :func:`rewrite` (called by :class:`.closures._Converter` on each node, after its parts) records
``g = E.grad`` (``jacfwd``, ``jacrev``, ``value_and_grad``, ``jvp``, ``vjp``, ``hvp``), ``E`` engine-like and
``g`` assigned once, and turns a later call ``g(...)`` into ``E.grad(...)``; a global ``g`` that holds an
engine's bound method is bound into the code as that engine's attribute. The converter then treats the call
as it treats ``E.grad(...)`` written out (without this, ``g(f)`` ran the engine on a closure stand-in, and the
error said "vjp: output is a function").
"""

from __future__ import annotations

import ast
import copy
import types

from adcompare.engine import Engine
from adcompare.engines.sct.front.parse import MISSING

KINDS = {"grad", "jacfwd", "jacrev", "value_and_grad", "jvp", "vjp", "hvp"}


def rewrite(conv, node: ast.AST) -> None:
    """See the module doc; ``conv`` the converter (``aliases``, ``stores``, ``resolve``, ``engine_like``, ``bind``)."""
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute) and node.value.attr in KINDS \
            and [type(t) for t in node.targets] == [ast.Name] and conv.engine_like(node.value.value) \
            and len(conv.stores.get(node.targets[0].id, ())) == 1:
        conv.aliases[node.targets[0].id] = node.value
    held = conv.resolve(node.func) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else None
    if isinstance(held, types.MethodType) and isinstance(held.__self__, Engine) and held.__name__ in KINDS:
        node.func = ast.Attribute(conv.bind("engine", held.__self__), held.__name__, ast.Load())
    elif held is MISSING and node.func.id in conv.aliases:
        node.func = copy.deepcopy(conv.aliases[node.func.id])
