"""Probe 17: SCT's second order (``higher="sct"``, the default) on small programs in the styles of public AD suites.

About a hundred programs (tests/probe17_programs.py) (the kinds of autograd's test_numpy/test_systematic, Tangent's
functions, GradBench's nested evaluations, JAX's hessian/jacfwd/jacrev tests: loop-carried arrays, data-dependent
while loops, early returns, recursion, writes into fresh buffers, dict/list/tuple parameters, closures, reductions,
matmul and einsum, slices and integer indices, kinks away from the samples, derivatives taken inside) were run by
``hessian`` (both compositions), ``hvp`` (forward over reverse, and reverse over reverse as the gradient of ``<grad
f, v>``) and ``grad(grad(t -> f(x + t v)))`` on SCT (``higher="sct"``, the default, ``higher="boxes"``) and the
overloading engine, against JAX in float64 on three seeds. None gave a wrong number against JAX; the refusals are
clear (tests/test_probe17_second_sharing.py, _nested_options.py and _loop_lambdas.py hold what was fixed). A
representative few run here, in every composition; ``ADCOMPARE_PROBE17=all`` runs them all (minutes). Also: SCT over
SCT fell back to the boxes (exact, but not "no box") whenever a rule's code called ``constant_like`` (``zeros_like``
in the VJP of an index write, of ``solve``...): that helper rebound its parameter to its primal value, and SCT,
which takes a name's activity for the whole function, refused ``np.shape`` of it. It keeps the primal under a new
name now; the Hessian of a loop of index writes makes no box.
"""

from __future__ import annotations

import importlib.util
import itertools
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare.engine import partial_args
from adcompare.engines.sct import SCTEngine
from tests import probe17_programs
from tests.test_sct_higher import _no_traces

jax.config.update("jax_enable_x64", True)

TOL = dict(rtol=1e-9, atol=1e-12)
_copies = itertools.count()


def programs(engine):
    """A copy of tests/probe17_programs.py whose derivatives taken inside are ``engine``'s (or jax's)."""
    spec = importlib.util.spec_from_file_location(f"probe17_programs_{next(_copies)}", probe17_programs.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.E = engine
    return module


E = SCTEngine()  # the default: higher="sct"
OURS, THEIRS = programs(E), programs(jax)
CHECKED = ["write_loop", "while_data_count", "recursion_on_value", "kink_abs_max", "nest_grad_loop", "nest_confusion"]
NAMES = list(probe17_programs.PROGRAMS) if os.environ.get("ADCOMPARE_PROBE17") == "all" else CHECKED


def _input(kind: str, rng):
    return {"vec": lambda: rng.normal(size=3) * 0.9, "mat": lambda: rng.normal(size=(3, 2)) * 0.8,
            "col": lambda: rng.normal(size=(3, 1)) * 0.8, "scalar": lambda: float(rng.normal()),
            "dict": lambda: {"w": rng.normal(size=3), "b": rng.normal(size=2)},
            "list": lambda: [rng.normal(size=3), [float(rng.normal()), float(rng.normal())]],
            "tuple": lambda: (rng.normal(size=3), rng.normal(size=2)),
            "nested": lambda: {"layers": [float(rng.normal()), rng.normal(size=3)], "x": rng.normal(size=3)}}[kind]()


def _along(x, t, v):  # x + t v, leaf by leaf
    return jax.tree_util.tree_map(lambda a, b: a + t * b, x, v)


def _dot(a, b):
    return sum(anp.sum(p * q) for p, q in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)))


def _close(ours, theirs):
    leaves, tree = jax.tree_util.tree_flatten(theirs)
    assert jax.tree_util.tree_structure(ours) == tree
    for a, b in zip(jax.tree_util.tree_leaves(ours), leaves):
        np.testing.assert_allclose(a, b, **TOL)


@pytest.mark.parametrize("seed, name", list(enumerate(NAMES)))
def test_second_order_by_sct_against_jax(seed, name):
    f, f_jax = OURS.PROGRAMS[name], THEIRS.JAX_TWINS.get(name, THEIRS.PROGRAMS[name])
    rng = np.random.default_rng(seed)  # (the probe ran three seeds per program; here one, each its own)
    kind = probe17_programs.INPUTS.get(name, "vec")
    x, v = _input(kind, rng), _input(kind, rng)
    xj, vj = jax.tree_util.tree_map(jnp.asarray, x), jax.tree_util.tree_map(jnp.asarray, v)
    expected = jax.hessian(f_jax)(xj)
    _close(E.hessian(f)(x), expected)
    _close(E.hessian(f, mode="rev-rev")(x), expected)
    hvp = jax.jvp(jax.grad(f_jax), (xj,), (vj,))[1]
    _close(E.hvp(f, (x,), (v,)), hvp)
    _close(E.grad(lambda y: _dot(E.grad(f)(y), v))(x), hvp)
    along = jax.grad(jax.grad(lambda t: f_jax(_along(xj, t, vj))))(0.25)
    _close(E.grad(E.grad(lambda t: f(_along(x, t, v))))(0.25), along)


def test_second_order_through_rules_that_make_constants_makes_no_box(monkeypatch):
    x, v = np.array([0.3, -0.8, 0.5]), np.array([1.0, 0.5, -2.0])
    xj, vj = jnp.asarray(x), jnp.asarray(v)
    names = ("write_loop", "mat_solve")
    expected = {n: (jax.hessian(THEIRS.JAX_TWINS.get(n, THEIRS.PROGRAMS[n]))(xj),
                    jax.jvp(jax.grad(THEIRS.JAX_TWINS.get(n, THEIRS.PROGRAMS[n])), (xj,), (vj,))[1]) for n in names}
    _no_traces(monkeypatch)
    for n, (hessian, hvp) in expected.items():
        np.testing.assert_allclose(SCTEngine().hessian(OURS.PROGRAMS[n])(x), hessian, **TOL)
        np.testing.assert_allclose(SCTEngine().hvp(partial_args(OURS.PROGRAMS[n], (x,), (0,)), (x,), (v,)), hvp, **TOL)
