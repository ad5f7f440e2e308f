"""The derivative of each measured mode, through any JAX-shaped API (one of our engines, or ``jax``).

Contract: :func:`derivative_of` returns a zero-argument callable computing
``mode``'s derivative of ``f`` at ``active``; ``mode`` is one of
:data:`adcompare.oracle.MODES` other than ``vjp`` (the harness times whole
derivatives). Tangents are drawn from ``rng``, shaped and placed like the
inputs (NumPy, JAX or torch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import adcompare.numpy as anp
from adcompare.engine import partial_args
from adcompare.oracle import MODES, like

TIMED_MODES = tuple(m for m in MODES if m != "vjp")
SECOND_ORDER = MODES[MODES.index("hessian"):]  # hessian, hessian-rr, hvp, hvp-rr


def derivative_of(api: Any, f: Callable, active: tuple, mode: str, rng) -> Callable[[], Any]:
    """``mode``'s derivative of ``f`` at ``active`` through a JAX-shaped API (ours or jax)."""
    n = len(active)
    tangents = tuple(like(a, rng.normal(size=np.shape(a))) for a in active)
    if mode == "grad":
        g = api.grad(f, tuple(range(n)))
        return lambda: g(*active)
    if mode == "jvp":
        return lambda: api.jvp(f, active, tangents)
    if mode == "hessian":  # forward over reverse
        h = api.hessian(f)
        return lambda: h(*active)
    if mode == "hessian-rr":  # reverse over reverse
        h = api.jacrev(api.jacrev(f))
        return lambda: h(*active)
    if mode == "hvp":  # forward over reverse
        g = api.grad(f)
        return lambda: api.jvp(g, active, tangents)[1]
    if mode == "hvp-rr":  # reverse over reverse: the gradient of <grad f, v>
        # f of its first argument alone (the rest fixed), so the outer function is plain Python
        # that a source transformation reads: no *args
        g, v = api.grad(partial_args(f, active, (0,))), tangents[0]

        def grad_dot_v(x):
            return anp.sum(anp.multiply(g(x), v))

        hv = api.grad(grad_dot_v)
        return lambda: hv(active[0])
    raise ValueError(f"mode must be one of {', '.join(TIMED_MODES)}, not {mode!r}")
