"""A module edited on disk after import: SCT refuses (it would differentiate text that is not the code running).

Each case writes a module, imports it, edits the file (the function's name, parameters and line stay; a
constant, an operator or a called name changes) and asks SCT for a derivative: it must raise SCTError
naming the mismatch, never return the derivative of the edited text. The unedited module differentiates as
JAX does (so the check does not refuse good code); methods, closures, lambdas and class-private names too.
"""

from __future__ import annotations

import importlib.util
import linecache
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad

SOURCE = '''
import adcompare.numpy as anp

SCALE = 2.0


def f(x):
    y = x * 2.0
    return anp.sum(anp.sin(y) * x)


def g(x):
    return anp.sum(x * x - x)


def make(c):
    def closure(x):
        return anp.sum(anp.cos(x) * c)
    return closure


square = lambda x: anp.sum(x * x * 3.0)  # noqa: E731


class Base:
    factor = 4.0


class Model(Base):
    __k = 1.5

    def loss(self, x):
        return anp.sum(anp.tanh(x) * self.__k)

    def scaled(self, x):
        k = super().factor
        return anp.sum(x * k)
'''

EDITS = [("f", "y = x * 2.0", "y = x * 3.0"), ("g", "x * x - x", "x * x + x"),
         ("g", "x * x - x", "x * x * x"), ("closure", "anp.cos(x)", "anp.sin(x)"),
         ("square", "x * x * 3.0", "x * x * 4.0"), ("loss", "anp.tanh(x)", "anp.sinh(x)"),
         ("scaled", "anp.sum(x * k)", "anp.sum(x * k * k)")]


def _module(tmp_path, name: str, text: str):
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module, path


def _function(module, which: str):
    return {"f": module.f, "g": module.g, "closure": module.make(0.7), "square": module.square,
            "loss": module.Model().loss, "scaled": module.Model().scaled}[which]


def _expected(which: str, x):
    fs = {"f": lambda x: jnp.sum(jnp.sin(2.0 * x) * x), "g": lambda x: jnp.sum(x * x - x),
          "closure": lambda x: jnp.sum(jnp.cos(x) * 0.7), "square": lambda x: jnp.sum(x * x * 3.0),
          "loss": lambda x: jnp.sum(jnp.tanh(x) * 1.5), "scaled": lambda x: jnp.sum(x * 4.0)}
    return np.asarray(jax.grad(fs[which])(jnp.asarray(x)))


@pytest.mark.parametrize("which", ["f", "g", "closure", "square", "loss", "scaled"])
@pytest.mark.parametrize("seed", [0, 1])
def test_unedited_module_differentiates(tmp_path, which, seed):
    module, _ = _module(tmp_path, f"stale_ok_{which}_{seed}", SOURCE)
    x = np.random.default_rng(seed).normal(size=5)
    got = ad.engine("sct").grad(_function(module, which))(x)
    np.testing.assert_allclose(got, _expected(which, x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("which, old, new", EDITS, ids=[f"{w}:{n}" for w, _, n in EDITS])
def test_edited_file_is_refused(tmp_path, which, old, new):
    name = f"stale_{which}_{abs(hash(new))}"
    module, path = _module(tmp_path, name, SOURCE)
    fn = _function(module, which)
    assert old in SOURCE
    path.write_text(SOURCE.replace(old, new))
    linecache.checkcache(str(path))
    with pytest.raises(ad.SCTError, match="does not match the running function") as info:
        ad.engine("sct").grad(fn)(np.linspace(0.1, 0.9, 5))
    assert info.value.filename == str(path)
