"""Probe 18b (PyTorch/JAX sharp-bits kinds of in-place code): SCT's refusal of a swap through views names no
temporary of its own.

``y[0], y[1] = y[1], y[0]`` on a NumPy array holds the right side's views (``y[1]`` and ``y[0]``) in SCT's
temporaries before writing; NumPy's meaning copies row 1 into row 0 and then row 0 (now row 1) back, which SCT's
functional write would not give, so SCT refuses it at the user's line. The message said "another name may hold
the same array (_t6, read afterwards)", a name the user never wrote (front/aliases.check_writes took every
name SCT saw sharing the array). SCT's temporaries (naming.Namer.temporaries) are now described as "a value read
earlier in the same statement"; a name the user wrote is still named.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

HERE = os.path.basename(__file__)


def swap_rows(x):
    y = (x * 1.0).reshape(2, 2)
    y[0], y[1] = y[1], y[0]
    return y.ravel() * x


def swap_items_2d(x):
    m = anp.reshape(x * 2.0, (2, 2))
    m[0, 0], m[1] = m[1, 1], m[0]
    return anp.sum(m * m)


def named_view(x):
    y = x * 1.0
    z = y[1:]
    y[0], z[0] = z[0], y[0]
    return y * x


def _line_of(fn, text):
    import inspect
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, s in enumerate(lines) if text in s)


@pytest.mark.parametrize("fn, text", [(swap_rows, "y[0], y[1] ="), (swap_items_2d, "m[0, 0], m[1] =")])
def test_a_swap_through_views_is_refused_without_a_temporary_name(fn, text):
    x = np.random.default_rng(0).standard_normal(4)
    with pytest.raises(ad.SCTError) as info:
        ad.engine("sct").jvp(fn, (x,), (np.ones(4),))
    msg = str(info.value)
    assert not re.search(r"\b_t\d+\b", msg), msg
    assert "a value read earlier in the same statement" in msg
    assert f"{HERE}, line {_line_of(fn, text)}" in msg


def test_a_name_the_user_wrote_is_still_named():
    x = np.random.default_rng(1).standard_normal(4)
    with pytest.raises(ad.SCTError) as info:
        ad.engine("sct").grad(lambda v: anp.sum(named_view(v)))(x)
    msg = str(info.value)
    assert not re.search(r"\b_t\d+\b", msg), msg
    assert re.search(r"\((y|z)\b", msg) and HERE in msg, msg
