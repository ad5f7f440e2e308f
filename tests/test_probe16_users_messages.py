"""Probe 16 (model code as JAX users port it): a refusal names the callee as the user wrote it.

``(anp.logsumexp if a.ndim > 1 else anp.sum)(a, axis=0, b=w)`` with ``w`` differentiated is refused on SCT (it
differentiates the arguments a call passes by position), but the message named SCT's own temporary holding the
chosen function ("the keyword argument 'b' of _t1"), a name the user never wrote. It now says "of the function
this line computes and calls", with the user's line; a callee the user named keeps its name.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

HERE = os.path.basename(__file__)


def chosen(a, w):
    return anp.sum((anp.logsumexp if a.ndim > 1 else anp.sum)(a, axis=0, b=anp.abs(w)))


def _named(x, *, scale):
    return x * scale


def named(a, w):
    g = _named if a.ndim > 1 else _named
    return anp.sum(g(a, scale=w))


def test_a_computed_callee_is_not_named_by_a_temporary():
    a = np.random.default_rng(0).standard_normal((3, 3))
    with pytest.raises(ad.SCTError, match="keyword argument 'b' of the function this line computes") as info:
        ad.engine("sct").grad(chosen, argnums=(0, 1))(a, a[0])
    assert "_t1" not in str(info.value) and HERE in str(info.value)
    with pytest.raises(ad.SCTError, match="keyword argument 'scale' of g") as info:
        ad.engine("sct").grad(named, argnums=(0, 1))(a, a[0])
