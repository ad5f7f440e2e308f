"""Review of the aliasing copies (``trees.unaliased``): a result is never (a view of) an array the caller passed,
as none of JAX's is, and that holds for arrays passed by keyword too. Before, ``value_and_grad``'s value and
aux, and ``jacrev``'s and ``jacfwd``'s aux, were checked against the positional arguments only (``jacfwd``'s
aux against the differentiated ones only), so ``value_and_grad(f)(x, c=c0)`` of ``f`` returning ``c`` handed
back the caller's ``c0`` itself (writing into it changed the caller's array), in every engine; and SCT's direct
gradient path did not look at the keywords a ``functools.partial`` fixes. Also: one array returned as both the
output and the aux (``return y, y``) came back from ``jvp`` and ``value_and_grad`` as one array, not two.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import adcompare as ad
from adcompare import elemental as el
from adcompare import numpy as anp

ENGINES = ["overloading", "sct", "elemental"]


def passes_c(x, c):
    return c


def passes_c_keyword_only(x, *, c):
    return c


def passes_c_from_kwargs(x, **kw):
    return kw["c"]


def aux_is_c(x, c):
    return el.sin(x), c


def natural_aux_is_c(x, c):
    return anp.sin(x), c


def _fresh(result, given):
    assert isinstance(result, np.ndarray) and not np.shares_memory(result, given)
    np.testing.assert_array_equal(result, given)


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("f", [passes_c, passes_c_keyword_only, passes_c_from_kwargs])
def test_a_value_that_is_an_argument_passed_by_keyword_is_a_copy(name, f):
    eng = ad.engine(name)
    x, c = np.array(0.4), np.array(2.5)
    for _ in range(2):  # the second call: SCT's kept plan
        value, grad = eng.value_and_grad(f)(x, c=c)
        _fresh(value, c)
        assert grad == 0.0
    value, _ = eng.value_and_grad(functools.partial(f, c=c))(x)  # keywords a partial fixes: SCT's direct path
    _fresh(value, c)


@pytest.mark.parametrize("name", ENGINES)
def test_an_aux_that_is_an_argument_is_a_copy(name):
    eng = ad.engine(name)
    f = aux_is_c if name == "elemental" else natural_aux_is_c
    x, c = np.array([0.4, -1.1]), np.array([2.5, 3.0])
    for kind in ("value_and_grad", "jacrev", "jacfwd"):
        g = (lambda x, c: (el.sum(f(x, c)[0]), c)) if kind == "value_and_grad" and name == "elemental" else \
            (lambda x, c: (anp.sum(f(x, c)[0]), c)) if kind == "value_and_grad" else f
        by_keyword = getattr(eng, kind)(g, has_aux=True)(x, c=c)
        by_position = getattr(eng, kind)(g, has_aux=True)(x, c)
        for res in (by_keyword, by_position):
            _fresh(res[0][1] if kind == "value_and_grad" else res[1], c)


def same_array_twice(x):
    y = anp.sin(x)
    return y, y


def same_scalar_twice(x):
    s = anp.reshape(anp.sum(x * x), ())
    return s, s


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_one_array_returned_as_output_and_aux_comes_back_as_two(name):
    """``return y, y`` with ``has_aux``: JAX's output and aux are two arrays (neither can be written into); jvp
    and value_and_grad handed back one NumPy array twice, so writing into the output changed the aux."""
    eng = ad.engine(name)
    x = np.array([0.4, -1.1, 0.7])
    y, _, aux = eng.jvp(same_array_twice, (x,), (np.ones(3),), has_aux=True)
    assert not np.shares_memory(y, aux)
    np.testing.assert_array_equal(y, aux)
    (value, aux), _ = eng.value_and_grad(same_scalar_twice, has_aux=True)(x)
    assert not (isinstance(value, np.ndarray) and np.shares_memory(value, aux))
    np.testing.assert_array_equal(value, aux)
