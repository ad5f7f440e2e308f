"""Probe 18: NumPy's ufunc methods (``np.maximum.accumulate``, ``np.logaddexp.reduce``, ``np.subtract.outer``,
``np.add.at``), as log-space and embedding code writes them, on the overloading engine.

``anp.maximum`` is a primitive, not a ufunc, and has none of these methods: Python's error said only "'Primitive'
object has no attribute 'accumulate'", naming neither the call nor the user's line. The refusal now names
``anp.<name>.<method>``, the user's file and line, and the vocabulary's way to write it. SCT refused the call at
the user's line already, with the hint "define it at module level before differentiating": its hint is now the
vocabulary's way too.
"""

from __future__ import annotations

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp


def _accumulate(x):
    return anp.maximum.accumulate(x)


def _reduce(x):
    return anp.logaddexp.reduce(x)


def _outer(x):
    return anp.sum(anp.subtract.outer(x, x) ** 2)


def _at(x):
    g = anp.zeros(3) + x[:3]
    anp.add.at(g, np.array([0, 2, 2]), x)
    return anp.sum(g)


@pytest.mark.parametrize("f, call, instead", [(_accumulate, "anp.maximum.accumulate", "anp.stack"),
                                              (_reduce, "anp.logaddexp.reduce", "anp.logsumexp"),
                                              (_outer, "anp.subtract.outer", "anp.subtract(a[:, None], b[None, :])"),
                                              (_at, "anp.add.at", "y[i] = y[i] + v[k]")])
def test_a_ufunc_method_is_refused_by_name_at_the_users_line(f, call, instead):
    line = f.__code__.co_firstlineno + (2 if f is _at else 1)
    with pytest.raises(AttributeError) as info:
        ad.engine("overloading").grad(f)(np.array([0.3, -1.2, 0.5]))
    text = str(info.value)
    assert call in text and instead in text
    assert f"{__file__}:{line}" in text


@pytest.mark.parametrize("f, call, instead", [(_accumulate, "anp.maximum.accumulate", "anp.stack"),
                                              (_reduce, "anp.logaddexp.reduce", "anp.logsumexp"),
                                              (_outer, "anp.subtract.outer", "anp.subtract(a[:, None], b[None, :])")])
def test_sct_refuses_a_ufunc_method_with_the_vocabularys_way(f, call, instead):
    with pytest.raises(ad.SCTError) as info:
        ad.engine("sct").grad(f)(np.array([0.3, -1.2, 0.5]))
    assert call in str(info.value) and instead in info.value.hint
    assert info.value.filename == __file__ and info.value.line == f.__code__.co_firstlineno + 1


def test_the_methods_stay_absent_and_other_attributes_read_as_before():
    assert not hasattr(anp.add, "at") and not hasattr(anp.maximum, "reduce")
    assert anp.add.name == "add"
    with pytest.raises(AttributeError, match="'Primitive' object has no attribute 'frobnicate'"):
        anp.sin.frobnicate  # noqa: B018
