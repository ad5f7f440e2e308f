"""Shared harness of the vocabulary tests: one name, every engine, both backends, against JAX.

A case is a function of the namespace it is written with, ``case(np_)``, returning
the function to differentiate: the very same source then runs with
``adcompare.numpy`` (overloading, SCT), ``adcompare.elemental`` (the elemental
engine: library calls only, so cases index with ``np_.getitem``) and
``jax.numpy`` (the oracle, through :data:`JNP`, which adds ``getitem``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.oracle import max_error

TOL = 1e-11
SEEDS = (0, 1)
ENGINES = ("elemental", "overloading", "sct")


class _Jnp:
    """jax.numpy, plus ``getitem`` (the vocabulary's spelling of ``x[idx]``)."""

    def __getattr__(self, name):
        return getattr(jnp, name)

    @staticmethod
    def getitem(x, idx):
        return x[idx]


JNP = _Jnp()


def namespace(engine: str):
    return el if engine == "elemental" else anp


def _inputs(shapes, seed: int, backend: str):
    rng = np.random.default_rng(seed)
    xs = tuple(rng.normal(size=s) for s in shapes)
    return xs if backend == "numpy" else tuple(jnp.asarray(x) for x in xs)


def _like(tree, rng):
    return jax.tree_util.tree_map(lambda a: rng.normal(size=np.shape(a)), tree)


def _to_jax(tree):
    return jax.tree_util.tree_map(jnp.asarray, tree)


def check_jvp_vjp(case, shapes, engine: str, backend: str) -> None:
    """JVP and VJP of ``case`` on ``engine`` against ``jax.jvp`` / ``jax.vjp``, on seeded inputs."""
    eng = ad.engine(engine)
    f = case(namespace(engine))
    for seed in SEEDS:
        xs, ts, g, (y_jax, y_dot_jax, bars_jax) = _jvp_vjp_reference(case, shapes, seed)
        xs, ts, g = (xs, ts, g) if backend == "numpy" else (_to_jax(xs), _to_jax(ts), _to_jax(g))
        y, y_dot = eng.jvp(f, xs, ts)
        assert max_error(y, y_jax) < TOL, f"value, seed {seed}"
        assert max_error(y_dot, y_dot_jax) < TOL, f"jvp, seed {seed}"
        _, f_vjp = eng.vjp(f, *xs)
        assert max_error(f_vjp(g), bars_jax) < TOL, f"vjp, seed {seed}"


_REFERENCES: dict = {}


def _reference(key, compute):
    """JAX's answer for ``key``, computed once: every engine and both backends share it."""
    if key not in _REFERENCES:
        _REFERENCES[key] = compute()
    return _REFERENCES[key]


def _jvp_vjp_reference(case, shapes, seed: int):
    """The seeded inputs, tangents and cotangent of a case, and JAX's value, JVP and VJP of them."""

    def compute():
        f_jax = case(JNP)
        xs = _inputs(shapes, seed, "numpy")
        rng = np.random.default_rng(100 + seed)
        ts = _like(xs, rng)
        y_jax, y_dot_jax = jax.jvp(f_jax, _to_jax(xs), _to_jax(ts))
        _, f_vjp_jax = jax.vjp(f_jax, *_to_jax(xs))
        g = _like(y_jax, rng)
        return xs, ts, g, (y_jax, y_dot_jax, f_vjp_jax(_to_jax(g)))

    return _reference((case, shapes, seed), compute)


def _scalar(case, arity: int):
    """A smooth scalar of the case's outputs (a list of them too), so that its Hessian is not zero.
    Written without ``*args`` and with the namespace as a closure variable, as SCT wants it."""
    def scalar(np_):
        inner = case(np_)

        def smooth(y):
            if isinstance(y, list):
                total = 0.0
                for leaf in y:
                    total = np_.add(total, np_.sum(np_.multiply(np_.sin(leaf), leaf)))
                return total
            return np_.sum(np_.multiply(np_.sin(y), y))

        def s1(x):
            return smooth(inner(x))

        def s2(x, y):
            return smooth(inner(x, y))

        return s1 if arity == 1 else s2

    return scalar


def check_forward_over_reverse(case, shapes, engine: str) -> None:
    """``hessian`` (forward over reverse) of a scalar of the case, against ``jax.hessian``."""
    scalar = _scalar(case, len(shapes))
    f, f_jax = scalar(namespace(engine)), scalar(JNP)
    xs = _inputs(shapes, 7, "numpy")
    nums = tuple(range(len(xs)))
    ours = ad.engine(engine).hessian(f, nums, "fwd-rev")(*xs)
    # jit: one compilation, where op-by-op dispatch compiles each operation of the Hessian apart (~20x slower)
    expected = _reference((case, shapes, "hessian"), lambda: jax.jit(jax.hessian(f_jax, nums))(*_to_jax(xs)))
    assert max_error(ours, expected) < TOL


def engine_tests(cases: dict):
    """The two tests of a table of cases ``{name: (case, shapes)}``, parametrized by engine (and backend)."""

    @pytest.mark.parametrize("backend", ["numpy", "jax"])
    @pytest.mark.parametrize("engine", ENGINES)
    @pytest.mark.parametrize("name", cases)
    def test_jvp_and_vjp_against_jax(name, engine, backend):
        case, shapes = cases[name]
        check_jvp_vjp(case, shapes, engine, backend)

    @pytest.mark.parametrize("engine", ENGINES)
    @pytest.mark.parametrize("name", cases)
    def test_forward_over_reverse_against_jax(name, engine):
        case, shapes = cases[name]
        check_forward_over_reverse(case, shapes, engine)

    return test_jvp_and_vjp_against_jax, test_forward_over_reverse_against_jax


def uncovered(names: set, cases: dict) -> set:
    """The names no case (named ``name`` or ``name_...``) exercises."""
    return {n for n in names if not any(c == n or c.startswith(n + "_") for c in cases)}
