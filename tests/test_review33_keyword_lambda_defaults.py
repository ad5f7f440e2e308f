"""``E.grad(lambda a, b=2.0: ...)(x, b=v)`` in code SCT transforms: keywords_by_position (e3dfa3a) passed ``v`` by
position, which SCT's derivative of a lambda with defaults does not take (its program has the lambda's parameters
without defaults): a ValueError from inside the engine (``jacrev_lambda_lifted has 2 positional parameters``)
where, before, the call was refused at its line. A lambda with defaults is left as written: refused at the line."""

from __future__ import annotations

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

SCT = ad.engine("sct")


def keyword_to_default(x):
    return anp.sum(SCT.jacrev(lambda a, b=2.0: anp.sum(a * a * b))(x, b=x[0]))


def test_a_keyword_for_a_lambdas_default_is_refused_at_the_line():
    with pytest.raises(SCTError, match="keyword argument 'b'") as info:
        SCT.grad(keyword_to_default)(np.array([0.3, -0.5, 1.2]))
    assert info.value.line == keyword_to_default.__code__.co_firstlineno + 1
