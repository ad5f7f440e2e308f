"""A call of a custom function (``ad.custom_vjp``, ``ad.custom_jvp``, ``ad.checkpoint``) in code SCT transforms.

Contract: :func:`custom_call` gives the ``ir.Call`` the normalizer (:class:`.calls.Calls`) makes of such a call:
the custom function with its arguments by position, defaults filled in, as JAX's custom functions take them
(and as :meth:`adcompare.custom.CustomFunction.positional` binds them on the boxes), its rules applied by
:mod:`..emit.custom_callee`; a checkpointed function with source is transformed like any user function, its
recomputation left to :mod:`..emit.adjoints`. Keyword-only parameters are refused, as JAX's custom functions
refuse them.
"""

from __future__ import annotations

import ast

from adcompare.checkpoint import Checkpointed
from adcompare.custom import CustomFunction
from adcompare.engines.sct import ir
from adcompare.engines.sct.front.parse import has_source, is_user_function


def custom_call(calls, node: ast.Call, obj: CustomFunction) -> ir.Call:
    if isinstance(obj, Checkpointed) and is_user_function(obj.fun) and has_source(obj.fun):
        call = calls.user_call(node, obj.fun)
        call.primal.func = node.func  # the primal sweep calls the checkpointed function
        call.checkpoint = True
        return call
    try:
        (bound := calls.bind(obj.fun, node)).apply_defaults()
    except ValueError:  # no signature to match keywords with
        if node.keywords:
            raise calls.where.refuse(f"keywords in a call of {obj.kind} function {obj.__name__!r}", node,
                                     "pass its arguments by position") from None
        bound = None
    if bound is not None and bound.kwargs:
        raise calls.where.refuse(f"keyword-only parameters of {obj.kind} function {obj.__name__!r}", node,
                                 "give them positions, as JAX's custom functions need")
    args = [calls.atom(v if isinstance(v, ast.AST) else calls.constant(f"{obj.__name__}_default", v))
            for v in (node.args if bound is None else bound.args)]
    return ir.Call(obj, args, ast.Call(node.func, [ir.atom_ast(a) for a in args], []))
