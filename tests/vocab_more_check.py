"""Shared harness of the ``test_vocab_more_*`` tests: whole programs written once against a namespace
(``program(np_)`` returns the function), run with ``adcompare.numpy`` on the overloading engine and SCT
(both second-order options) and with ``jax.numpy`` (jitted: one compilation per program) as the oracle.
Values, gradients, JVPs and Hessian-vector products are compared leaf by leaf, nan where JAX gives nan.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

RTOL = 1e-10
# SCT's first order is the same transform whatever ``higher`` is: its default engine would repeat sct-higher's
# first-order checks (CI time), and its own second order re-transforms for every direction (seconds here)
ENGINES = {"overloading": ad.engine("overloading"), "sct-higher": ad.engine("sct", higher="sct")}
_REFERENCES: dict = {}


def close(ours, theirs, rtol: float = RTOL) -> None:
    a_leaves, b_leaves = jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)
    assert len(a_leaves) == len(b_leaves), (ours, theirs)
    for a, b in zip(a_leaves, b_leaves):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        assert a.shape == b.shape, (a.shape, b.shape)
        finite = np.abs(b[np.isfinite(b)])
        scale = max(float(np.max(finite, initial=0.0)), 1e-6)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * scale, equal_nan=True)


def _reference(program, args, tangents):
    key = (program, tuple(np.asarray(a).tobytes() for a in args))
    if key not in _REFERENCES:
        f, nums = program(jnp), tuple(range(len(args)))

        def derivatives(*xs):
            hvp = jax.jvp(jax.grad(f, nums), xs, tangents)[1]
            return jax.value_and_grad(f, nums)(*xs), jax.jvp(f, xs, tangents)[1], hvp

        _REFERENCES[key] = jax.jit(derivatives)(*(jnp.asarray(a) for a in args))  # one compilation
    return _REFERENCES[key]


def check_program(program, args, engine: str, second: bool | None = None) -> None:
    """Value, gradient (every argument), a JVP and (``second``) a Hessian-vector product (forward over
    reverse, every argument) of a scalar program against JAX.

    Second order is checked on the overloading engine and SCT's own (``higher="sct"``) by default: SCT's
    default transforms the generated reverse code again for every direction (seconds per program here)."""
    second = engine != "sct" if second is None else second
    args = tuple(np.asarray(a, dtype=np.float64) for a in args)
    rng = np.random.default_rng(len(args))
    tangents = tuple(rng.normal(size=np.shape(a)) for a in args)
    value_grad, jvp, hvp = _reference(program, args, tangents)
    eng, f, nums = ENGINES[engine], program(anp), tuple(range(len(args)))
    close(eng.value_and_grad(f, nums)(*args), value_grad)
    close(eng.jvp(f, args, tangents)[1], jvp)
    if second:
        close(eng.jvp(eng.grad(f, nums), args, tangents)[1], hvp)


def seeded(shapes, seeds=(0, 1)) -> list:
    """Seeded normal inputs of ``shapes``, one tuple per seed."""
    out = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        out.append(tuple(rng.normal(size=s) for s in shapes))
    return out


def program_tests(programs: list, shapes: list):
    """The test of a list of programs, each on every engine at two seeded points of ``shapes``."""

    @pytest.mark.parametrize("engine", ENGINES)
    @pytest.mark.parametrize("program", programs)
    def test_programs_against_jax(program, engine):
        for args in seeded(shapes):
            check_program(program, args, engine)

    return test_programs_against_jax


def check_on_tracers(program, args) -> None:
    """The vocabulary's source under ``jax.jit(jax.value_and_grad(...))`` (its names on JAX tracers) against
    ``jax.numpy``'s: indices and bins found on primal values must be found with the tracers' namespace."""
    nums = tuple(range(len(args)))
    close(jax.jit(jax.value_and_grad(program(anp), nums))(*args), jax.value_and_grad(program(jnp), nums)(*args))
