"""Threads: levels, the cycle-collector pause, op counting and SCT's cache, under concurrency.

Each thread counts its own differentiation levels and logs its own ops; the
collector pause is one per process, counted across threads. The stress tests
run bounded loops on several threads with a tiny switch interval, so that
threads interleave inside nested derivatives as often as possible.
"""

from __future__ import annotations

import gc
import sys
import threading
import types

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.measure.opcount import count
from adcompare.primitives import new_level
from adcompare.tape_engine import cycle_collector_paused

THREADS = 4
RUNS = 300  # per thread and engine


@pytest.fixture
def interleaved():
    """Switch threads as often as the interpreter allows (the default is every 5 ms)."""
    saved = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(saved)


def run_threads(work, n: int = THREADS) -> list:
    """Run ``work(k)`` on ``n`` threads at once; the exceptions they raised."""
    errors: list = []
    start = threading.Barrier(n)

    def target(k):
        try:
            start.wait()
            work(k)
        except BaseException as e:  # reported to the test, not lost in the thread
            errors.append(e)

    threads = [threading.Thread(target=target, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    return errors


# --------------------------------------------------------------------------
# Nested derivatives: d/dx [x * d/dy (x + y)] is 1 (0 or 2 when levels are confused)


def nested(engine_name: str):
    """``x -> x * grad_y(x + y)(1.0)`` written for ``engine_name``."""
    eng = ad.engine(engine_name)
    if engine_name == "elemental":
        return eng, lambda x: el.multiply(x, eng.grad(lambda y: el.add(x, y))(1.0))
    return eng, lambda x: x * eng.grad(lambda y: x + y)(1.0)


def nested_forward(engine_name: str):
    """``x -> x * (d/dy x*y at 1)`` = x^2 by forward over forward; its derivative is 2x."""
    eng = ad.engine(engine_name)
    mul = el.multiply if engine_name == "elemental" else (lambda a, b: a * b)
    return eng, lambda x: mul(x, eng.jvp(lambda y: mul(x, y), (1.0,), (1.0,))[1])


@pytest.mark.parametrize("engine_name", ["overloading", "elemental"])
def test_nested_derivatives_on_threads_at_once(engine_name, interleaved):
    eng, f = nested(engine_name)
    _, g = nested_forward(engine_name)
    gc_was_enabled = gc.isenabled()
    wrong: list = []

    def work(k):
        for i in range(RUNS):
            x = 0.5 + k + 1e-3 * i
            checks = [(eng.grad(f)(x), 1.0), (eng.jvp(f, (x,), (1.0,))[1], 1.0),
                      (eng.vjp(g, x)[1](1.0)[0], 2.0 * x), (eng.jvp(g, (x,), (1.0,))[1], 2.0 * x)]
            wrong.extend((k, i, got, want) for got, want in checks if got != want)

    errors = run_threads(work)
    assert not errors, errors
    assert not wrong, f"{len(wrong)} wrong of {4 * THREADS * RUNS}: {wrong[:5]}"
    assert gc.isenabled() == gc_was_enabled


@pytest.mark.parametrize("engine_name", ["overloading", "elemental"])
def test_a_thread_leaving_a_level_does_not_reopen_another_threads_level(engine_name):
    """Thread B's level closes while A's outer level is open; A's inner level must be new.

    With one level count for the process, B takes level 1, A's outer level 2,
    B leaves (count 1), and A's inner derivative opens level 2 again: the same
    level as its outer one, which confuses the two (the derivative becomes 0).
    """
    eng, f = nested(engine_name)
    b_in, a_in, b_out = threading.Event(), threading.Event(), threading.Event()
    result: list = []

    def hold_a_level():
        with new_level():
            b_in.set()
            a_in.wait(10)
        b_out.set()

    def outer(x):
        a_in.set()
        b_out.wait(10)  # A's inner level opens only after B has left its level
        return f(x)

    b = threading.Thread(target=hold_a_level)
    b.start()
    b_in.wait(10)
    a = threading.Thread(target=lambda: result.append(eng.grad(outer)(0.7)))
    a.start()
    a.join(10)
    b.join(10)
    assert result == [1.0]


# --------------------------------------------------------------------------
# The cycle collector's pause


@pytest.fixture
def collector_enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_stays_paused_until_the_last_thread_leaves(collector_enabled):
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: list = []

    def a():
        with cycle_collector_paused():
            a_in.set()
            b_in.wait(10)
        a_out.set()

    def b():
        a_in.wait(10)
        with cycle_collector_paused():
            b_in.set()
            a_out.wait(10)
            seen.append(gc.isenabled())  # A has left, B is still inside

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [False]
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled(collector_enabled):
    gc.disable()
    errors = run_threads(lambda k: [ad.engine("overloading").grad(anp.sin)(0.1 * i) for i in range(50)])
    assert not errors
    assert not gc.isenabled()


def test_the_collector_is_enabled_again_after_a_stress_of_pauses(collector_enabled, interleaved):
    inside_enabled: list = []

    def work(k):
        for _ in range(RUNS):
            with cycle_collector_paused():
                if gc.isenabled():
                    inside_enabled.append(k)
                with cycle_collector_paused():  # nested on the same thread
                    pass

    assert not run_threads(work)
    assert not inside_enabled
    assert gc.isenabled()


def test_the_collector_is_enabled_again_after_an_error(collector_enabled):
    eng = ad.engine("overloading")

    def fails(x):
        raise RuntimeError("user error")

    with pytest.raises(RuntimeError, match="user error"):
        eng.vjp(fails, 1.0)
    assert gc.isenabled()


# --------------------------------------------------------------------------
# Op counting


def test_op_counts_count_only_their_own_threads_work(interleaved):
    """Each thread applies ``sin`` k + 1 times per round; its own log must say exactly that."""
    counts: dict = {}
    others = threading.Event()

    def noise():
        x = np.ones(3)
        while not others.is_set():
            anp.cos(x)

    noisy = threading.Thread(target=noise)
    noisy.start()
    try:
        def work(k):
            def rounds(x0):
                for _ in range(RUNS):
                    x = x0
                    for _ in range(k + 1):
                        x = anp.sin(x)
                return x

            counts[k] = dict(count(rounds, (0.1,), (0,)))

        assert not run_threads(work)
    finally:
        others.set()
        noisy.join(10)
    assert counts == {k: {"sin": RUNS * (k + 1)} for k in range(THREADS)}


def test_op_counts_of_a_derivative_on_threads_at_once(interleaved):
    """The op count of a gradient is the same alone and with other threads differentiating."""
    eng = ad.engine("overloading")

    def f(x):
        return anp.sum(anp.tanh(x) * anp.exp(x))

    x = np.linspace(0.0, 1.0, 5)
    alone = count(eng.grad(f), (x,), (0,))
    counts: list = []

    def work(k):
        for _ in range(RUNS // 10):
            counts.append(dict(count(eng.grad(f), (x,), (0,))))

    assert not run_threads(work)
    assert counts == [dict(alone)] * (THREADS * (RUNS // 10))


# --------------------------------------------------------------------------
# SCT: several threads transforming the same functions at once


def sct_target(x, w):
    s = 0.0
    for i in range(3):
        s = s + anp.sin(x * w) * i
    return s * x


def test_sct_transforms_the_same_functions_on_threads_at_once(interleaved):
    eng = ad.engine("sct")
    fresh = [types.FunctionType(sct_target.__code__, sct_target.__globals__, "sct_target")
             for _ in range(RUNS // 10)]  # new function objects: each is transformed afresh
    expected_grad = jax.grad(sct_target)(0.3, 1.7)
    expected_hessian = jax.hessian(sct_target)(0.3, 1.7)
    wrong: list = []

    def work(k):
        for fn in fresh:
            got = eng.grad(fn)(0.3, 1.7), eng.hessian(fn)(0.3, 1.7)
            if not (np.isclose(got[0], expected_grad, rtol=1e-12)
                    and np.isclose(got[1], expected_hessian, rtol=1e-12)):
                wrong.append((k, got))

    errors = run_threads(work)
    assert not errors, errors[:3]
    assert not wrong, wrong[:3]
