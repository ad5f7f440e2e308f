"""SCT: a ``for`` loop over a variable that its body assigns again, or whose length its body changes.

Python's loop runs over the object the variable held when the loop began (its iterator), and over a list's
length as it changes. SCT's loop read ``xs[k]`` from the variable's current value for ``k`` in the length it
had, so that (silently wrong at 26bb504 and since):
* ``for r in x: x = x * 2.0`` read the rows of the new ``x`` (so did ``ys = [y * 3.0] + ys`` over a list), and
  ``for x in x`` indexed the row (IndexError);
* ``for y in ys: ys.append(...)`` ran over the old length (Python runs over the appended items too); probe 14's
  comprehensions over appended lists let it through where a second reference to ``ys`` was refused before.
Now a loop whose body assigns its variable runs over a copy taken before the loop (Python's iterator), and one
whose body appends to or pops from the list is checked at each step and after the loop, the change of length
refused at the loop's line (a loop that may also break, or ``+=`` of the variable, refused when transformed).
JAX's derivatives are the oracle.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)

ENGINES = {"sct": ad.engine("sct"), "sct-boxes": ad.engine("sct", higher="boxes")}


def rows_of_the_old_array(m):
    def f(x):
        t = 0.0
        for r in x:
            x = x * 2.0
            t = t + m.sum(m.sin(r) * r)
        return t + m.sum(x)
    return f


def items_of_the_old_list(m):
    def f(x):
        t = 0.0
        ys = [x, x * 2.0]
        for y in ys:
            ys = [y * 3.0] + ys
            t = t + m.sum(m.sin(y))
        return t + m.sum(ys[0] * ys[-1])
    return f


def loop_variable_named_as_the_array(m):
    def f(x):
        t = 0.0
        for x in x:  # noqa: B020  (Python's loop runs over the array; x is then each row)
            t = t + m.sum(m.sin(x) * x[0])
        return t
    return f


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("program", [rows_of_the_old_array, items_of_the_old_list, loop_variable_named_as_the_array])
def test_loop_over_the_value_the_variable_had(program, name):
    eng, f, fj = ENGINES[name], program(anp), program(jnp)
    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=(2, 2))
        np.testing.assert_allclose(eng.grad(f)(x), jax.grad(fj)(x), rtol=1e-10)
        t = np.ones((2, 2))
        np.testing.assert_allclose(eng.jvp(f, (x,), (t,))[1], jax.jvp(fj, (x,), (t,))[1], rtol=1e-10)
    np.testing.assert_allclose(eng.hessian(f)(x), jax.hessian(fj)(x), rtol=1e-10)


def appended_while_iterated(x):
    ys = [x]
    for y in ys:
        if len(ys) < 4:
            ys.append(y * 1.5)
    return sum(anp.sum(anp.sin(y)) for y in ys)


def popped_while_iterated(x):
    ys = [x, x * 2.0, x * 3.0]
    t = 0.0
    for y in ys:
        t = t + anp.sum(anp.sin(y))
        ys.pop()
    return t


def appended_then_break(x):
    ys = [x]
    for y in ys:
        ys.append(y * 2.0)
        break
    return anp.sum(ys[-1])


@pytest.mark.parametrize("fn", [appended_while_iterated, popped_while_iterated, appended_then_break])
def test_length_changed_in_the_loop_refused_at_its_line(fn):
    loop = next(k for k, text in enumerate(inspect.getsourcelines(fn)[0]) if text.strip().startswith("for "))
    for eng in ENGINES.values():
        for run in (lambda: eng.grad(fn)(np.ones(2)), lambda: eng.jvp(fn, (np.ones(2),), (np.ones(2),))):
            with pytest.raises(SCTError) as err:
                run()
            assert err.value.line == inspect.getsourcelines(fn)[1] + loop and err.value.filename == __file__
            assert "length" in str(err.value) and "list(" in str(err.value)


def test_a_copy_of_the_list_is_looped_over():
    def f(x):
        ys = [x]
        for y in list(ys):
            ys.append(y * 1.5)
        return sum(anp.sum(anp.sin(y)) for y in ys)

    def fj(x):
        return jnp.sum(jnp.sin(x)) + jnp.sum(jnp.sin(x * 1.5))

    x = np.array([0.3, -1.2])
    for eng in ENGINES.values():
        np.testing.assert_allclose(eng.grad(f)(x), jax.grad(fj)(x), rtol=1e-12)
