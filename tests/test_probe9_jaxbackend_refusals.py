"""Clear refusals, naming the user's line, for two ways JAX users write code the engines do not take.

* JAX's ``x.at[i].set(v)`` on an overloading engine's active value raised Python's bare "'Node' object has
  no attribute 'at'" (SCT already refused it by name); it is refused naming the user's line and the functional
  update to write instead (``anp.index_update``, ``y[i] = v``).
  The elemental engine's values refuse it the same way, naming ``el.index_update``.
* An array method with keywords on an elemental value (``x.sum(axis=0)``, ``x.reshape(3, order="C")``) crashed
  inside the refusal itself ("operator() got an unexpected keyword argument 'axis'"); it is refused as the
  method without keywords is, naming the library call and the user's line.
"""

import jax
import jax.numpy as jnp
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
X = jnp.asarray([0.0, -0.7, 1.3])


def at_update(x):
    return anp.sum(x.at[1].set(x[0] * 2.0) * x)


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_at_update_refused_on_overloading(mode):
    eng = ad.engine("overloading")
    with pytest.raises(AttributeError, match=r"\.at\[\.\.\.\].*test_probe9_jaxbackend_refusals\.py:\d+.*index_update"):
        eng.grad(at_update)(X) if mode == "grad" else eng.jvp(at_update, (X,), (X,))


def test_elemental_method_with_keywords_refused():
    eng = ad.engine("elemental")
    with pytest.raises(TypeError, match=r"\.sum\(\) is not defined on elemental values.*refusals\.py:\d+.*el\.sum"):
        eng.grad(lambda a: a.sum(axis=0))(X)
    with pytest.raises(TypeError, match=r"\.reshape\(\) is not defined.*refusals\.py:\d+.*el\.reshape"):
        eng.jvp(lambda a: el.sum(a.reshape(3, order="C")), (X,), (X,))


def test_at_update_refused_on_elemental():
    with pytest.raises(TypeError, match=r"\.at\[\.\.\.\] update is not defined.*refusals\.py:\d+.*el\.index_update"):
        ad.engine("elemental").grad(lambda a: el.sum(a.at[0].set(2.0)))(X)
