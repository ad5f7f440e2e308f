"""SCT: ``tree_leaves`` (and the other tree functions) inside a function of an ``OrderedDict`` argument.

SCT's boundary makes an ``OrderedDict`` argument a plain dict (:mod:`adcompare.engines.sct.pytree_nodes`), so
``tree_leaves(o)`` inside ordered its leaves as a dict's (sorted keys), where JAX orders an ``OrderedDict``'s
leaves as its keys: ``sum((i + 1) * sum(v) for i, v in enumerate(tree_leaves(o)))`` of
``OrderedDict(z=..., a=...)`` gave weights 2 and 1 for 1 and 2, silently, in grad, jvp and the Hessian; a loop
over ``o.items()`` too in the Hessian (whose inner sweeps see a copy in sorted order). Such a
dict (the argument or a copy the engine made of it, as its Hessian's inner sweeps do) is now refused at the
user's line while the function runs; an ``OrderedDict`` whose keys are sorted orders as a dict and is taken.
"""

from __future__ import annotations

import collections
import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.tree_util import tree_leaves

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)

ENGINES = {"sct": ad.engine("sct"), "sct-boxes": ad.engine("sct", higher="boxes")}


def weighted(m):
    def f(o):
        total = 0.0
        for i, v in enumerate(tree_leaves(o)):  # JAX: an OrderedDict's leaves in its keys' order
            total = total + m.sum(v ** 3) * (i + 1.0)
        return total
    return f


def by_items(m):
    def f(o):
        total, i = 0.0, 1.0
        for _, v in o.items():  # Python: the OrderedDict's order; SCT held a dict (refused unsorted)...
            total, i = total + m.sum(v ** 3) * i, i + 1.0
        return total
    return f


def params(keys, seed=0):
    rng = np.random.default_rng(seed)
    return collections.OrderedDict((k, rng.normal(size=2)) for k in keys)


@pytest.mark.parametrize("name", ENGINES)
def test_unsorted_ordered_dict_refused_at_the_line(name):
    eng, f, o = ENGINES[name], weighted(anp), params("za")
    line = inspect.getsourcelines(weighted)[1] + 3
    for run in (lambda: eng.grad(f)(o), lambda: eng.jvp(f, (o,), (o,)), lambda: eng.hessian(f)(o),
                lambda: eng.hessian(f, mode="rev-rev")(o)):
        with pytest.raises(SCTError) as err:
            run()
        assert err.value.line == line and err.value.filename == __file__ and "OrderedDict" in str(err.value)


@pytest.mark.parametrize("name", ENGINES)
def test_items_of_the_hessians_copy_refused(name):  # ...but the Hessian's inner sweeps had a sorted copy
    eng, o = ENGINES[name], params("za")
    with pytest.raises(SCTError) as err:
        eng.hessian(by_items(anp))(o)
    assert err.value.line == inspect.getsourcelines(by_items)[1] + 3 and "OrderedDict" in str(err.value)


@pytest.mark.parametrize("name", ENGINES)
def test_sorted_ordered_dict_taken(name):
    eng, f, fj, o = ENGINES[name], weighted(anp), weighted(jnp), params("az", 1)
    for ours, theirs in ((eng.grad(f)(o), jax.grad(fj)(o)), (eng.hessian(f)(o), jax.hessian(fj)(o))):
        assert jax.tree_util.tree_structure(ours) == jax.tree_util.tree_structure(theirs)
        for a, b in zip(tree_leaves(ours), tree_leaves(theirs)):
            np.testing.assert_allclose(a, b, rtol=1e-12)
