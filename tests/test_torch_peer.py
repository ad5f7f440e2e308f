"""The torch peer runs the natural-form source of every workload and every ``anp.linalg`` name, and its
gradient is JAX's (float64); what it cannot do fails with an error that names it.

Torch differentiates the very source our engines and JAX run (``adcompare.measure.torch_numpy`` is
the array namespace the vocabulary calls on tensors). Skipped with a note where torch is missing.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare import workloads
from adcompare.measure import tools
from adcompare.oracle import max_error

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0): peer not tested")
tvl = pytest.importorskip("test_vocab_linalg")  # its cases: anp.linalg functions and their jax.numpy twins

TOL = 1e-9


@pytest.fixture(autouse=True)
def _torch_namespace():
    tools.enable_torch()


def _numpy(xs):
    return tuple(np.asarray(x.detach().cpu()) for x in xs)


def _torch_grad(f, xs):
    ts = [t.detach().requires_grad_() for t in tools.to_torch(tuple(xs))]
    return _numpy(torch.autograd.grad(f(*ts), ts, materialize_grads=True))


# --------------------------------------------------------------------------
# Every workload, as the bench's torch cell runs it, against jax.grad


def _cases():
    for name in workloads.names():
        w = workloads.get(name)
        for size in ("tiny", "small") if "linalg" in w.tags else ("tiny",):
            yield name, size


@pytest.mark.parametrize("problem, size", list(_cases()))
def test_the_torch_cell_gradient_is_jaxs(problem, size):
    w = workloads.get(problem)
    for seed in range(2):
        prepared = tools.prepare("torch", w, tools.to_torch(w.inputs(size, seed)), "grad", seed)
        got = _numpy(prepared.derivative())
        expected = tools.reference(w, size, "grad", seed)
        assert max_error(got, tuple(expected) if isinstance(expected, (tuple, list)) else (expected,)) < TOL


def test_gp_runs_at_medium_on_torch():
    w = workloads.get("gp")
    got = _numpy(tools.prepare("torch", w, tools.to_torch(w.inputs("medium", 0)), "grad").derivative())
    assert max_error(got, tuple(tools.reference(w, "medium", "grad", 0))) < 1e-8


# --------------------------------------------------------------------------
# Every anp.linalg case of the vocabulary's own suite, its VJP on torch against jax.vjp


@pytest.mark.parametrize("case", list(tvl.CASES))
def test_linalg_vjp_on_torch_matches_jax(case):
    ours, theirs, inputs = tvl.CASES[case]
    for seed in range(2):
        rng = np.random.default_rng(seed)
        xs = inputs(rng)
        ys = theirs(*map(jnp.asarray, xs))
        weights = tuple(rng.normal(size=np.shape(y)) for y in ys)
        every = tuple(range(len(xs)))
        expected = jax.grad(tvl.scalar(theirs, weights, len(xs)), every)(*map(jnp.asarray, xs))
        got = _torch_grad(tvl.scalar(ours, weights, len(xs)), xs)
        assert max_error(got, tuple(expected)) < TOL, f"seed {seed}"
        values = ours(*tools.to_torch(xs))
        assert max_error(tuple(_numpy(values)), tuple(ys)) < TOL


def test_linalg_hessian_on_torch_matches_jax():
    """torch.func (forward over reverse) through the linalg namespace: gp's Hessian cell."""
    w = workloads.get("gp")
    prepared = tools.prepare("torch", w, tools.to_torch(w.inputs("tiny", 1)), "hessian", 1)
    got = np.asarray(prepared.derivative().detach().cpu())
    assert max_error(got, tools.reference(w, "tiny", "hessian", 1)) < TOL


# --------------------------------------------------------------------------
# NumPy constants beside tensors: in operators, and in the vocabulary's calls


def mixed(x):
    c = np.linspace(0.5, 2.0, 3)
    y = c * x + x / c - np.ones(3) ** x + (np.eye(3) @ x) * 2.0
    z = anp.where(np.array([True, False, True]), anp.multiply(c, y), anp.divide(1.0, y))
    return anp.sum(anp.maximum(z, c)) + anp.sum(anp.linalg.solve(np.eye(3) + 0.1, z))


def test_numpy_constants_meet_tensors_in_operators_and_calls():
    rng = np.random.default_rng(4)
    for _ in range(3):
        x = rng.uniform(0.5, 1.5, size=3)
        (got,) = _torch_grad(mixed, (x,))
        assert max_error(got, jax.grad(mixed)(jnp.asarray(x))) < TOL


def test_numpy_constants_meet_tensors_under_torch_func():
    x = np.random.default_rng(5).uniform(0.5, 1.5, size=3)
    got = torch.func.hessian(mixed)(*tools.to_torch((x,)))
    assert max_error(np.asarray(got.detach()), jax.hessian(mixed)(jnp.asarray(x))) < TOL


@pytest.mark.parametrize("call, message", [
    (lambda t: np.cbrt(t), "numpy.cbrt on a torch tensor is not supported by the torch peer"),
    (lambda t: np.add.reduce(t), "numpy.add.reduce on a torch tensor is not supported"),
])
def test_a_numpy_ufunc_torch_lacks_is_refused_by_name(call, message):
    t = torch.ones(3, dtype=torch.float64, requires_grad=True)
    with pytest.raises(TypeError, match=message):
        call(t)


# --------------------------------------------------------------------------
# Where a derivative does not exist, the same refusal as our rules (torch's own answer is nan)


@pytest.mark.parametrize("fn, message", [
    (lambda a: anp.sum(anp.linalg.eigh(a)[1][..., 0] ** 2 * np.arange(3.0)),
     "anp.linalg.eigh: the derivative needs distinct eigenvalues"),
    (lambda a: anp.sum(anp.linalg.svd(a)[0][..., 0] ** 2 * np.arange(3.0)),
     "anp.linalg.svd: the derivative needs distinct singular values"),
])
def test_repeated_values_are_refused_on_torch(fn, message):
    with pytest.raises(ValueError, match=message):
        _torch_grad(fn, (np.diag([2.0, 2.0, 3.0]),))


def test_repeated_values_are_fine_without_a_derivative():
    a = torch.as_tensor(np.diag([2.0, 2.0, 3.0]))
    w, _ = anp.linalg.eigh(a)
    np.testing.assert_allclose(np.asarray(w), [2.0, 2.0, 3.0])
