"""Joint pull-backs: one rule pull-back for all of a primitive call's operands, in code that is run.

Contract: where two or more operands of one primitive call take their cotangents from the rule
table (no inline rule: ``concatenate``, ``stack``, ``matmul``, ...), the forward sweep of the
"closures" residual form keeps the primitive's joint pull-back, ``prim.vjp(active, ans, *xs,
**params)``, once (not one ``prim.vjps[i]`` pull-back per operand), and the reverse sweep calls
it once: ``bars = pull_each(pullback, g, n)`` is the tuple of the call's ``n`` operands'
cotangents, of which the adjoint reads the active ones' (``bars[i]``). The joint rule gives
exactly the per-operand rules' cotangents (:func:`adcompare.rules.base.defvjp`). Code that is
transformed again keeps no pull-backs (the "arrays" form), and SCT refuses this helper there
(:mod:`.second`), as it refuses :func:`.runtime.pull`.
"""

from __future__ import annotations

from typing import Any


def pull_each(pullback: Any, g: Any, n: int) -> tuple:
    """The joint pull-back applied to ``g``: every operand's cotangent; a zero ``g`` gives zeros."""
    if g is None or (type(g) is float and g == 0.0):
        return (0.0,) * n
    return pullback(g)
