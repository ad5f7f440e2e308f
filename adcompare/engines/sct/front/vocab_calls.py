"""The vocabulary's calls as primitives: the elemental library's, and when a wrapper's call is not its primitive's.

Contract: :data:`LIBRARY_CALLS` maps each elementwise call of :mod:`adcompare.elemental` to its primitive;
:func:`beyond_primitive` says whether a call of a vocabulary wrapper (bound to its signature) asks for more or
less than its primitive takes, so that the wrapper's own code is followed (:mod:`.calls`); :func:`undefined_hint`
is the hint of a call of a name that is not defined (a NumPy ufunc method asked of a primitive: the vocabulary's way);
:func:`array_method` says whether a call is an array method of an array the function does not bind (``X.dot(w)``).
"""

from __future__ import annotations

import ast
import inspect
import types

import jax
import numpy as np

from adcompare import elemental
from adcompare.engines.sct.front.parse import METHODS
from adcompare.primitives import Primitive
from adcompare.primitives.ufunc_methods import UfuncMethods, instead

# The elemental library's elementwise calls (el.multiply, el.sin): each is its primitive's call.
LIBRARY_CALLS = {f: c.cell_contents for f in vars(elemental).values() if isinstance(f, types.FunctionType)
                 and f.__module__ == elemental.__name__ for c in f.__closure__ or ()
                 if isinstance(c.cell_contents, Primitive)}


def beyond_primitive(vocab, bound: inspect.BoundArguments) -> bool:
    """Whether a vocabulary wrapper's call gives a keyword its primitive does not take (``anp.sum``'s ``where=``,
    ``initial=``, ``dtype=``, ``out=``) or leaves out an operand (``anp.where(c)``, NumPy's nonzero): then the
    wrapper composes primitives (or makes a constant), and its code is followed."""
    taken = inspect.signature(vocab.prim.impl).parameters
    if any(p.kind is p.VAR_KEYWORD for p in taken.values()):
        return False
    skip = set(vocab.operands or ()) | {vocab.seq}
    return any(name not in taken for name in bound.arguments if name not in skip) \
        or any(name not in bound.arguments for name in vocab.operands or ())  # anp.where(c): nonzero's


def undefined_hint(parsed, func: ast.expr) -> str:
    """The hint for a call of ``func``, which is not defined, in the function ``parsed``."""
    owner = parsed.resolve(func.value) if isinstance(func, ast.Attribute) else None
    if isinstance(owner, UfuncMethods) and func.attr in UfuncMethods.METHODS:
        return (f"anp.{owner.name}.{func.attr} is a method of NumPy's ufunc np.{owner.name}, which adcompare.numpy "
                f"does not have: write it with {instead(owner.name, func.attr)}")
    return "define it at module level before differentiating"


def array_method(parsed, func: ast.expr) -> bool:
    """Whether ``func`` is an array method the vocabulary has (:data:`METHODS`: ``dot``, ``sum``, ...) of an array
    the function reads from outside (``X.dot(w)``, ``X`` a module-level ndarray): then it is called as the same
    method of a local array is (``X[i].dot(w)``, the vocabulary's call), since NumPy's own method would convert a
    differentiated argument into a constant."""
    return isinstance(func, ast.Attribute) and func.attr in METHODS \
        and isinstance(parsed.resolve(func.value), (np.ndarray, jax.Array))
