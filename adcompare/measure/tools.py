"""Tools: our engines and the peers, each prepared on one problem the same way.

A tool turns (workload, inputs, mode) into two zero-argument callables, the
primal and the derivative, plus what it can tell about kept memory. Every tool
runs the problem's natural-form source (the elemental engine its elemental
form): the vocabulary dispatches on JAX arrays, autograd boxes and torch
tensors alike.

Tool names are ``<engine>[:<variant>][+jit]`` or a peer's name:
  ``overloading``, ``elemental``, ``sct``           our engines, eager (``sct`` is ``SCTEngine()``)
  ``sct:boxes``                                  ``SCTEngine(higher="boxes")``: a derivative of an SCT
                                                 derivative runs the generated code on overloading boxes
  ``sct:sct``                                    ``SCTEngine(higher="sct")``: SCT transforms its own output
  ``sct:lax`` (jax backend)                      ``SCTEngine(control="lax")``: loops and branches emitted
                                                 as ``lax.scan``/``while_loop``/``cond``
  ``overloading+jit``, ``sct:lax+jit``, ... (jax backend)  any of those staged by ``jax.jit``
  ``jax``, ``jax+jit`` (jax backend)              JAX eager and ``jax.jit``
  ``jax+scan`` (jax backend)                      ``jax.jit`` of the workload's ``lax.scan`` form
  ``autograd`` (numpy backend)                   HIPS autograd
  ``torch`` (torch backend: CPU, or CUDA where there is a GPU)
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

import adcompare as ad
from adcompare.engine import partial_args
from adcompare.measure.footprint import jax_residual_bytes, kept_bytes
from adcompare.measure.modes import TIMED_MODES, derivative_of
from adcompare.measure.opcount import count, count_derivative
from adcompare.oracle import form, like
from adcompare.primitives import register_namespace
from adcompare.workloads import Workload

PEERS = ("jax", "jax+jit", "jax+scan", "autograd", "torch")
# SCT configurations by name: the SCTEngine options each variant sets (one the engine lacks raises when built)
SCT_VARIANTS: dict[str, dict[str, str]] = {"boxes": {"higher": "boxes"}, "sct": {"higher": "sct"},
                                           "lax": {"control": "lax"}}
TORCH_MISSING = "torch is not installed (pip install torch==2.13.0)"
_JAX_VARIANTS = ("lax",)  # structured control flow is emitted for JAX inputs only


class ToolUnavailable(Exception):
    """A peer that is not installed, or a (tool, backend, mode) it cannot do: skipped with a note."""


@dataclass
class Prepared:
    primal: Callable[[], Any]
    derivative: Callable[[], Any]
    kept_bytes: Callable[[], int | None]
    staged: bool = False  # jit: the first call compiles
    jitted: tuple[Any, tuple] | None = None  # jit: (the ``jax.jit`` derivative, its arguments) for AOT staging
    op_counts: Callable[[], tuple] | None = None  # our engines: (OpLog of f, OpLog of the derivative)


def all_tools() -> tuple[str, ...]:
    variants = tuple(f"sct:{v}" for v in SCT_VARIANTS)
    return (ad.ENGINES + tuple(f"{e}+jit" for e in ad.ENGINES) + variants + tuple(f"{v}+jit" for v in variants)
            + PEERS)


def split(tool: str) -> tuple[str, str, str]:
    """(engine or peer, variant, staging) of a tool name: ``"sct:lax+jit"`` -> ``("sct", "lax", "jit")``."""
    name, _, staging = tool.partition("+")
    base, _, variant = name.partition(":")
    return base, variant, staging


def engine_of(tool: str) -> ad.Engine:
    """Our engine a tool names, built with its variant's options (which may raise NotImplementedError)."""
    base, variant, _ = split(tool)
    if not variant:
        return ad.engine(base)
    if base != "sct" or variant not in SCT_VARIANTS:
        raise ValueError(f"unknown tool {tool!r}; choose from {', '.join(all_tools())}")
    from adcompare.engines.sct import SCTEngine

    return SCTEngine(**SCT_VARIANTS[variant])


def backend_of(tool: str, requested: str) -> str:
    """The backend a tool runs on: JAX tools need jax, autograd numpy, torch torch."""
    base, variant, staging = split(tool)
    if base == "jax" or staging or variant in _JAX_VARIANTS:
        return "jax"
    if tool == "autograd":
        return "numpy"
    if tool == "torch":
        return "torch"
    return requested


def prepare(tool: str, w: Workload, args: tuple, mode: str, seed: int = 0) -> Prepared:
    """The primal and derivative callables of ``tool`` on ``w`` at ``args``."""
    if tool not in all_tools():
        raise ValueError(f"unknown tool {tool!r}; choose from {', '.join(all_tools())}")
    rng = _rng(seed)
    nums = w.argnums
    base, _, jit = split(tool)
    if base in ad.ENGINES:
        eng = engine_of(tool)
        f = partial_args(form(eng, w), args, nums)
        active = tuple(args[i] for i in nums)
        if jit:
            return _staged(eng, f, active, mode, rng)
        derivative = derivative_of(eng, f, active, mode, rng)

        return Prepared(lambda: f(*active), derivative, lambda: kept_bytes(eng.vjp(f, *active)[1]),
                        op_counts=lambda: _op_counts(eng, form(eng, w), args, nums, mode, rng))
    active = tuple(args[i] for i in nums)
    if tool == "jax+scan":
        if w.scan is None:
            raise ToolUnavailable(f"{w.name} has no lax.scan form")
        return _staged(jax, partial_args(w.scan, args, nums), active, mode, rng)
    f = partial_args(w.natural, args, nums)
    if base == "jax":
        if jit:
            return _staged(jax, f, active, mode, rng)
        return Prepared(lambda: f(*active), derivative_of(jax, f, active, mode, rng),
                        lambda: _jax_kept(f, active))
    if base == "autograd":
        return _autograd(f, active, mode, rng)
    return _torch(f, active, mode, rng)


def reference(w: Workload, size: Any, mode: str, seed: int = 0, tool: str = "jax") -> Any:
    """JAX's answer (float64; eager ``jax``, or a JAX tool such as ``jax+scan``) for the cell
    :func:`prepare` would build: the same inputs, the same tangents."""
    if split(tool)[0] != "jax":
        raise ValueError(f"the reference is a JAX tool (jax, jax+jit, jax+scan), not {tool!r}")
    return prepare(tool, w, w.inputs(size, seed, "jax"), mode, seed).derivative()


def _rng(seed: int) -> np.random.Generator:
    """The tangents' generator: :func:`prepare` and :func:`reference` draw the same ones."""
    return np.random.default_rng(10_000 + seed)


def _op_counts(eng, source: Callable, args: tuple, nums: tuple, mode: str, rng) -> tuple:
    """Primitive applications in f and in its derivative (:mod:`adcompare.measure.opcount`)."""
    return count(source, args, nums), count_derivative(eng, source, args, nums, mode, rng)


def _staged(api: Any, f: Callable, active: tuple, mode: str, rng) -> Prepared:
    primal = jax.jit(f)
    derivative = jax.jit(lambda *xs: derivative_of(api, f, xs, mode, rng)())
    return Prepared(lambda: primal(*active), lambda: derivative(*active),
                    lambda: _jax_kept(f, active) if api is jax else None, staged=True,
                    jitted=(derivative, active))


def _jax_kept(f: Callable, active: tuple) -> int:
    return jax_residual_bytes(jax.vjp(f, *active)[1])


# --------------------------------------------------------------------------
# Peers


def available(peer: str) -> bool:
    module = {"autograd": "autograd", "torch": "torch"}.get(peer.split("+")[0])
    return module is None or importlib.util.find_spec(module) is not None


def _autograd(f: Callable, active: tuple, mode: str, rng) -> Prepared:
    if not available("autograd"):
        raise ToolUnavailable("autograd is not installed (pip install -e '.[peers]')")
    from adcompare.measure.autograd_api import AutogradAPI

    return Prepared(lambda: f(*active), derivative_of(AutogradAPI(), f, active, mode, rng), lambda: None)


def torch_device() -> str:
    from adcompare.measure import torch_numpy

    return torch_numpy.DEVICE


def to_torch(args: tuple) -> tuple:
    """Every array and float argument as a float64 (or int64) torch tensor on the device."""
    if not available("torch"):
        raise ToolUnavailable(TORCH_MISSING)
    import torch

    device = torch_device()
    out = []
    for a in args:
        if isinstance(a, (np.ndarray, float, np.floating)):
            out.append(torch.as_tensor(np.asarray(a), device=device))
        else:
            out.append(a)
    return tuple(out)


def enable_torch() -> None:
    """Run the vocabulary on torch tensors (:mod:`adcompare.measure.torch_numpy`), NumPy constants
    beside them included; for the rest of the process."""
    if not available("torch"):
        raise ToolUnavailable(TORCH_MISSING)
    import torch

    import adcompare.measure.torch_numpy as tnp

    register_namespace(torch.Tensor, tnp)
    register_namespace(torch.nn.Parameter, tnp)
    tnp.interoperate_with_numpy()


def _torch(f: Callable, active: tuple, mode: str, rng) -> Prepared:
    enable_torch()
    import torch

    torch.set_num_threads(1)
    sync = torch.cuda.synchronize if torch_device() == "cuda" else (lambda: None)

    def primal():
        with torch.no_grad():
            out = f(*active)
        sync()
        return out

    def grad():
        xs = [a.detach().requires_grad_() for a in active]
        out = torch.autograd.grad(f(*xs), xs, materialize_grads=True)  # an unused input: zeros, as JAX
        sync()
        return out

    def kept():
        saved: dict[int, int] = {}

        def pack(t):
            saved[id(t)] = t.numel() * t.element_size()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            xs = [a.detach().requires_grad_() for a in active]
            f(*xs)
        return sum(saved.values())

    if mode == "grad":
        return Prepared(primal, grad, kept)
    tangents = tuple(like(a, rng.normal(size=tuple(a.shape))) for a in active)
    if mode == "jvp":
        return Prepared(primal, lambda: torch.func.jvp(f, active, tangents), lambda: None)
    if mode == "hessian":
        return Prepared(primal, lambda: torch.func.hessian(f)(*active), lambda: None)
    if mode == "hessian-rr":
        return Prepared(primal, lambda: torch.func.jacrev(torch.func.jacrev(f))(*active), lambda: None)
    if mode == "hvp":
        return Prepared(primal, lambda: torch.func.jvp(torch.func.grad(f), active, tangents)[1],
                        lambda: None)
    if mode == "hvp-rr":
        v = tangents[0]
        hv = torch.func.grad(lambda *xs: torch.sum(torch.func.grad(f)(*xs) * v))
        return Prepared(primal, lambda: hv(*active), lambda: None)
    raise ValueError(f"mode must be one of {', '.join(TIMED_MODES)}, not {mode!r}")
