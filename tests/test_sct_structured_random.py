"""Random programs (tests/program_gen.py) through SCT's structured output, against JAX.

The programs of tests/test_random_programs.py (loops with static trip counts,
branches on primal values and loop counters, pytrees, index reads and writes)
run on JAX arrays through ``SCTEngine(control="lax")``, in jvp and vjp, eagerly
(loops as ``lax.scan``, branches on concrete values) and under ``jax.jit`` (branches
on traced values as ``lax.cond``). A wrong number is a failure; under jit an
:class:`SCTError` is accepted (a construct the structured form refuses, by its line),
and so is a documented refusal of the plain engine.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import program_gen as pg
import pytest
import test_random_programs as trp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jax import tree_util

from adcompare.engines.sct import SCTEngine, SCTError

lax_sct = SCTEngine(control="lax")


def _jax(tree):
    return tree_util.tree_map(lambda v: jnp.asarray(v) if isinstance(v, (float, np.ndarray)) else v, tree)


def check(program: pg.Program, module, seed: int, jit: bool) -> None:
    args, tangents, y, y_dot, y_bar, args_bar, _ = trp.oracle(program, module, seed)
    assume(all(np.all(np.isfinite(leaf)) for leaf in tree_util.tree_leaves((y, y_dot, args_bar))
               if np.asarray(leaf).dtype != jax.dtypes.float0))
    f = module.f_natural

    def vjp(*xs):
        out, f_vjp = lax_sct.vjp(f, *xs)
        return out, f_vjp(_jax(y_bar))

    def jvp(*xs):
        return lax_sct.jvp(f, xs, _jax(tangents))

    for mode, run, expected in (("jvp", jvp, (y, y_dot)), ("vjp", vjp, (y, args_bar))):
        try:
            ours = (jax.jit(run) if jit else run)(*_jax(args))
        except Exception as error:  # noqa: BLE001  (a refusal is an answer; anything else fails below)
            if trp.refusal_accepted("sct", program, error) or (jit and isinstance(error, SCTError)):
                continue
            raise AssertionError(f"lax {mode} raised {type(error).__name__}: {error}\n{program!r}") from error
        trp.assert_tree_close(ours, expected, f"lax {mode} (jit={jit}), seed {seed}\n{program!r}")


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_random_programs_structured(jit, tmp_path_factory):
    directory = tmp_path_factory.mktemp(f"structured_{jit}")

    @settings(max_examples=30, deadline=None, derandomize=True, database=None, report_multiple_bugs=False,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    @given(program=trp.programs(frozenset(pg.FEATURES)), seed=st.integers(0, 2**16))
    def run(program, seed):
        check(program, pg.load(program, directory), seed, jit)

    run()
