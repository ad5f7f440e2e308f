"""JAX as the oracle: one engine, one workload, one mode, against ``jax``.

:func:`compare` runs an engine's derivative and JAX's on the very same
natural-form source (``anp.*`` dispatches to ``jax.numpy`` on tracers) and
returns the largest error, scaled by the size of JAX's answer. The tests and
``adcompare check`` both use it. JAX must run in float64
(``jax.config.update("jax_enable_x64", True)``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from adcompare.engine import Engine, partial_args
from adcompare.primitives import shape
from adcompare.workloads import Workload, nested

# Every derivative mode, named once: the oracle checks CHECKED (its "hessian" checks both compositions);
# the measurement harness times every mode but vjp ("hessian" forward over reverse, "-rr" reverse over reverse).
MODES = ("jvp", "vjp", "grad", "hessian", "hessian-rr", "hvp", "hvp-rr")
CHECKED = MODES[:4]
TOLERANCE = 1e-9


def max_error(ours: Any, theirs: Any) -> float:
    """max |ours - theirs| / max(|theirs|), over every leaf of a (nested) tuple."""
    if isinstance(theirs, (tuple, list)):
        if len(ours) != len(theirs):
            return float("inf")
        return max((max_error(a, b) for a, b in zip(ours, theirs)), default=0.0)
    a, b = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-6)
    return float(np.max(np.abs(a - b), initial=0.0)) / scale


def form(engine: Engine, workload: Workload) -> Callable:
    """The source an engine differentiates: the workload's form the engine declares (``Engine.source_form``)."""
    source = getattr(workload, engine.source_form)
    if source is None:
        raise NotImplementedError(f"{workload.name} has no {engine.source_form} form")
    return source


def _to_jax(x: Any) -> Any:
    return jnp.asarray(x, dtype=jnp.float64)


def compare(engine: Engine, workload: Workload, mode: str, seed: int = 0,
            backend: str = "numpy", size: str = "tiny") -> float:
    """The largest scaled error of ``engine`` against JAX in ``mode``."""
    if not jax.config.jax_enable_x64:
        raise RuntimeError("the oracle compares in float64: enable jax_enable_x64 first")
    if mode not in CHECKED:
        raise ValueError(f"mode must be one of {', '.join(CHECKED)}, not {mode!r}")
    args = workload.inputs(size, seed, backend)
    nums = workload.argnums
    ours = partial_args(form(engine, workload), args, nums)
    active = tuple(args[i] for i in nums)
    seeds, expected = _expected(workload, mode, seed, size)
    if mode == "jvp":
        tangents = tuple(like(a, t) for a, t in zip(active, seeds))
        return max_error(engine.jvp(ours, active, tangents), expected)
    if mode == "vjp":
        y, f_vjp = engine.vjp(ours, *active)
        y_jax, bars_jax = expected
        return max(max_error(y, y_jax), max_error(f_vjp(like(y, seeds)), bars_jax))
    if mode == "grad":
        return max_error(engine.grad(ours, tuple(range(len(nums))))(*active), expected)
    return max(max_error(engine.hessian(ours, 0, how)(*active), expected) for how in ("fwd-rev", "rev-rev"))


_EXPECTED: dict[tuple, tuple] = {}


def _expected(workload: Workload, mode: str, seed: int, size: str) -> tuple:
    """JAX's answer in ``mode`` and the random seeds it took (tangents, or the cotangent's values),
    computed once per (workload, mode, seed, size): every engine and both backends share it, as
    the inputs are the same values on either backend."""
    key = (id(workload), mode, seed, size)
    hit = _EXPECTED.get(key)
    if hit is not None and hit[0] is workload:  # the workload is kept in the entry, so its id is not reused
        return hit[1]
    args = workload.inputs(size, seed, "numpy")
    nums = workload.argnums
    args_jax = tuple(_to_jax(a) if i in nums else a for i, a in enumerate(args))
    oracle = partial_args(workload.natural, args_jax, nums)
    active_jax = tuple(args_jax[i] for i in nums)
    rng = np.random.default_rng(1000 + seed)
    if mode == "jvp":
        seeds = tuple(rng.normal(size=shape(a)) for a in active_jax)
        out = seeds, jax.jvp(oracle, active_jax, tuple(_to_jax(t) for t in seeds))
    elif mode == "vjp":
        y_jax, f_vjp_jax = jax.vjp(oracle, *active_jax)
        y_bar = rng.normal(size=shape(y_jax))
        out = y_bar, (y_jax, f_vjp_jax(_to_jax(y_bar)))
    elif mode == "grad":
        out = None, jax.grad(oracle, tuple(range(len(nums))))(*active_jax)
    else:
        out = None, jax.hessian(oracle)(*active_jax)
    _EXPECTED[key] = (workload, out)
    return out


def like(x: Any, values: np.ndarray) -> Any:
    """``values`` as an array of ``x``'s kind and dtype (JAX, torch, NumPy), a Python float for a float."""
    if isinstance(x, jax.Array):
        return jnp.asarray(values, dtype=x.dtype)
    if type(x).__module__.startswith("torch"):
        import torch

        return torch.as_tensor(values, dtype=x.dtype, device=x.device)
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return float(values)
    return np.asarray(values, dtype=np.float64)


def matrix(engines: Sequence[str], problems: Sequence[str], seeds: int,
           backends: Sequence[str] = ("numpy", "jax")) -> Iterator[dict]:
    """The correctness matrix: one row per (problem, engine, mode, backend), in that order.

    A row holds the largest error over ``seeds`` seeds, ``passed`` (below
    :data:`TOLERANCE`), and a ``note`` naming the exception where the cell raised.
    """
    import adcompare as ad
    from adcompare import workloads

    for problem in problems:
        w = workloads.get(problem)
        for name in engines:
            eng = ad.engine(name)
            for mode in CHECKED:
                for backend in backends:
                    row = dict(engine=name, problem=problem, mode=mode, backend=backend, seeds=seeds)
                    try:
                        err = max(compare(eng, w, mode, s, backend) for s in range(seeds))
                        yield dict(row, max_error=err, passed=err < TOLERANCE, note="")
                    except Exception as exc:  # a crash is a failing cell, with its reason
                        yield dict(row, max_error=None, passed=False, note=f"{type(exc).__name__}: {exc}"[:200])


# SCT differentiates closures (the nested problems' inner functions) only when it transforms its
# own output (higher="sct", its default; higher="boxes" refuses them by name).
NESTED_OPTIONS = {"sct": {"higher": "sct"}}


def nested_matrix(engines: Sequence[str], problems: Sequence[str] = ("particle", "saddle"),
                  compositions: Sequence[str] = nested.COMPOSITIONS) -> Iterator[dict]:
    """GradBench's nested-derivative problems, each engine taking both the outer and the inner
    derivative in each composition, against GradBench's published answers (``nested.EXPECTED``):
    one row per (problem, engine, composition) with the scaled error, ``passed`` and a ``note``
    naming the exception where the run raised."""
    import adcompare as ad

    for problem in problems:
        run, expected = getattr(nested, problem), nested.EXPECTED[problem]
        for name in engines:
            eng = ad.engine(name, **NESTED_OPTIONS.get(name, {}))
            for modes in compositions:
                row = dict(engine=name, problem=problem, composition=modes)
                try:
                    out = run(eng, modes, form=eng.source_form)
                    ours = tuple(float(c) for c in out) if isinstance(expected, tuple) else float(out)
                    err = max_error(ours, expected)
                    yield dict(row, max_error=err, passed=err < TOLERANCE, note="")
                except Exception as exc:  # a crash is a failing cell, with its reason
                    yield dict(row, max_error=None, passed=False, note=f"{type(exc).__name__}: {exc}"[:200])
