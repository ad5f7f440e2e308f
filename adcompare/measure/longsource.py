"""Long generated functions: what the SCT transform costs against function length.

Contract: :func:`straight_line` returns the source of a natural-form function
``name(x, y)`` of ``n`` assignment statements (seeded; some reassign an
earlier variable, so the reverse sweep must save overwritten values), and
:func:`one_expression` the source of a function returning one expression of
``n`` terms. Every value stays bounded by ``max(|x|, |y|, 2)``, so any length
runs without overflow. :func:`load` writes a source to a file in a directory
and imports it (SCT reads a function's source from its file) and returns the
function. Nothing here differentiates or times anything.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

# each keeps |result| <= max(|a|, |b|, 2): tanh, sin, cos, exp(-a^2) are bounded, the rest average or shrink
_FORMS = (
    "{t} = {a} * anp.tanh({b})",
    "{t} = 0.5 * ({a} + {b})",
    "{t} = anp.sin({a}) * {b}",
    "{t} = {a} / (1.0 + {b} * {b})",
    "{t} = anp.exp(-{a} * {a}) + 0.5 * {b}",
    "{t} = anp.cos({a}) * {b} - 0.25 * {a}",
)
_TERMS = (
    "{c} * anp.sin({a})",
    "{c} * {a} * {b}",
    "anp.tanh({c} * {a})",
    "{c} * anp.cos({a} - {b})",
)


def straight_line(n: int, seed: int = 0, name: str = "long_function") -> str:
    """Source of ``name(x, y)``: ``n`` statements, each reading two of the last few variables."""
    rng = np.random.default_rng(seed)
    names = ["x", "y"]
    lines = [f"def {name}(x, y):"]
    for k in range(n):
        recent = names[-12:]
        a, b = (recent[i] for i in rng.integers(0, len(recent), 2))
        old = [v for v in recent if v not in ("x", "y")]
        target = old[rng.integers(0, len(old))] if old and rng.random() < 0.2 else f"v{k}"
        lines.append("    " + _FORMS[rng.integers(0, len(_FORMS))].format(t=target, a=a, b=b))
        if target in names:
            names.remove(target)
        names.append(target)
    last = names[-3:]
    lines.append(f"    return {' + '.join(last)}")
    return "\n".join(lines) + "\n"


def one_expression(n: int, seed: int = 0, name: str = "long_expression") -> str:
    """Source of ``name(x, y)`` returning one sum of ``n`` terms (a left-nested tree ``n`` deep)."""
    rng = np.random.default_rng(seed)
    terms = []
    for _ in range(n):
        a, b = (("x", "y")[i] for i in rng.integers(0, 2, 2))
        c = round(float(rng.uniform(-1.0, 1.0)), 3)
        terms.append(_TERMS[rng.integers(0, len(_TERMS))].format(c=c, a=a, b=b))
    return f"def {name}(x, y):\n    return " + " + ".join(terms) + "\n"


def load(source: str, name: str, directory: str | Path) -> Callable:
    """Write ``source`` (which defines ``name``) to ``directory/<name>.py``, import it, return ``name``."""
    path = Path(directory) / f"{name}.py"
    path.write_text("import adcompare.numpy as anp\n\n\n" + source)
    module_name = f"_adcompare_longsource_{name}_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return getattr(module, name)
