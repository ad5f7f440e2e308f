"""``chain``: a fixed, seeded sequence of N scalar elementary operations.

The program is a tuple of op codes and a tuple of constants. It is drawn so
that the value stays in [-2, 2] for any input in [-1, 1]: each op is accepted
only if the bound it implies on |x| stays at most 2. Added constants are
small (U[0.1, 0.4]) and scale factors at most 1, so the chain is not chaotic
and float64 peers agree to many digits even at N = 10^6.
"""

from __future__ import annotations

import math

import numpy as np

import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.workloads.registry import Workload, register

SIN, SCALE, SHIFT, SQUARE, EXP = range(5)
_BOUND = 2.0


def chain(x, codes, consts):
    for k in range(len(codes)):
        op = codes[k]
        c = consts[k]
        if op == SIN:
            x = anp.sin(x)
        elif op == SCALE:
            x = x * c
        elif op == SHIFT:
            x = x + c
        elif op == SQUARE:
            x = x * x
        else:
            x = anp.exp(x) * c
    return x


def chain_elemental(x, codes, consts):
    for k in range(len(codes)):
        op = codes[k]
        c = consts[k]
        if op == SIN:
            x = el.sin(x)
        elif op == SCALE:
            x = el.multiply(x, c)
        elif op == SHIFT:
            x = el.add(x, c)
        elif op == SQUARE:
            x = el.multiply(x, x)
        else:
            x = el.multiply(el.exp(x), c)
    return x


def program(n: int, seed: int = 0) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """The seeded op codes and constants of a chain of ``n`` operations."""
    rng = np.random.default_rng(seed)
    codes, consts, bound = [], [], 1.0
    while len(codes) < n:
        op = int(rng.integers(5))
        c = float(rng.uniform(0.1, 0.4) if op == SHIFT else rng.uniform(0.5, 1.0))
        new = {SIN: min(bound, 1.0), SCALE: bound * c, SHIFT: bound + c,
               SQUARE: bound * bound, EXP: math.exp(bound) * c}[op]
        if new <= _BOUND:
            codes.append(op)
            consts.append(c)
            bound = new
    return tuple(codes), tuple(consts)


register(Workload(
    "chain", chain,
    lambda n, rng: (float(rng.uniform(-1, 1)),) + program(n),
    {"tiny": 20, "small": 1000, "medium": 10_000, "large": 1_000_000},
    tags=frozenset({"scalar"}), elemental=chain_elemental))
