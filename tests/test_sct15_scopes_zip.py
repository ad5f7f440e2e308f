"""SCT refuses ``nonlocal`` writes of nested functions and ``zip(*seqs)`` clearly, at the user's line.

Found by this stop's helpers: a nested function writing ``nonlocal acc`` stopped with "an expression statement"
(its call's line), or with Python's SyntaxError "no binding for nonlocal" from SCT's own generated code; and
``zip(*pairs)`` stopped with "a call to zip" located in SCT's generated ``spread_call``, with "starred
expression" in a for loop, or with a SyntaxError from generated code in a generator expression. Each is now
refused before the closure converter runs, naming the construct, the line and a rewrite; the rewrites work.
"""

import re

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def nonlocal_statement(x):
    acc = x[0]

    def inner(y):
        nonlocal acc  # LINE nonlocal_statement
        acc = acc * y
        return acc
    inner(x[1])
    return inner(x[2])


def nonlocal_assigned(x):
    total = 0.0

    def add(v):
        nonlocal total  # LINE nonlocal_assigned
        total = total + v * v
        return total
    return add(x[0]) + add(x[1] * x[2])


def unzip_assigned(x):
    pairs = [(x[0], x[1]), (x[2], x[0])]
    a, b = zip(*pairs)  # LINE unzip_assigned
    return a[0] * b[1] + a[1]


def unzip_loop(x):
    pairs = [(x[0], x[1]), (x[2], x[0])]
    t = 0.0
    for u, v in zip(*pairs):  # LINE unzip_loop
        t = t + u * v
    return t


def unzip_generator(x):
    pairs = [(x[0], x[1]), (x[2], x[0])]
    return sum(u * v for u, v in zip(*pairs))  # LINE unzip_generator


def rewritten(x):
    pairs = [(x[0], x[1]), (x[2], x[0])]
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]

    def step(acc, y):
        return acc * y
    acc = step(step(x[0], x[1]), x[2])
    return a[0] * b[1] + a[1] + acc * anp.sin(x[0])


def line_of(tag):
    lines = open(__file__).read().splitlines()
    return next(i + 1 for i, text in enumerate(lines) if text.endswith(f"# LINE {tag}"))


CASES = [(nonlocal_statement, "nonlocal acc", "acc = step(acc"),
         (nonlocal_assigned, "nonlocal total", "total = step(total"),
         (unzip_assigned, "zip(*", "p[0] for p in pairs"), (unzip_loop, "zip(*", "p[0] for p in pairs"),
         (unzip_generator, "zip(*", "p[0] for p in pairs")]


@pytest.mark.parametrize("f,construct,hint", CASES)
@pytest.mark.parametrize("how", ["grad", "jvp"])
def test_refused_at_the_users_line(f, construct, hint, how):
    x = np.array([0.3, 0.7, 1.1])
    eng = ad.engine("sct")
    with pytest.raises(ad.SCTError) as info:
        eng.grad(f)(x) if how == "grad" else eng.jvp(f, (x,), (x,))
    text = str(info.value)
    assert construct in text and hint in text, text
    assert re.search(rf"test_sct15_scopes_zip.py, line {line_of(f.__name__)}\b", text), text


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_rewrite_matches_jax(seed):
    x = np.random.default_rng(seed).normal(size=3)

    def ref(x):
        import jax.numpy as jnp
        return x[0] * x[0] + x[2] + x[0] * x[1] * x[2] * jnp.sin(x[0])

    np.testing.assert_allclose(ad.engine("sct").grad(rewritten)(x), jax.grad(ref)(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ad.engine("sct", higher="sct").hessian(rewritten)(x), jax.hessian(ref)(x),
                               rtol=1e-10, atol=1e-12)
