"""Probe 13 (small): SCT's refusals that name a type read with its article ("an OrderedDict", not "a OrderedDict").

An ``OrderedDict`` argument was refused as "an argument that is a OrderedDict (a pytree node)"; the other refusals
that name a value's type (a loop over a mapping, a write into a non-dict, a rule that is not a function) wrote
"a {type}" too. They share one helper now (errors.a_type); each refusal still names the user's file and line.
"""

from __future__ import annotations

import collections

import pytest

import adcompare as ad
from adcompare.engines.sct.errors import SCTError, a_type


def keyed(d):
    return d["a"] * 2.0


@pytest.mark.parametrize("container,article", [(collections.defaultdict, "a")])
def test_pytree_node_argument_named_with_its_article(container, article):
    # (an OrderedDict argument is taken since probe 14: tests/test_sct14_pytree_nodes.py)
    d = container(float)
    d["a"] = 3.0
    with pytest.raises(SCTError) as err:
        ad.engine("sct").grad(keyed)(d)
    name = type(d).__name__
    assert f"an argument that is {article} {name} (a pytree node)" in str(err.value)
    assert err.value.filename == __file__ and err.value.line == keyed.__code__.co_firstlineno


def test_article_of_type_names():
    assert [a_type(v) for v in (1, 1.0, {}, collections.OrderedDict(), object(), (), "s")] == [
        "an int", "a float", "a dict", "an OrderedDict", "an object", "a tuple", "a str"]
