"""SCT's cache and callable objects: a transformation that called ``obj(x)`` read ``type(obj).__call__``, so it is
used again only while the object, its class and the class's ``__call__`` are the ones it read (rebinding
``__call__`` on the class, or the object's class, gave the old derivative before, with no error)."""

import jax
import jax.numpy as jnp
import numpy as np

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


class _Sine:
    def __call__(self, x):
        return anp.sin(x)


class _Cosine:
    def __call__(self, x):
        return anp.cos(x)


def _grad_after(rebind):
    """SCT's gradient of sum(obj(x) * x) before and after ``rebind(obj)``, against JAX's of the sine, then cosine."""
    obj = _Sine()

    def f(x):
        return anp.sum(obj(x) * x)

    sct = ad.engine("sct")
    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=4)
        np.testing.assert_allclose(sct.grad(f)(x), jax.grad(lambda v: jnp.sum(jnp.sin(v) * v))(x), rtol=1e-12)
    rebind(obj)
    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=4)
        np.testing.assert_allclose(sct.grad(f)(x), jax.grad(lambda v: jnp.sum(jnp.cos(v) * v))(x), rtol=1e-12)


def test_class_call_rebound():
    saved = _Sine.__call__
    try:
        _grad_after(lambda obj: setattr(_Sine, "__call__", _Cosine.__call__))
    finally:
        _Sine.__call__ = saved


def test_object_class_changed():
    def rebind(obj):
        obj.__class__ = _Cosine
    _grad_after(rebind)
