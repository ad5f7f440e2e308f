"""SCT refusals: each unsupported construct raises ad.SCTError, with its line, before user code runs."""

from __future__ import annotations

import inspect
import math

import numpy
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engine import partial_args

sct = ad.engine("sct")
CALLS: list = []
COUNTER = 0.0


def _touch():
    """Called first by some refused functions: proves that their code never started."""
    CALLS.append(1)
    return 0


def uses_try(x):
    _ = _touch()
    try:  # refused
        y = anp.sin(x)
    except ValueError:
        y = x
    return y


def uses_with(x):
    with open("/dev/null"):  # refused
        y = x
    return y


# A generator function or an async def is refused by every engine before SCT reads it (its call gives no
# value to differentiate): tests/test_probe10_misuse_generators.py.


def uses_inner_lambda(x):
    g = lambda v, *, k=2.0: v * k  # refused  # noqa: E731  (a positional default: taken, probe 11)
    return g(x)


def uses_class(x):
    class Box:  # refused
        pass

    return x


def uses_global(x):
    global COUNTER  # refused
    COUNTER = x
    return x


def uses_nonlocal_factory():
    total = 0.0

    def inner(x):
        nonlocal total  # refused
        total = x
        return x

    return inner


uses_nonlocal = uses_nonlocal_factory()


GLOBAL_ARRAY = numpy.ones(3)


def writes_into_a_global(x):
    GLOBAL_ARRAY[0] = x[0]  # refused
    return anp.sum(GLOBAL_ARRAY * x)


def writes_into_an_element(x):
    y = anp.reshape(x * 2.0, (3, 1))
    y.T[0] += 1.0  # refused
    return anp.sum(y)


def writes_into_a_list(x):
    y = [x[0], x[1]]
    y[0:1] = [x[2]]  # refused (y[0] = x[2] is taken: tests/test_probe11_tangent_list_writes.py)
    return anp.sum(anp.stack(y))


def writes_attribute(x):
    x.value = 2.0  # refused
    return x


def calls_math(x):
    return math.sin(x) * 2.0  # refused


def calls_numpy(x):
    y = numpy.tanh(x)  # refused
    return y


_namespace: dict = {}
exec("def no_source(v):\n    return v * 2.0", _namespace)
no_source = _namespace["no_source"]


def calls_function_without_source(x):
    return no_source(x) + 1.0  # refused


def uses_nested_def(x):
    def inner(v, *, w=1.0):  # refused  (a positional default: taken, probe 11)
        return v

    return inner(x)


def uses_del(x):
    y = x
    z = y * 2.0
    del y  # refused (y is read; a del of a variable never read is taken: test_probe11_tangent_del.py)
    return z


def uses_import(x):
    import math as m  # refused

    return m.pi * x


def uses_walrus(x):
    if (y := x * 2.0) > 1.0:  # refused
        return y
    return x


def uses_comprehension(x):
    return anp.sum(anp.stack(list({x * i for i in range(3)})))  # refused (a dict comprehension is taken: probe10)


def uses_starred(x):  # a call with *parts and `a, *rest = seq` are taken (test_sct14_*); a nested starred target is not
    (first, *rest), last = (x, x, x), x  # refused
    return anp.add(first, rest[0] * last)


def uses_dict_unpacking(x):
    d = {**{k: 1.0 for k in "b"}, "a": x}  # refused  ({**d, ...} of a variable or a display: taken, probe 11)
    return d["a"]


def uses_for_else(x):
    for _ in range(3):  # refused
        x = x * 2.0
    else:
        x = x + 1.0
    return x


def uses_while_else(x):
    while x < 10.0:  # refused
        x = x * 2.0
    else:
        x = x + 1.0
    return x


def loops_over_zip(x):  # zip, d.items() (probe9_python_loops) and sorted (probe10) are taken; this .items() is not
    y = 0.0
    for _k, v in sorted({"a": x}.items()):  # refused
        y = y + v
    return y


def casts_to_int(x):
    n = int(x)  # refused
    return x * n


def casts_to_float(x):
    return float(x) * 2.0  # refused


def builtin_min_of_floats(x):  # min(x, 1.0) and a key= are differentiated (probe 9, probe 11); a default is not
    return min([x, 1.0], default=0.0) * 2.0  # refused


def boolean_value(x):
    y = x and 2.0  # refused
    return y


def inverts(x):
    return ~x  # refused


def active_index(x, a):
    i = x * 2.0
    return a[i]  # refused


def appends_to_parameter(x, rows):
    rows.append(x)  # refused
    return anp.sum(anp.stack(rows))


GLOBAL_ROWS: list = []


def appends_to_a_global_list(x):
    GLOBAL_ROWS.append(x)  # refused
    return x * 2.0


def aliases_appended_list(x):
    rows = []
    other = rows  # refused
    rows.append(x)
    return anp.sum(anp.stack(other))


def uses_match(x):
    match x:  # refused
        case _:
            return x


def prints(x):  # print(x) is run (test_probe9_python_effects); another call for its effect is not
    anp.sum(x)  # refused
    return x


def list_arithmetic(x):
    doubled = [x] * 2  # refused
    return anp.sum(anp.stack(doubled))


def _scaled(v, *, scale):
    return v * scale


def keyword_only(x):
    return _scaled(1.0, scale=x)  # refused


def unknown_method(x):
    y = x.partition(1)  # refused
    return anp.sum(y * x)


def undefined_function(x):
    return not_defined_anywhere(x)  # refused  # noqa: F821


def _callee_with_try(v):
    try:  # refused
        return v * 2.0
    except ValueError:
        return v


def calls_refused_callee(x):
    _ = _touch()
    return _callee_with_try(x) + 1.0


CASES = [
    (uses_try, "try/except"), (uses_with, "with"),
    (uses_inner_lambda, "a lambda with **kwargs, keywords"), (uses_class, "class"),
    (uses_global, "global"), (uses_nonlocal, "nonlocal"),
    (writes_into_a_global, "not a local variable"), (writes_into_an_element, "which is not a variable"),
    (writes_into_a_list, "writing into the list"),
    (writes_attribute, "attribute assignment"),
    (calls_math, "neither a vocabulary primitive nor a function with source"),
    (calls_numpy, "neither a vocabulary primitive nor a function with source"),
    (calls_function_without_source, "without source"),
    (uses_nested_def, "nested def inner with **kwargs, keywords"), (uses_del, "del"), (uses_import, "import"),
    (uses_walrus, "walrus"), (uses_comprehension, "set comprehension"), (uses_starred, "starred"),
    (uses_dict_unpacking, "unpacking in a dict display"), (uses_for_else, "for/else"), (uses_while_else, "while/else"),
    (loops_over_zip, ".items() on a differentiated value"),  # (enumerate with a start: taken, probe10)
    (casts_to_int, "int()"), (casts_to_float, "float()"), (builtin_min_of_floats, "min()"),
    (boolean_value, "and/or"), (inverts, "~"),
    (active_index, "index"),
    (appends_to_parameter, "append"), (appends_to_a_global_list, "GLOBAL_ROWS.append on a value that is not a local"),
    (aliases_appended_list, "second reference"),
    (uses_match, "match"), (prints, "expression statement"),
    (list_arithmetic, "arithmetic on a list"), (keyword_only, "keyword-only"),
    (unknown_method, ".partition()"), (undefined_function, "not defined"),
    (calls_refused_callee, "try/except"),
]


def _marked_line(f) -> tuple[str, int]:
    """The function the marker is in (it may be a callee) and the file line of ``# refused``."""
    for g in (f, _callee_with_try):
        try:
            lines, first = inspect.getsourcelines(g)
        except TypeError:
            continue
        for k, line in enumerate(lines):
            if "# refused" in line:
                return g.__name__, first + k
    raise AssertionError("no marker")


def _inputs(f):
    if f in (writes_into_a_global, writes_into_an_element, writes_into_a_list, loops_over_zip,
             unknown_method):
        return (numpy.ones(3),)
    if f is active_index:
        return (1.0, numpy.ones(4))
    if f is appends_to_parameter:
        return (1.0, [])
    return (0.5,)


@pytest.mark.parametrize("f, construct", CASES, ids=[c[0].__name__ for c in CASES])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_with_its_line(f, construct, mode):
    name, line = _marked_line(f)
    args = _inputs(f)
    CALLS.clear()
    with pytest.raises(ad.SCTError) as info:
        if mode == "reverse":
            sct.grad(f)(*args)
        else:
            tangent = numpy.ones_like(args[0]) if isinstance(args[0], numpy.ndarray) else 1.0
            sct.jvp(partial_args(f, args, (0,)), args[:1], (tangent,))
    err = info.value
    assert construct in str(err), str(err)
    assert err.line == line, str(err)
    assert err.function.endswith(name)
    assert err.filename == __file__
    assert "hint:" in str(err) and err.hint
    assert isinstance(err, NotImplementedError)
    assert CALLS == []  # refused before any user code ran


def test_refusal_is_not_cached_and_a_fixed_function_works():
    with pytest.raises(ad.SCTError):
        sct.grad(calls_refused_callee)(0.5)
    with pytest.raises(ad.SCTError):  # still refused: no half-built entry was left behind
        sct.grad(calls_refused_callee)(0.5)
    assert sct.grad(lambda_free_twin)(0.5) == 2.0


def lambda_free_twin(x):
    return x * 2.0


def test_constructs_on_constants_are_fine():
    """int(), min(), //, %, and/or, unknown functions: all allowed on values not differentiated."""

    assert sct.grad(constant_uses)(0.5, 3) == pytest.approx(constant_uses_grad(0.5, 3))


def constant_uses(x, n):
    k = int(n * 1.5) // 2 + n % 2
    m = min(k, 4) if (k > 1 and n > 0) else max(k, 1)
    scale = math.sqrt(float(m)) + numpy.pi
    return x * scale


def constant_uses_grad(x, n):
    k = int(n * 1.5) // 2 + n % 2
    m = min(k, 4) if (k > 1 and n > 0) else max(k, 1)
    return math.sqrt(float(m)) + numpy.pi
