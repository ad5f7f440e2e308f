"""Random programs for the engines, as source text, in three renderings of one tree.

Contract: :func:`generate` builds a random :class:`Program` (a small tree of our
own: expressions, statements, arguments and an output pytree) from a
:class:`Chooser`, which draws integers (from hypothesis, or from a NumPy
generator). :meth:`Program.source` renders it three ways, with the same meaning:

* ``natural``: Python operators and ``anp.*`` (the overloading and SCT engines);
* ``elemental``: ``el.*`` calls only, conditions on ``el.primal(...)``;
* ``jax``: operators and ``jnp.*``, index writes as ``y = y.at[i].set(v)``: the oracle.

:func:`load` writes the three functions to one real module file (SCT reads
source with ``inspect``) and imports it once per source text. The program only
uses safe domains (``log(1 + e*e)``, ``e / (1 + e*e)``, ``exp(tanh(e))``), and
never aliases an array it later writes into, so NumPy's in-place ``+=`` and
``y[i] = v`` mean what JAX's functional updates mean.

Every construct records the feature it exercises in ``Program.features``;
:data:`FEATURES` names them, and ``generate(..., enabled=...)`` leaves out the
features not enabled.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FEATURES = (
    "containers_in",   # dict / list / tuple arguments, nested, read by subscripts
    "tuple_unpack",    # a, b = t for a tuple or list argument
    "containers_out",  # a tuple or list output (vjp/jvp only)
    "dict_out",        # a dict output
    "broadcast",       # binary operations of different shapes, scalars with arrays
    "unary",           # elementwise functions on safe domains
    "reduction",       # sum / mean / max / logsumexp, with and without axis
    "matmul",          # @ and dot
    "index_read",      # x[i], x[i, j], x[:, j], x[1:]
    "where",           # m.where(e > c, a, b)
    "branch",          # if/else on a primal value or a loop counter
    "loop",            # for i in range(n), n static
    "aug_assign",      # v += e, v -= e, v *= e
    "index_update",    # y = m.zeros_like(x); y[i] = e  (JAX: y.at[i].set(e))
    "list_call",       # m.sum([a, b * b]), m.stack([...]): a list of active values to the vocabulary
    "list_append",     # acc = []; acc.append(e) in a loop; m.stack(acc) / m.sum(acc)
)

SHAPES: tuple[tuple[int, ...], ...] = ((), (3,), (2,), (2, 3))
MAX_STATEMENTS = 12
MAX_DEPTH = 2  # of an expression: JAX's eager dispatch (the oracle) costs about 1 ms per operation

# --------------------------------------------------------------------------
# The tree: expressions


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Const:
    value: float


@dataclass(frozen=True)
class Counter:  # a loop counter: a Python int, never active
    name: str


@dataclass(frozen=True)
class Ones:  # a constant array of ones
    shape: tuple


@dataclass(frozen=True)
class ZerosLike:
    of: Any


@dataclass(frozen=True)
class Call:  # m.fn(args..., **kwargs)
    fn: str
    args: tuple
    kwargs: tuple = ()


@dataclass(frozen=True)
class Bin:  # add, subtract, multiply, divide, power, matmul (operators); maximum, minimum, dot (calls)
    op: str
    a: Any
    b: Any


@dataclass(frozen=True)
class Index:
    of: Any
    idx: tuple  # ints, slices and counters


@dataclass(frozen=True)
class Compare:  # e > c or e < c, on primal values
    e: Any
    op: str
    c: float


@dataclass(frozen=True)
class Where:
    cond: Compare
    a: Any
    b: Any


@dataclass(frozen=True)
class ListCall:  # m.fn([items]) or m.fn(acc), acc a list variable
    fn: str
    items: tuple | str


@dataclass(frozen=True)
class Parity:  # i % 2 == 0, for a loop counter
    counter: str


# Statements


@dataclass(frozen=True)
class Assign:
    name: str
    e: Any


@dataclass(frozen=True)
class Unpack:  # a, b = t
    names: tuple
    source: str


@dataclass(frozen=True)
class AugAssign:
    name: str
    op: str
    e: Any


@dataclass(frozen=True)
class SetItem:
    name: str
    idx: tuple
    op: str  # "=" or "+="
    e: Any


@dataclass(frozen=True)
class For:
    counter: str
    n: int
    body: tuple


@dataclass(frozen=True)
class If:
    cond: Any  # Compare or Parity
    body: tuple
    orelse: tuple


@dataclass(frozen=True)
class ListInit:
    name: str


@dataclass(frozen=True)
class Append:
    name: str
    e: Any


# --------------------------------------------------------------------------
# Rendering

_BIN_OPS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "power": "**", "matmul": "@"}
_AUG_OPS = {"+=": "add", "-=": "subtract", "*=": "multiply"}
_JAX_NAMES = {"sigmoid": "jax.nn.sigmoid", "logsumexp": "jax.scipy.special.logsumexp"}
PREFIX = {"natural": "anp", "elemental": "el", "jax": "jnp"}


def _index_text(idx: tuple, flavor: str) -> str:
    def one(i):
        if isinstance(i, Counter):
            return i.name
        if isinstance(i, slice):
            if flavor == "elemental":
                return f"slice({i.start}, {i.stop})"
            return f"{'' if i.start is None else i.start}:{'' if i.stop is None else i.stop}"
        return str(i)

    parts = [one(i) for i in idx]
    if flavor == "elemental":
        return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
    return ", ".join(parts)


class Renderer:
    def __init__(self, flavor: str):
        self.flavor, self.m = flavor, PREFIX[flavor]

    def fn(self, name: str) -> str:
        if self.flavor == "jax" and name in _JAX_NAMES:
            return _JAX_NAMES[name]
        return f"{self.m}.{name}"

    def expr(self, e) -> str:
        r, el = self.expr, self.flavor == "elemental"
        if isinstance(e, Var) or isinstance(e, Counter):
            return e.name
        if isinstance(e, Const):
            return repr(e.value)
        if isinstance(e, Ones):
            return f"{self.m}.ones({e.shape!r})"
        if isinstance(e, ZerosLike):
            return f"{self.m}.zeros_like({r(e.of)})"
        if isinstance(e, Call):
            args = [r(a) for a in e.args] + [f"{k}={v!r}" for k, v in e.kwargs]
            return f"{self.fn(e.fn)}({', '.join(args)})"
        if isinstance(e, Bin):
            if e.op in _BIN_OPS and not el:
                return f"({r(e.a)} {_BIN_OPS[e.op]} {r(e.b)})"
            return f"{self.fn(e.op)}({r(e.a)}, {r(e.b)})"
        if isinstance(e, Index):
            if el:
                return f"el.getitem({r(e.of)}, {_index_text(e.idx, 'elemental')})"
            return f"{r(e.of)}[{_index_text(e.idx, self.flavor)}]"
        if isinstance(e, Compare):
            inner = f"el.primal({r(e.e)})" if el else r(e.e)
            return f"({inner} {e.op} {e.c!r})"
        if isinstance(e, Parity):
            return f"({e.counter} % 2 == 0)"
        if isinstance(e, Where):
            return f"{self.fn('where')}({r(e.cond)}, {r(e.a)}, {r(e.b)})"
        if isinstance(e, ListCall):
            items = e.items if isinstance(e.items, str) else "[" + ", ".join(r(i) for i in e.items) + "]"
            if self.flavor == "jax" and e.fn != "stack":  # jnp reductions take arrays, not lists
                items = f"jnp.array({items})"
            return f"{self.fn(e.fn)}({items})"
        raise TypeError(f"no rendering for {e!r}")

    def stmts(self, body, pad: str) -> list[str]:
        out: list[str] = []
        for s in body:
            out.extend(self.stmt(s, pad))
        return out or [pad + "pass"]

    def stmt(self, s, pad: str) -> list[str]:
        r = self.expr
        if isinstance(s, Assign):
            return [f"{pad}{s.name} = {r(s.e)}"]
        if isinstance(s, Unpack):
            return [f"{pad}{', '.join(s.names)}, = {s.source}" if len(s.names) == 1
                    else f"{pad}{', '.join(s.names)} = {s.source}"]
        if isinstance(s, AugAssign):
            if self.flavor == "elemental":
                return [f"{pad}{s.name} = el.{_AUG_OPS[s.op]}({s.name}, {r(s.e)})"]
            return [f"{pad}{s.name} {s.op} {r(s.e)}"]
        if isinstance(s, SetItem):
            idx = _index_text(s.idx, "natural")
            if self.flavor == "jax":
                method = "set" if s.op == "=" else "add"
                return [f"{pad}{s.name} = {s.name}.at[{idx}].{method}({r(s.e)})"]
            if self.flavor == "elemental":  # the library call: elemental values take no item assignment
                idx = _index_text(s.idx, "elemental")
                v = r(s.e) if s.op == "=" else f"el.add(el.getitem({s.name}, {idx}), {r(s.e)})"
                return [f"{pad}{s.name} = el.index_update({s.name}, {idx}, {v})"]
            return [f"{pad}{s.name}[{idx}] {s.op} {r(s.e)}"]
        if isinstance(s, For):
            return [f"{pad}for {s.counter} in range({s.n}):"] + self.stmts(s.body, pad + "    ")
        if isinstance(s, If):
            return ([f"{pad}if {r(s.cond)}:"] + self.stmts(s.body, pad + "    ")
                    + [f"{pad}else:"] + self.stmts(s.orelse, pad + "    "))
        if isinstance(s, ListInit):
            return [f"{pad}{s.name} = []"]
        if isinstance(s, Append):
            return [f"{pad}{s.name}.append({r(s.e)})"]
        raise TypeError(f"no rendering for {s!r}")

    def output(self, out) -> str:
        kind, items = out
        if kind == "expr":
            return self.expr(items)
        if kind == "dict":
            return "{" + ", ".join(f"{k!r}: {self.output(v)}" for k, v in items) + "}"
        inner = ", ".join(self.output(v) for v in items)
        return f"({inner},)" if kind == "tuple" and len(items) == 1 else (
            f"({inner})" if kind == "tuple" else f"[{inner}]")


# --------------------------------------------------------------------------
# The program


class Program:
    """A random program: its parameters, argument specs, statements, output and the features it uses.

    A plain class, not a dataclass, so that hypothesis prints a falsifying example as source code.
    """

    def __init__(self, params: list[str], args: list, prologue: list, body: list, out: tuple,
                 features: set[str], out_shape: tuple | None):
        self.params = params        # parameter names
        self.args = args            # argument specs: a shape (a leaf) or ("dict"|"list"|"tuple", items)
        self.prologue = prologue    # reads of the arguments' leaves
        self.body = body
        self.out = out              # ("expr", e) | ("tuple"|"list", [outs]) | ("dict", [(key, out)])
        self.features = features
        self.out_shape = out_shape  # the output's shape when it is one array, else None

    def function(self, flavor: str, name: str) -> str:
        r = Renderer(flavor)
        lines = [f"def {name}({', '.join(self.params)}):"]
        lines += r.stmts(self.prologue + self.body, "    ")
        lines.append(f"    return {r.output(self.out)}")
        return "\n".join(lines) + "\n"

    def source(self) -> str:
        """One module: ``f_natural``, ``f_elemental`` and ``f_jax``."""
        head = ("import jax\nimport jax.numpy as jnp\nimport jax.scipy.special\n"
                "import adcompare.elemental as el\nimport adcompare.numpy as anp\n")
        return head + "".join("\n\n" + self.function(fl, f"f_{fl}") for fl in PREFIX)

    def __repr__(self) -> str:  # what hypothesis prints for a falsifying example
        specs = ", ".join(f"{p}: {_spec_text(a)}" for p, a in zip(self.params, self.args))
        return f"\n# arguments {specs}\n{self.function('natural', 'f')}"

    @property
    def scalar_output(self) -> bool:
        return self.out[0] == "expr" and self.out_shape == ()

    def inputs(self, seed: int) -> tuple:
        """Arguments for the specs, drawn from ``seed``: Python floats for scalars, NumPy arrays."""
        rng = np.random.default_rng(seed)
        return tuple(_value(spec, rng) for spec in self.args)


def _spec_text(spec) -> str:
    if isinstance(spec, tuple) and spec and isinstance(spec[0], str):
        kind, items = spec
        if kind == "dict":
            return "{" + ", ".join(f"{k!r}: {_spec_text(v)}" for k, v in items) + "}"
        inner = ", ".join(_spec_text(v) for v in items)
        return f"({inner},)" if kind == "tuple" else f"[{inner}]"
    return "float" if spec == () else f"array{spec}"


def _value(spec, rng):
    if isinstance(spec, tuple) and spec and isinstance(spec[0], str):
        kind, items = spec
        if kind == "dict":
            return {k: _value(v, rng) for k, v in items}
        values = [_value(v, rng) for v in items]
        return tuple(values) if kind == "tuple" else values
    if spec == ():
        return float(rng.uniform(-1.5, 1.5))
    return rng.uniform(-1.5, 1.5, size=spec)


def random_like(tree, rng: np.random.Generator):
    """A tree of the same structure with normal entries (tangents, cotangents)."""
    from jax import tree_util

    def leaf(x):
        s = np.shape(x)
        return float(rng.normal()) if s == () and isinstance(x, float) else rng.normal(size=s)

    return tree_util.tree_map(leaf, tree)


# --------------------------------------------------------------------------
# Generation


class Chooser:
    """Draws integers; the rest of the choosing is built on that (hypothesis shrinks toward low values)."""

    def __init__(self, integer: Callable[[int, int], int]):
        self.integer = integer

    @classmethod
    def from_rng(cls, rng: np.random.Generator) -> Chooser:
        return cls(lambda lo, hi: int(rng.integers(lo, hi + 1)))

    def choice(self, items):
        return items[self.integer(0, len(items) - 1)]

    def weighted(self, options: list[tuple[int, Any]]):
        """One of ``options`` ((weight, value) pairs; weight 0 never), the first ones when shrinking."""
        options = [(w, v) for w, v in options if w > 0]
        k = self.integer(0, sum(w for w, _ in options) - 1)
        for w, v in options:
            if k < w:
                return v
            k -= w
        raise AssertionError

    def flip(self, percent: int) -> bool:
        return percent > 0 and self.integer(0, 99) < percent


_UNARY = ("sin", "cos", "tanh", "sigmoid", "exp_tanh", "log_1p_sq", "sqrt_1p_sq", "log1p_sq",
          "expm1_sin", "tan_half_tanh", "abs", "square", "cube", "negative")
_CONSTS = (0.5, -1.25, 2.0, 0.3, -0.7)


@dataclass
class _Scope:
    vars: dict[str, tuple]            # name -> shape
    owned: set[str]                   # arrays this function made: safe to write into
    counters: dict[str, int]          # loop counter -> trip count
    lists: dict[str, tuple]           # list variable -> (element shape, length)

    def child(self) -> _Scope:
        return _Scope(dict(self.vars), set(self.owned), dict(self.counters), dict(self.lists))


class _Gen:
    def __init__(self, ch: Chooser, enabled: frozenset[str]):
        self.ch, self.enabled = ch, enabled
        self.features: set[str] = set()
        self.count = 0  # statements so far
        self.fresh = 0

    def on(self, feature: str, percent: int = 100) -> bool:
        return feature in self.enabled and self.ch.flip(percent)

    def use(self, feature: str):
        self.features.add(feature)

    def name(self, stem: str = "v") -> str:
        self.fresh += 1
        return f"{stem}{self.fresh}"

    # ---- expressions, typed by shape

    def leaf(self, scope: _Scope, shape: tuple):
        same = sorted(n for n, s in scope.vars.items() if s == shape)
        made = [n for n in same if n in scope.owned]  # values the body computed: use them
        if made and self.ch.flip(60):
            return Var(self.ch.choice(made))
        if same and not self.ch.flip(15):
            return Var(self.ch.choice(same))
        if shape == ():
            if self.ch.flip(20) or not scope.vars:
                counters = sorted(scope.counters)
                if counters and self.ch.flip(50):
                    return Bin("multiply", Const(0.5), Counter(self.ch.choice(counters)))
                return Const(self.ch.choice(_CONSTS))
            name = self.ch.choice(sorted(scope.vars))
            if scope.vars[name] == ():
                return Var(name)
            if "index_read" in self.enabled and self.ch.flip(50):
                self.use("index_read")
                return Index(Var(name), tuple(0 for _ in scope.vars[name]))
            self.use("reduction")
            return Call("sum", (Var(name),))
        self.use("broadcast")
        return Bin("multiply", self.leaf(scope, ()), Ones(shape))

    def expr(self, scope: _Scope, shape: tuple, depth: int = 0, bare: bool = True):
        if depth >= MAX_DEPTH or (bare and depth > 0 and self.ch.flip(35)):
            return self.leaf(scope, shape)
        options = [(6, "unary"), (6, "binary")]
        if "broadcast" in self.enabled and shape != ():
            options.append((3, "broadcast"))
        if "reduction" in self.enabled and shape in ((), (3,), (2,)):
            options.append((3, "reduction"))
        if "matmul" in self.enabled:
            options.append((2, "matmul"))
        if "index_read" in self.enabled and shape != (2, 3):
            options.append((2, "index"))
        if "where" in self.enabled:
            options.append((2, "where"))
        if "list_call" in self.enabled:
            options.append((2, "list_call"))
        lists = [n for n, (s, k) in scope.lists.items() if shape == () or (k, *s) == shape]
        if lists:
            options.append((4, "list_use"))
        kind = self.ch.weighted(options)
        d = depth + 1
        if kind == "unary":
            return self.unary(self.ch.choice(_UNARY) if "unary" in self.enabled else "sin",
                              self.expr(scope, shape, d))
        if kind == "binary":
            op = self.ch.choice(("add", "subtract", "multiply", "divide", "maximum", "minimum"))
            a, b = self.expr(scope, shape, d), self.expr(scope, shape, d)
            return Bin("divide", a, _one_plus_square(b)) if op == "divide" else Bin(op, a, b)
        if kind == "broadcast":
            self.use("broadcast")
            small = () if shape != (2, 3) else self.ch.choice(((), (3,)))
            op = self.ch.choice(("add", "multiply", "subtract", "maximum"))
            a, b = self.expr(scope, shape, d), self.expr(scope, small, d)
            return Bin(op, b, a) if self.ch.flip(50) else Bin(op, a, b)
        if kind == "reduction":
            self.use("reduction")
            fn = self.ch.choice(("sum", "mean", "max", "logsumexp"))
            if shape == ():
                return Call(fn, (self.expr(scope, self.ch.choice(((3,), (2, 3), (2,))), d),))
            return Call(fn, (self.expr(scope, (2, 3), d),), (("axis", 0 if shape == (3,) else 1),))
        if kind == "matmul":
            self.use("matmul")
            pairs = {(): [((3,), (3,)), ((2,), (2,))], (3,): [((2,), (2, 3))], (2,): [((2, 3), (3,))],
                     (2, 3): []}[shape]
            if not pairs:  # an outer product by broadcasting instead: (2, 1) is not in our shapes
                return Bin("multiply", self.expr(scope, shape, d), self.expr(scope, (3,), d))
            sa, sb = self.ch.choice(pairs)
            op = "dot" if sa == sb and self.ch.flip(40) else "matmul"
            return Bin(op, self.expr(scope, sa, d), self.expr(scope, sb, d))
        if kind == "index":
            self.use("index_read")
            return self.index_read(scope, shape, d)
        if kind == "where":
            self.use("where")
            cond = Compare(self.expr(scope, shape, d), self.ch.choice((">", "<")), self.ch.choice((0.0, 0.4, -0.3)))
            return Where(cond, self.expr(scope, shape, d), self.expr(scope, shape, d))
        if kind == "list_call":
            self.use("list_call")
            if shape == ():
                k = self.integer_items()
                item_shape = self.ch.choice(((), (3,), ()))
                return ListCall(self.ch.choice(("sum", "mean", "max")),
                                tuple(self.expr(scope, item_shape, d) for _ in range(k)))
            items = {(3,): (3, ()), (2,): (2, ()), (2, 3): (2, (3,))}[shape]
            return ListCall("stack", tuple(self.expr(scope, items[1], d) for _ in range(items[0])))
        # list_use
        self.use("list_append")
        name = self.ch.choice(sorted(lists))
        s, k = scope.lists[name]
        if (k, *s) == shape:
            return ListCall("stack", name)
        return ListCall(self.ch.choice(("sum", "mean")), name)

    def integer_items(self) -> int:
        return self.ch.integer(2, 3)

    def unary(self, fn: str, a):
        self.use("unary")
        sq = Bin("multiply", a, a)
        return {
            "sin": lambda: Call("sin", (a,)), "cos": lambda: Call("cos", (a,)),
            "tanh": lambda: Call("tanh", (a,)), "sigmoid": lambda: Call("sigmoid", (a,)),
            "exp_tanh": lambda: Call("exp", (Call("tanh", (a,)),)),
            "log_1p_sq": lambda: Call("log", (Bin("add", Const(1.0), sq),)),
            "sqrt_1p_sq": lambda: Call("sqrt", (Bin("add", Const(1.0), sq),)),
            "log1p_sq": lambda: Call("log1p", (sq,)),
            "expm1_sin": lambda: Call("expm1", (Call("sin", (a,)),)),
            "tan_half_tanh": lambda: Call("tan", (Bin("multiply", Const(0.5), Call("tanh", (a,))),)),
            "abs": lambda: Call("abs", (a,)),
            "square": lambda: Bin("power", a, Const(2)),
            "cube": lambda: Bin("power", a, Const(3)),
            "negative": lambda: Call("negative", (a,)),
        }[fn]()

    def index_read(self, scope: _Scope, shape: tuple, d: int):
        if shape == ():
            src = self.ch.choice(((3,), (2, 3), (2,)))
            idx = tuple(self.position(scope, n) for n in src)
        elif shape == (3,):
            src, idx = (2, 3), (self.position(scope, 2),)
        else:  # (2,)
            src, idx = self.ch.choice((((2, 3), (slice(None), self.position(scope, 3))),
                                       ((3,), (slice(1, None),)),
                                       ((2, 3), (self.position(scope, 2), slice(None, 2)))))
        return Index(self.expr(scope, src, d) if self.ch.flip(30) else self.leaf(scope, src), idx)

    def position(self, scope: _Scope, n: int):
        """An index into an axis of length ``n``: a constant, or a loop counter that stays in range."""
        fits = sorted(c for c, trips in scope.counters.items() if trips <= n)
        if fits and self.ch.flip(60):
            return Counter(self.ch.choice(fits))
        return self.ch.integer(0, n - 1) - (n if self.ch.flip(20) else 0)

    # ---- statements

    def block(self, scope: _Scope, size: int, depth: int) -> list:
        out = []
        for _ in range(size):
            if self.count >= MAX_STATEMENTS:
                break
            out.extend(self.statement(scope, depth))
        return out

    def statement(self, scope: _Scope, depth: int) -> list:
        self.count += 1
        options = [(10, "assign")]
        owned = sorted(n for n in scope.owned if n in scope.vars)
        arrays = sorted(n for n in owned if scope.vars[n] != ())
        if "aug_assign" in self.enabled and owned:
            options.append((4, "aug"))
        if "index_update" in self.enabled and any(s != () for s in scope.vars.values()):
            options.append((4, "index_update"))
        if depth < 2 and "loop" in self.enabled:
            options.append((4, "loop"))
        if depth < 2 and "branch" in self.enabled:
            options.append((4, "branch"))
        if depth < 2 and "list_append" in self.enabled and "loop" in self.enabled:
            options.append((3, "list_loop"))
        kind = self.ch.weighted(options)
        if kind == "assign":
            if scope.vars and self.ch.flip(50 if depth else 20):  # rebind a name: loops carry it, branches merge it
                name = self.ch.choice(sorted(scope.vars))
                shape = scope.vars[name]
            else:  # mostly a shape some value already has, so that fewer constants are made up
                shapes = sorted(set(scope.vars.values()))
                name = self.name()
                shape = self.ch.choice(shapes) if shapes and self.ch.flip(70) else self.ch.choice(SHAPES)
            e = self.expr(scope, shape, bare=False)
            scope.vars[name] = shape
            scope.owned.add(name)
            return [Assign(name, e)]
        if kind == "aug":
            self.use("aug_assign")
            name = self.ch.choice(owned)
            return [AugAssign(name, self.ch.choice(("+=", "-=", "*=")), self.expr(scope, scope.vars[name]))]
        if kind == "index_update":
            self.use("index_update")
            out = []
            if arrays and self.ch.flip(50):
                name = self.ch.choice(arrays)
            else:
                source = self.ch.choice(sorted(n for n, s in scope.vars.items() if s != ()))
                name = self.name("y")
                zeros = self.ch.flip(70)
                out.append(Assign(name, ZerosLike(Var(source)) if zeros
                                  else Bin("multiply", Var(source), Const(1.0))))
                scope.vars[name] = scope.vars[source]
                scope.owned.add(name)
                self.count += 1
            shape = scope.vars[name]
            if len(shape) == 1:
                idx, value_shape = self.ch.choice((((self.position(scope, shape[0]),), ()),
                                                   ((slice(1, None),), (shape[0] - 1,))))
            else:
                idx, value_shape = self.ch.choice((((self.position(scope, 2),), (3,)),
                                                   ((self.position(scope, 2), self.position(scope, 3)), ()),
                                                   ((slice(None), self.position(scope, 3)), (2,))))
            if value_shape not in SHAPES or self.ch.flip(25):
                value_shape = ()  # broadcast a scalar into the slice
            out.append(SetItem(name, idx, self.ch.choice(("=", "=", "+=")), self.expr(scope, value_shape)))
            return out
        if kind == "loop":
            self.use("loop")
            counter = self.name("i")
            inner = scope.child()
            inner.counters[counter] = self.ch.integer(1, 3)
            body = self.block(inner, self.ch.integer(1, 3), depth + 1)
            return [For(counter, inner.counters[counter], tuple(body))]
        if kind == "branch":
            self.use("branch")
            counters = sorted(scope.counters)
            if counters and self.ch.flip(40):
                cond = Parity(self.ch.choice(counters))
            else:
                cond = Compare(self.expr(scope, (), 1), self.ch.choice((">", "<")),
                               self.ch.choice((0.0, 0.5, -0.5)))
            a, b = scope.child(), scope.child()
            body = self.block(a, self.ch.integer(1, 2), depth + 1)
            orelse = self.block(b, self.ch.integer(0, 2), depth + 1)
            return [If(cond, tuple(body), tuple(orelse))]
        # list_loop: acc = []; for i in range(n): ...; acc.append(e)
        self.use("list_append")
        self.use("loop")
        name, counter = self.name("acc"), self.name("i")
        n = self.ch.integer(2, 3)
        shape = self.ch.choice(((), (3,), ()))
        inner = scope.child()
        inner.counters[counter] = n
        body = self.block(inner, self.ch.integer(0, 2), depth + 1)
        self.count += 1
        body.append(Append(name, self.expr(inner, shape, bare=False)))
        scope.lists[name] = (shape, n)
        return [ListInit(name), For(counter, n, tuple(body))]

    # ---- arguments and output

    def arg_spec(self, depth: int = 0):
        if depth < 2 and self.on("containers_in", 45 if depth == 0 else 25):
            self.use("containers_in")
            kind = self.ch.choice(("dict", "list", "tuple"))
            k = self.ch.integer(1, 3)
            items = [self.arg_spec(depth + 1) for _ in range(k)]
            if kind == "dict":
                return ("dict", tuple((f"k{j}", it) for j, it in enumerate(items)))
            return (kind, tuple(items))
        return self.ch.choice(SHAPES)

    def read_leaves(self, spec, path: str, scope: _Scope, prologue: list) -> None:
        if isinstance(spec, tuple) and spec and isinstance(spec[0], str):
            kind, items = spec
            leaves = all(not (isinstance(v, tuple) and v and isinstance(v[0], str)) for v in
                         (it if kind != "dict" else it[1] for it in items))
            if kind != "dict" and leaves and self.on("tuple_unpack", 40):
                self.use("tuple_unpack")
                names = tuple(self.name("x") for _ in items)
                prologue.append(Unpack(names, path))
                scope.vars.update(zip(names, items))
                return
            for j, it in enumerate(items):
                if kind == "dict":
                    self.read_leaves(it[1], f"{path}[{it[0]!r}]", scope, prologue)
                else:
                    self.read_leaves(it, f"{path}[{j}]", scope, prologue)
            return
        name = self.name("x")
        prologue.append(Assign(name, Var(path)))
        scope.vars[name] = spec

    def output(self, scope: _Scope, depth: int = 0):
        kinds = [(6, "expr")]
        if depth < 2 and "containers_out" in self.enabled:
            kinds += [(3, "tuple"), (1, "list")]
        if depth < 2 and "dict_out" in self.enabled:
            kinds.append((2, "dict"))
        kind = self.ch.weighted(kinds)
        if kind == "expr":
            made = sorted(n for n in scope.owned if n in scope.vars)
            scalar = depth == 0 and self.ch.flip(60)
            if made and self.ch.flip(60):  # what the body computed
                name = self.ch.choice(made)
                if scalar and scope.vars[name] != ():
                    return ("expr", Call("sum", (Var(name),))), ()
                return ("expr", Var(name)), scope.vars[name]
            shape = () if scalar else self.ch.choice(SHAPES)
            return ("expr", self.expr(scope, shape, 1)), shape
        self.use("dict_out" if kind == "dict" else "containers_out")
        items = [self.output(scope, depth + 1)[0] for _ in range(self.ch.integer(1, 3))]
        if kind == "dict":
            return ("dict", [(f"o{j}", it) for j, it in enumerate(items)]), None
        return (kind, items), None


def _one_plus_square(b):
    return Bin("add", Const(1.0), Bin("multiply", b, b))


def generate(ch: Chooser, enabled=FEATURES) -> Program:
    """A random program using only the ``enabled`` features."""
    g = _Gen(ch, frozenset(enabled))
    scope = _Scope({}, set(), {}, {})
    nargs = ch.integer(1, 3)
    params = [f"p{k}" for k in range(nargs)]
    args = [g.arg_spec() for _ in params]
    prologue: list = []
    for name, spec in zip(params, args):
        g.read_leaves(spec, name, scope, prologue)
    body = g.block(scope, ch.integer(1, 6), 0)
    out, out_shape = g.output(scope)
    return Program(params, args, prologue, body, out, g.features, out_shape)


# --------------------------------------------------------------------------
# Loading

_MODULES: dict[str, Any] = {}


def load(program: Program, directory: Path) -> Any:
    """Import the program's module (written once to ``directory``): ``f_natural``, ``f_elemental``, ``f_jax``."""
    text = program.source()
    module = _MODULES.get(text)
    if module is None:
        name = "fuzz_" + hashlib.sha1(text.encode()).hexdigest()[:16]
        path = Path(directory) / f"{name}.py"
        path.write_text(text)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _MODULES[text] = module
    return module
