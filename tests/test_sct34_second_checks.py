"""SCT over SCT through code that holds run-time checks written as statements.

A rule's check that repeated eigen- or singular values are refused (``_gaps(w, ...)`` in the VJPs of ``eigh``,
``svd`` and ``svdvals``) is a call written as a statement, as are the value checks SCT's first derivative holds
(``same_length``, ``check_inplace``...). SCT refused any such statement when it transformed that code again, so the
Hessian and HVP of a matrix norm and of ``eigvalsh`` fell back to the boxes. Those functions are marked
(:func:`adcompare.primitives.check_only`) and kept in the forward sweep as an ``assert`` is: the second order is
SCT's generated code alone (no box), and agrees with JAX. Any other call statement is still refused, and so is
``unshared_item`` (before ``out[i] += v``), which reads its caller's frame: a second derivative of that code is
on the boxes (exact).
(``norm`` chose its reduction by calling ``(max if ord > 0 else min)(...)``, a callee known only when it runs,
which reverse over reverse takes on the boxes: it calls each in its own branch now.)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare.engine import partial_args
from adcompare.engines.sct import SCTEngine
from adcompare.engines.sct.errors import SCTError
from tests.probe17_programs import A
from tests.test_sct_higher import _no_traces

jax.config.update("jax_enable_x64", True)


def norms(x):
    m = anp.outer(x, anp.sin(x)) + A
    return anp.linalg.norm(m, 2) ** 2 + anp.linalg.norm(m, "nuc") + anp.linalg.norm(x * x) + anp.linalg.norm(m, 1)


def norms_jax(x):
    m = jnp.outer(x, jnp.sin(x)) + A
    return jnp.linalg.norm(m, 2) ** 2 + jnp.linalg.norm(m, "nuc") + jnp.linalg.norm(x * x) + jnp.linalg.norm(m, 1)


def eigen(x):
    return anp.sum(anp.linalg.eigvalsh(anp.outer(x, x) + A + A.T) ** 3)


def eigen_jax(x):
    return jnp.sum(jnp.linalg.eigvalsh(jnp.outer(x, x) + A + A.T) ** 3)


PAIRS = {"norms": (norms, norms_jax), "eigen": (eigen, eigen_jax)}


@pytest.mark.parametrize("name", list(PAIRS))
def test_second_order_through_checks_makes_no_box(name, monkeypatch):
    ours, theirs = PAIRS[name]
    cases = []
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        x, v = rng.normal(size=3), rng.normal(size=3)
        xj, vj = jnp.asarray(x), jnp.asarray(v)
        cases.append((x, v, jax.hessian(theirs)(xj), jax.jvp(jax.grad(theirs), (xj,), (vj,))[1]))
    _no_traces(monkeypatch)
    for x, v, hessian, hvp in cases:
        np.testing.assert_allclose(SCTEngine().hessian(ours)(x), hessian, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(SCTEngine().hessian(ours, mode="rev-rev")(x), hessian, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(SCTEngine().hvp(partial_args(ours, (x,), (0,)), (x,), (v,)), hvp,
                                   rtol=1e-9, atol=1e-11)


def unmarked(x):
    return x


def calls_for_effect(x):
    unmarked(x)
    return anp.sum(x * x)


def test_a_call_statement_of_anything_else_is_still_refused():
    with pytest.raises(SCTError, match="an expression statement"):
        SCTEngine().grad(calls_for_effect)(np.ones(3))
