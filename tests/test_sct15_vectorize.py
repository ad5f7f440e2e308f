"""SCT refuses a call of an ``anp.vectorize`` function on differentiated values at the user's line, with the rewrite.

Found by this stop's helpers: SCT transformed the function ``anp.vectorize`` makes (a loop over the elements,
with lists and NumPy index arithmetic it does not take) and stopped with "a differentiated value used as an
index" in adcompare/numpy/wrappers.py, under the user's function's name. The vocabulary marks that function
(``sct_refused``); SCT names the construct, the user's file and line and the rewrite, whether the call is of a
global, of a local variable, or of ``anp.vectorize(h)`` itself; on constants it runs as Python.
"""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def h(t):
    return anp.sin(t) * t


VH = anp.vectorize(h)


def direct(x):
    return anp.sum(anp.vectorize(h)(x))  # LINE direct


def local(x):
    g = anp.vectorize(h)
    return anp.sum(g(x))  # LINE local


def global_(x):
    return anp.sum(VH(x))  # LINE global_


def on_constants(x):
    c = VH(np.array([0.5, 1.0]))
    return anp.sum(x * c[0] + x ** 2 * c[1])


def line_of(tag):
    lines = open(__file__).read().splitlines()
    return next(i + 1 for i, text in enumerate(lines) if text.endswith(f"# LINE {tag}"))


@pytest.mark.parametrize("f", [direct, local, global_])
@pytest.mark.parametrize("how", ["grad", "jvp", "hessian"])
def test_vectorize_refused_at_the_users_line(f, how):
    eng = ad.engine("sct", higher="sct")
    x = np.array([0.3, 0.7, 1.1])
    with pytest.raises(ad.SCTError) as info:
        if how == "jvp":
            eng.jvp(f, (x,), (x,))
        else:
            getattr(eng, how)(f)(x)
    text = str(info.value)
    assert "anp.vectorize" in text and "anp.stack" in text, text
    assert re.search(rf"test_sct15_vectorize.py, line {line_of(f.__name__)}\b", text), text
    assert "wrappers.py" not in text


def test_vectorize_on_constants_runs():
    x = np.array([0.3, -0.7])
    c = np.sin(np.array([0.5, 1.0])) * np.array([0.5, 1.0])
    want = jax.grad(lambda x: jnp.sum(x * c[0] + x ** 2 * c[1]))(x)
    np.testing.assert_allclose(ad.engine("sct").grad(on_constants)(x), want, rtol=1e-12)
