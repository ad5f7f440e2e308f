"""The value and aux of grad, value_and_grad and jacrev are never the caller's own arrays.

Found reviewing 080bb5b (arrays written into after a derivative was taken change nothing, as
JAX's): vjp and jvp copy what aliases their inputs, but value_and_grad's value and the aux of
grad, value_and_grad and jacrev came straight from the function, so ``(loss, p), g =
value_and_grad(f, has_aux=True)(params)`` with ``f`` returning ``params`` as aux, or the value of a
0-d input's identity, was the caller's array: ``params -= lr * g`` afterwards changed the aux and
value already returned, silently, on every engine (SCT's direct gradient path too). JAX's are new
arrays. Checked: values against JAX in float64, and that a later write into the inputs changes
none of the returned arrays.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = {"overloading": {}, "sct": {}, "sct-sct": {"higher": "sct"}}
CASES = {  # name -> (derivative, function on ``lib``, has_aux)
    "value_of_identity": ("value_and_grad", lambda lib: lambda z: z, False),
    "value_of_reshape": ("value_and_grad", lambda lib: lambda z: lib.reshape(z, ()), False),
    "aux_value_and_grad": ("value_and_grad", lambda lib: lambda z: (lib.sum(lib.sin(z)), z), True),
    "aux_grad": ("grad", lambda lib: lambda z: (lib.sum(lib.sin(z)), z), True),
    "aux_jacrev": ("jacrev", lambda lib: lambda z: (lib.sin(z), z[1:]), True),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_results_stay_when_the_inputs_are_written(engine, case):
    how, make, has_aux = CASES[case]
    eng = ad.engine(engine.split("-")[0], **ENGINES[engine])
    x = np.random.default_rng(3).normal(size=() if case == "value_of_identity" else (1,) if "reshape" in case else 4)
    want = getattr(jax, how)(make(jnp), has_aux=has_aux)(jnp.asarray(x))
    got = getattr(eng, how)(make(anp), has_aux=has_aux)(x)
    x[...] = 100.0  # a training step in place
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=0)
