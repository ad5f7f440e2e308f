"""Probe 16 (model code as JAX users port it): integer leaves beside float ones in one differentiated argument, on SCT.

A training step's loss takes a batch ``(x, labels)`` or ``{"x": ..., "y": ...}`` whose labels are integers, and
``jax.vjp(loss, params, batch)`` (or ``jax.jvp``) differentiates every primal: the float leaves, while an integer
leaf gets a float0 tangent and is used as it is (``eye(k)[labels]``, ``take_along_axis(lp, labels[:, None])``,
``lp[:, k]``, ``range(n)``). A wrapper ``def step(*args): return loss(*args)`` passes them in one ``*args``
tuple even under ``grad``'s ``argnums=0``. SCT's activity analysis is per parameter, so such a label was taken as
differentiated and refused ("a differentiated value used as an index", "the parameter idx= computed from a
differentiated value", "range() of a differentiated value"). A differentiated value in those places is now
checked when the code runs (``python_checks.integer_index``): integers (and booleans, slices, keys) have no
derivative, as in JAX, and are used as they are; a float there is still refused, naming the user's line.
Checked against JAX float64 on seeded inputs, on SCT with both ``higher`` settings.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import tree_util

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
HERE = os.path.basename(__file__)
ENGINES = [("sct", {}), ("sct", {"higher": "boxes"})]


def _log_softmax(z):
    return z - anp.logsumexp(z, axis=-1, keepdims=True)


def ce_tuple_batch(p, batch):
    x, labels = batch
    lp = _log_softmax(x @ p["w"] + p["b"])
    return -anp.mean(anp.sum(anp.eye(3)[labels] * lp, axis=-1))


def ce_dict_batch(p, batch):
    lp = _log_softmax(batch["x"] @ p["w"] + p["b"])
    return -anp.mean(anp.take_along_axis(lp, batch["y"][:, None], axis=1)) - anp.mean(lp[:, batch["k"]])


def repeated(p, batch):
    x, n = batch
    h = x
    for _ in range(n):
        h = anp.tanh(h @ p["w"])
    return anp.sum(h * h)


def _data(seed):
    rng = np.random.default_rng(seed)
    p = {"w": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}
    x, labels = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    return p, x, labels


def _close(ours, theirs):
    assert tree_util.tree_structure(ours) == tree_util.tree_structure(theirs)
    for a, b in zip(tree_util.tree_leaves(ours), tree_util.tree_leaves(theirs)):
        if np.asarray(b).dtype == jax.dtypes.float0:
            assert np.asarray(a).dtype == jax.dtypes.float0
        else:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def _cases(seed):
    p, x, labels = _data(seed)
    sq = {"w": np.random.default_rng(seed + 7).standard_normal((4, 4)) * 0.5}
    return [(ce_tuple_batch, p, (x, labels)), (ce_dict_batch, p, {"x": x, "y": labels, "k": 1}),
            (repeated, sq, (x, 2))]


@pytest.mark.parametrize("name, options", ENGINES)
def test_vjp_and_jvp_of_a_batch_with_integer_labels_match_jax(name, options):
    eng = ad.engine(name, **options)
    for seed in (0, 1):
        for f, p, batch in _cases(seed):
            pj, bj = tree_util.tree_map(jnp.asarray, (p, batch))
            y, pull = eng.vjp(f, p, batch)
            y_jax, pull_jax = jax.vjp(f, pj, bj)
            _close(y, y_jax)
            _close(pull(0.7), pull_jax(0.7))
            p_dot = tree_util.tree_map(lambda a: np.random.default_rng(seed).standard_normal(np.shape(a)), p)
            b_dot = tree_util.tree_map(lambda a: np.random.default_rng(seed).standard_normal(np.shape(a))
                                       if np.issubdtype(np.asarray(a).dtype, np.floating)
                                       else np.zeros(np.shape(a), jax.dtypes.float0), batch)
            _close(eng.jvp(f, (p, batch), (p_dot, b_dot)), jax.jvp(f, (pj, bj), tree_util.tree_map(
                lambda a: a if a.dtype == jax.dtypes.float0 else jnp.asarray(a), (p_dot, b_dot))))


def step(*args):
    return ce_tuple_batch(*args)


@pytest.mark.parametrize("name, options", ENGINES)
def test_a_star_args_wrapper_passes_integer_labels(name, options):
    eng = ad.engine(name, **options)
    p, x, labels = _data(2)
    _close(eng.grad(step)(p, (x, labels)), jax.grad(step)(*tree_util.tree_map(jnp.asarray, (p, (x, labels)))))


def float_index(p, batch):
    x, where = batch
    return anp.sum(x[where] * p)


def test_a_float_used_as_an_index_is_still_refused_at_the_users_line():
    with pytest.raises(ad.SCTError, match="a differentiated value used as an index") as info:
        ad.engine("sct").vjp(float_index, np.ones(2), (np.ones((3, 2)), np.array([0.0, 1.0])))
    assert HERE in "\n".join([str(info.value), *getattr(info.value, "__notes__", ())])
