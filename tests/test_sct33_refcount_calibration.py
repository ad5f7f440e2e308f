"""The check before ``xs[i] op= v`` (emit/unshared.py) finds holders outside the function by counting references,
as CPython 3.11 reports them: on an interpreter whose counts differ (a call, a frame's variables or ``f_locals``
counted otherwise), a holder outside could be missed, and the statement run silently with SCT's new array where
NumPy changes the shared one. The counts are now calibrated at import on probes of the generated code's shape, by
role (the list passed, a list inside it, the array, its base), checked to refuse a holder outside in each role;
where they do not, or on an interpreter that is not CPython, every such statement is refused, naming it. Other
interpreters are emulated here by the count the check reads (unshared._refs_at)."""

from __future__ import annotations

import inspect
import sys
import types

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.emit import unshared
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)

G = np.ones(3)


def global_read_after(x):
    xs = [G]
    xs[0] += x
    return anp.sum(G) * x[0]


def accumulate(x):
    grads = [x * 0.0, x * 0.0]
    for i in range(2):
        grads[i] += x * (i + 1.0)
    return anp.sum(grads[0] * grads[1])


@pytest.fixture
def recalibrated(monkeypatch):
    yield monkeypatch
    monkeypatch.undo()
    assert unshared._calibrate() is not None


def refused(f) -> str:
    with pytest.raises(SCTError) as info:
        ad.engine("sct").grad(f)(np.array([0.3, -0.7, 1.1]))
    lines, first = inspect.getsourcelines(f)
    assert info.value.line == first + next(k for k, t in enumerate(lines) if "] +=" in t), str(info.value)
    return str(info.value)


def runs_as_jax(f):
    x = np.random.default_rng(5).normal(size=3)
    value, grad = ad.engine("sct").value_and_grad(f)(x.copy())
    np.testing.assert_allclose(value, f(x.copy()), rtol=1e-13)
    np.testing.assert_allclose(grad, jax.grad(f)(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("depth, hold", [(1, 0), (1, 2), (1, 3), (2, 0), (2, 1), (2, 2), (2, 3)])
def test_here_the_counts_are_trusted_and_a_holder_outside_in_each_role_is_refused(depth, hold):
    assert unshared._ALLOWED is not None
    keep: list = []
    unshared._probe(keep, depth, None)
    with pytest.raises(SCTError, match="something outside"):
        unshared._probe(keep, depth, hold)


def test_counts_that_differ_by_role_are_calibrated(recalibrated):
    # an interpreter whose arrays count one reference fewer than the lists SCT measures its own with:
    # a global holding the array in the list counts as none (it ran with no error, as nothing held it)
    def lower(objs, k):
        return sys.getrefcount(objs[k]) - (len(objs) > 1 and isinstance(objs[k], np.ndarray))
    here = unshared._ALLOWED
    recalibrated.setattr(unshared, "_refs_at", lower)
    assert unshared._calibrate() == tuple(a - (r >= 2) for r, a in enumerate(here))
    assert "something outside" in refused(global_read_after)
    np.testing.assert_array_equal(G, np.ones(3))
    runs_as_jax(accumulate)


@pytest.mark.parametrize("emulated", ["constant counts", "not CPython"])
def test_counts_that_cannot_be_trusted_refuse_naming_the_interpreter(recalibrated, emulated):
    if emulated == "constant counts":
        recalibrated.setattr(unshared, "_refs_at", lambda objs, k: 7)
    else:
        recalibrated.setattr(unshared.sys, "implementation", types.SimpleNamespace(name="pypy"))
    assert unshared._calibrate() is None
    recalibrated.setattr(unshared.sys, "implementation", sys.implementation)
    message = refused(accumulate)
    assert "counting references" in message and unshared._PYTHON in message
