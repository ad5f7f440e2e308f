"""Probe 14 (fix): the refusals name a type with the article its sound takes: "an ndarray", not "a ndarray".

One helper (adcompare.concrete.article) serves every layer's messages (SCT's refusals, the engines' argument,
tangent and cotangent checks, has_aux); it reads an initialism's first letter by its name ("an ndarray",
"an SCTError", "a dtype") and a leading "u" said "you" as a consonant ("a uint8").
"""

from __future__ import annotations

import numpy as np
import pytest

import adcompare as ad
from adcompare.concrete import a_type, article


def test_articles_follow_the_sound():
    names = ["ndarray", "int", "int64", "object", "OrderedDict", "ellipsis", "SCTError", "MLP",
             "float", "dict", "str", "dtype", "bfloat16", "uint8", "UserDict", "NoneType", "tuple", "Tracer"]
    assert [article(n) for n in names] == [
        "an ndarray", "an int", "an int64", "an object", "an OrderedDict", "an ellipsis", "an SCTError", "an MLP",
        "a float", "a dict", "a str", "a dtype", "a bfloat16", "a uint8", "a UserDict", "a NoneType", "a tuple",
        "a Tracer"]
    assert [a_type(v) for v in (np.ones(2), 1, None, ...)] == ["an ndarray", "an int", "a NoneType", "an ellipsis"]


def pair_expected(x):
    return x  # one array, where has_aux wants a pair (any engine's form)


@pytest.mark.parametrize("engine", ad.ENGINES)
def test_has_aux_refusal_reads_an_ndarray(engine):
    with pytest.raises(TypeError, match=r"it returned an ndarray$"):
        ad.engine(engine).grad(pair_expected, has_aux=True)(np.ones(3))


@pytest.mark.parametrize("engine", ad.ENGINES)
def test_argument_tangent_and_cotangent_refusals_read_well(engine):
    eng = ad.engine(engine)
    with pytest.raises(TypeError, match=r"is an object, which is not an array"):
        eng.grad(pair_expected)(object())
    with pytest.raises(TypeError, match=r"tangent 0 is an object, which"):
        eng.jvp(pair_expected, (np.ones(2),), (object(),))
    _, f_vjp = eng.vjp(pair_expected, np.ones(2))
    with pytest.raises(TypeError, match=r"cotangent is an ellipsis, which"):
        f_vjp(...)
