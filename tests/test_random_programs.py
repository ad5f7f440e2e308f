"""Random programs (tests/program_gen.py) on every engine, in grad, vjp and jvp, against JAX.

Each hypothesis example is one program of at most 12 statements: pytree
arguments read by subscripts and unpacking, tuple/list/dict outputs, loops with
static trip counts, branches on primal values and loop counters, index reads and
writes, lists of active values passed to the vocabulary, broadcasting,
reductions, matmul and elementwise functions on safe domains. The same tree is
rendered in natural form (overloading, SCT), elemental form and JAX form (the
oracle, run eagerly so that ``if`` on an active value sees a concrete value).

A wrong number is always a failure. An error is accepted only where
:data:`REFUSALS` documents that the engine refuses the feature, and only with
its message. :data:`KNOWN_FAILING` switches a feature off for one engine while
it is being fixed: every entry names the failure, so nothing is hidden.
Runs are deterministic (``derandomize=True``, no example database).
"""

from __future__ import annotations

import re

import jax
import numpy as np
import program_gen as pg
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jax import tree_util

import adcompare as ad
from adcompare.primitives import Box

TOL = 1e-9
MAX_EXAMPLES = {"elemental": 100, "overloading": 150, "sct": 220}  # SCT refuses index writes: more draws; elemental
# (each program in its el.* rendering too) the slowest: fewer, for CI time

# Features an engine gets wrong today, switched off for it until fixed, with what goes wrong (none now).
KNOWN_FAILING: dict[str, dict[str, str]] = {"elemental": {}, "overloading": {}, "sct": {}}

# Documented refusals: (engine, feature) -> the error message (a regex) that is an acceptable answer.
# SCT writes functionally (as JAX): a write into a name another name shares (z = y) is refused, with its line.
REFUSALS: dict[tuple[str, str], str] = {
    ("sct", "index_update"): r"a write into \w+\[\.\.\.\], and another name may hold the same array(.|\n)*"
                             r"in function 'f_natural', .*fuzz_\w+\.py, line \d+",
}

ENGINES = {name: ad.engine(name) for name in ad.ENGINES}
FLAVOR = {"elemental": "f_elemental", "overloading": "f_natural", "sct": "f_natural"}


@st.composite
def programs(draw, enabled: frozenset[str]) -> pg.Program:
    return pg.generate(pg.Chooser(lambda lo, hi: draw(st.integers(lo, hi))), enabled)


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("random_programs")


def assert_tree_close(ours, theirs, what: str) -> None:
    ours_leaves, ours_tree = tree_util.tree_flatten(ours)
    theirs_leaves, theirs_tree = tree_util.tree_flatten(theirs)
    assert ours_tree == theirs_tree, f"{what}: structure {ours_tree} where JAX has {theirs_tree}"
    for k, (a, b) in enumerate(zip(ours_leaves, theirs_leaves)):
        assert not isinstance(a, Box), f"{what}: leaf {k} is an internal {type(a).__name__}"
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        assert a.shape == b.shape, f"{what}: leaf {k} has shape {a.shape} where JAX has {b.shape}"
        finite = np.isfinite(b)  # an overflowing program: inf and nan must sit where JAX has them
        same = (np.isnan(a) & np.isnan(b)) | (a == b)
        assert np.all(finite | same), f"{what}: leaf {k} (inf/nan)\n  ours {a!r}\n  JAX  {b!r}"
        a, b = a[finite], b[finite]
        scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
        err = float(np.max(np.abs(a - b), initial=0.0))
        assert err <= TOL * scale, f"{what}: leaf {k}\n  ours {a!r}\n  JAX  {b!r}"


def refusal_accepted(name: str, program: pg.Program, error: Exception) -> bool:
    return any(re.search(REFUSALS[(name, feature)], str(error))
               for feature in program.features if (name, feature) in REFUSALS)


_ORACLE: dict[tuple[str, int], tuple] = {}


def oracle(program: pg.Program, module, seed: int) -> tuple:
    """JAX's answers, once per (program, seed): the engines' tests draw the same programs."""
    key = (module.__name__, seed)
    if key not in _ORACLE:
        args = program.inputs(seed)
        rng = np.random.default_rng(seed + 1)
        tangents = pg.random_like(args, rng)
        with jax.disable_jit():  # eager: a branch on an active value sees a concrete value
            y, y_dot = jax.jvp(module.f_jax, args, tangents)
            y, f_vjp = jax.vjp(module.f_jax, *args)
            y_bar = pg.random_like(y, rng)
            args_bar = f_vjp(y_bar)
            grads = f_vjp(np.ones_like(y)) if program.scalar_output else None  # what jax.grad computes
        _ORACLE[key] = (args, tangents, y, y_dot, y_bar, args_bar, grads)
    return _ORACLE[key]


def check(name: str, program: pg.Program, module, seed: int) -> None:
    """The engine's jvp, vjp (and grad, for a scalar output) against JAX's, or a documented refusal."""
    eng, f = ENGINES[name], getattr(module, FLAVOR[name])
    args, tangents, y, y_dot, y_bar, args_bar, grads = oracle(program, module, seed)
    # A program that overflows compares inf against nan by evaluation order, not by derivative:
    # not a comparison (test_numerics checks inf and nan where they are the right answer).
    assume(all(np.all(np.isfinite(leaf)) for leaf in tree_util.tree_leaves((y, y_dot, args_bar, grads))
               if np.asarray(leaf).dtype != jax.dtypes.float0))
    modes = {"jvp": (lambda: eng.jvp(f, args, tangents), (y, y_dot)),
             "vjp": (lambda: _vjp(eng, f, args, y_bar), (y, args_bar))}
    if grads is not None:
        modes["grad"] = (lambda: eng.grad(f, tuple(range(len(args))))(*args), grads)
    for mode, (run, expected) in modes.items():
        try:
            ours = run()
        except Exception as error:  # an error is a failure unless it is a documented refusal
            if refusal_accepted(name, program, error):
                continue
            raise AssertionError(f"{name} {mode} raised {type(error).__name__}: {error}\n{program!r}") from error
        assert_tree_close(ours, expected, f"{name} {mode}, seed {seed}\n{program!r}")


def _vjp(eng, f, args, y_bar):
    y, f_vjp = eng.vjp(f, *args)
    return y, f_vjp(y_bar)


@pytest.mark.parametrize("name", ad.ENGINES)
def test_random_programs_match_jax(name, program_dir):
    enabled = frozenset(pg.FEATURES) - set(KNOWN_FAILING[name])

    @settings(max_examples=MAX_EXAMPLES[name], deadline=None, derandomize=True, database=None,
              report_multiple_bugs=False,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])
    @given(program=programs(enabled), seed=st.integers(0, 2**16))
    def run(program, seed):
        check(name, program, pg.load(program, program_dir), seed)

    run()


def test_the_generator_covers_every_feature_and_its_renderings_agree(program_dir):
    """Without differentiation, the three renderings compute the same values (or the oracle would be wrong)."""
    seen: set[str] = set()
    rng = np.random.default_rng(0)
    for seed in range(40):
        program = pg.generate(pg.Chooser.from_rng(rng))
        seen |= program.features
        module = pg.load(program, program_dir)
        args = program.inputs(seed)
        expected = module.f_jax(*tree_util.tree_map(jax.numpy.asarray, args))
        for flavor in ("f_natural", "f_elemental"):
            assert_tree_close(getattr(module, flavor)(*args), expected, f"{flavor}, seed {seed}\n{program!r}")
    assert seen == set(pg.FEATURES), set(pg.FEATURES) - seen
