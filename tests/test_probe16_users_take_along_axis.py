"""Probe 16 (model code as JAX users port it): ``take_along_axis`` with indices of the wrong rank is refused.

A softmax cross-entropy ported from JAX reads the label's log-probability as ``take_along_axis(lp, labels[:, None],
axis=1)``; written without ``[:, None]`` (1-d labels for 2-d ``lp``), NumPy and JAX raise ("indices and arr must
have the same number of dimensions"), but the vocabulary broadcast the labels against the rows: a (B, B) gather
whose mean is a wrong loss, and wrong gradients, with no error. ``axis=None`` with indices that are not 1-d
(NumPy and JAX refuse them too) gave a gather of their shape. Both are now refused, on every engine, naming the
user's line (SCT's note; the traceback's on the tape engines); ``put_along_axis`` shares the check.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
HERE = os.path.basename(__file__)
ENGINES = ["overloading", "sct", "elemental"]


def _vocab(name):
    return el if name == "elemental" else anp


def _text(exc: BaseException) -> str:
    return "\n".join([str(exc), *getattr(exc, "__notes__", ())])


@pytest.mark.parametrize("name", ENGINES)
def test_indices_of_another_rank_are_refused(name):
    v = _vocab(name)
    lp, labels = np.random.default_rng(0).standard_normal((4, 3)), np.array([0, 2, 1, 1])
    forgot = lambda x: v.sum(v.take_along_axis(x, labels, axis=1))  # noqa: E731  (labels[:, None] meant)
    flat = lambda x: v.sum(v.take_along_axis(x, labels[None, :], axis=None))  # noqa: E731
    for f, match in ((forgot, "same number of dimensions; 1 vs. 2"), (flat, "1-d where axis=None")):
        with pytest.raises(ValueError, match=match) as info:
            ad.engine(name).grad(f)(lp)
        if name == "sct":
            assert HERE in _text(info.value)
        with pytest.raises(ValueError):  # the oracle refuses it too
            jnp.take_along_axis(jnp.asarray(lp), jnp.asarray(labels if f is forgot else labels[None, :]),
                                axis=1 if f is forgot else None)
    with pytest.raises(ValueError, match="same number of dimensions"):
        anp.put_along_axis(lp.copy(), labels, 0.0, axis=1, inplace=False)


@pytest.mark.parametrize("name", ENGINES)
def test_the_right_ranks_still_match_jax(name):
    v = _vocab(name)
    rng = np.random.default_rng(1)
    lp, labels = rng.standard_normal((4, 3)), np.array([0, 2, 1, 1])
    f = lambda x: v.sum(v.take_along_axis(x, labels[:, None], axis=1) ** 3) if name != "elemental" else \
        v.sum(v.power(v.take_along_axis(x, labels[:, None], axis=1), 3))  # noqa: E731
    g = lambda x: jnp.sum(jnp.take_along_axis(x, jnp.asarray(labels)[:, None], axis=1) ** 3)  # noqa: E731
    np.testing.assert_allclose(ad.engine(name).grad(f)(lp), jax.grad(g)(jnp.asarray(lp)), rtol=1e-12)
    h = lambda x: v.sum(v.take_along_axis(x, labels, axis=None))  # noqa: E731
    np.testing.assert_allclose(ad.engine(name).grad(h)(lp.ravel()), np.bincount(labels, minlength=12).astype(float))
