"""Random programs: seeded straight-line code, branches and loops, SCT against JAX.

Each program is written to a module file (SCT reads source), imported, and its
grad and jvp compared with JAX's on two inputs. The grammar mixes assignments,
augmented assignments, tuple swaps, if/elif/else, for loops over ranges with
break and continue, bounded while loops, conditional expressions and calls
to a helper with an early return.
"""

from __future__ import annotations

import importlib.util
import sys

import jax
import numpy as np
import pytest

import adcompare as ad
from adcompare.oracle import max_error

sct = ad.engine("sct")
UNARY = ["anp.sin({})", "anp.cos({})", "anp.tanh({})", "anp.sigmoid({})", "anp.exp(anp.tanh({}))",
         "({}) ** 2", "anp.sqrt(1.0 + ({}) ** 2)", "anp.log(1.0 + ({}) ** 2)", "helper({})"]
BINARY = ["{} + {}", "{} - {}", "{} * {}", "{} / (1.0 + ({}) ** 2)"]
HELPER = """
def helper(v):
    if v > 0.5:
        return anp.sin(v) * 0.5
    w = v * v
    return w - 0.25
"""


class Program:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.names = ["x", "y"]
        self.lines: list[str] = []
        self.loops = 0

    def choice(self, items):
        return items[int(self.rng.integers(len(items)))]

    def expr(self, depth: int = 0) -> str:
        r = self.rng.random()
        if depth >= 2 or r < 0.3:
            if self.rng.random() < 0.2:
                return f"{self.rng.uniform(-1, 1):.3f}"
            return self.choice(self.names)
        if r < 0.6:
            return self.choice(UNARY).format(self.expr(depth + 1))
        if r < 0.9:
            return self.choice(BINARY).format(self.expr(depth + 1), self.expr(depth + 1))
        return f"({self.expr(depth + 1)} if {self.cond()} else {self.expr(depth + 1)})"

    def cond(self) -> str:
        return f"{self.choice(self.names)} {self.choice(['>', '<'])} {self.rng.uniform(-0.5, 0.5):.3f}"

    def block(self, indent: int, size: int, in_loop: bool) -> None:
        pad = "    " * indent
        before = len(self.lines)
        for _ in range(size):
            r = self.rng.random()
            if r < 0.45 or indent >= 3:
                new = indent == 1 and self.rng.random() < 0.3  # new names only where always defined
                target = f"v{len(self.names)}" if new else self.choice(self.names)
                op = "=" if new else self.choice(["=", "+=", "-=", "*="])
                # tanh keeps values bounded, so derivatives stay well conditioned
                value = f"{'0.5 * ' if op in ('+=', '-=') else ''}anp.tanh({self.expr()})"
                self.lines.append(f"{pad}{target} {op} {value}")
                if new:
                    self.names.append(target)
            elif r < 0.55 and len(self.names) > 2:
                a, b = self.choice(self.names), self.choice(self.names)
                if a != b:
                    self.lines.append(f"{pad}{a}, {b} = {b}, {a}")
            elif r < 0.75:
                self.lines.append(f"{pad}if {self.cond()}:")
                self.block(indent + 1, 2, in_loop)
                if self.rng.random() < 0.5:
                    self.lines.append(f"{pad}elif {self.cond()}:")
                    self.block(indent + 1, 1, in_loop)
                self.lines.append(f"{pad}else:")
                self.block(indent + 1, 2, in_loop)
            elif r < 0.9:
                self.loops += 1
                i = f"i{self.loops}"
                start, stop = int(self.rng.integers(0, 2)), int(self.rng.integers(2, 5))
                self.lines.append(f"{pad}for {i} in range({start}, {stop}):")
                self.block(indent + 1, 2, True)
                if self.rng.random() < 0.5:
                    self.lines.append(f"{pad}    if {self.cond()}:")
                    self.lines.append(f"{pad}        {self.choice(['break', 'continue'])}")
                self.lines.append(f"{pad}    {self.choice(self.names)} += {i} * 0.1")
            else:
                self.loops += 1
                k = f"k{self.loops}"
                self.lines.append(f"{pad}{k} = 0")
                self.lines.append(f"{pad}while {k} < 3 and {self.cond()}:")
                self.lines.append(f"{pad}    {k} += 1")
                self.block(indent + 1, 2, True)
            if in_loop and self.rng.random() < 0.05:
                self.lines.append(f"{pad}if {self.cond()}:")
                self.lines.append(f"{pad}    return {self.choice(self.names)}")
        if len(self.lines) == before:
            self.lines.append(f"{pad}pass")

    def source(self, name: str) -> str:
        self.block(1, int(self.rng.integers(3, 7)), False)
        ret = " + ".join(self.rng.permutation(self.names)[:3])
        return f"def {name}(x, y):\n" + "\n".join(self.lines) + f"\n    return {ret}\n"


N_PROGRAMS = 30


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    rng = np.random.default_rng(2024)
    text = "import adcompare.numpy as anp\n" + HELPER
    for k in range(N_PROGRAMS):
        text += "\n\n" + Program(rng).source(f"program_{k}")
    path = tmp_path_factory.mktemp("fuzz") / "sct_fuzz_programs.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("sct_fuzz_programs", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("k", range(N_PROGRAMS))
def test_random_program_matches_jax(programs, k):
    f = getattr(programs, f"program_{k}")
    for x, y in ((0.37, -0.61), (-0.83, 0.29)):
        ours = sct.grad(f, (0, 1))(x, y)
        theirs = jax.grad(f, (0, 1))(x, y)
        assert max_error(ours, theirs) < 1e-10, (k, x, y)
        y_out, y_dot = sct.jvp(f, (x, y), (0.7, -1.3))
        expected = jax.jvp(f, (x, y), (0.7, -1.3))
        assert max_error((y_out, y_dot), expected) < 1e-10, (k, x, y)
