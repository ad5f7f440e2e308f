"""Study 2: per-operation overhead of each mechanism, by the cost of the base operation.

The survey says operator overloading can cost an order of magnitude. Whether
it does depends on what one operation costs to begin with: a Python float
multiply is ~50 ns, a NumPy scalar op ~1 us, a small array op a few us, a JAX
eager op tens of us, and under ``jax.jit`` the mechanism runs once at trace
time and not at all afterwards. So we time the same ``chain`` of N scalar
operations on each base and report time per operation: f, forward (jvp) and
reverse (grad). Each tool runs in its own fresh process.
"""

from __future__ import annotations

import math

import numpy as np

import adcompare as ad
from adcompare.measure import fresh
from adcompare.report import plots
from adcompare.report.study import Claim, Context, Section, fmt, md_table

BASES = ("float", "numpy scalar", "numpy array[100]", "jax eager", "jax.jit")
JIT_OPS = 200  # jit unrolls the chain: compile time grows with N, run time per op does not


def _base_value(base: str):
    import jax.numpy as jnp

    return {"float": 0.3, "numpy scalar": np.float64(0.3), "numpy array[100]": np.full(100, 0.3),
            "jax eager": jnp.asarray(0.3), "jax.jit": jnp.asarray(0.3)}[base]


def _plain_chain(x, codes, consts):
    """The chain in plain Python and math: the floor no mechanism can beat."""
    for op, c in zip(codes, consts):
        if op == 0:
            x = math.sin(x)
        elif op == 1:
            x = x * c
        elif op == 2:
            x = x + c
        elif op == 3:
            x = x * x
        else:
            x = math.exp(x) * c
    return x


def measure(tool: str, n: int, samples: int, min_sample_s: float) -> list[dict]:
    """Rows of seconds per op for one tool on every base it supports (runs in a fresh process)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    from adcompare import workloads
    from adcompare.measure.timing import time_call
    from adcompare.measure.tools import ToolUnavailable, prepare, to_torch
    from adcompare.workloads.chain import program

    w = workloads.get("chain")
    rows = []
    for base in BASES:
        ops = JIT_OPS if base == "jax.jit" else n
        codes, consts = program(ops)
        x = _base_value(base)
        if not _supports(tool, base):
            continue
        try:
            if tool == "python":
                if base != "float":
                    continue
                t = time_call(lambda: _plain_chain(x, codes, consts), samples, min_sample_s)
                rows.append(dict(tool=tool, base=base, n=ops, f=t.median / ops))
                continue
            summed = base == "numpy array[100]"
            source = _summed(w, tool) if summed else None
            timings, notes = {}, []
            for mode in ("jvp", "grad"):
                args = (x, codes, consts)
                if tool == "torch":
                    args = to_torch(args)
                target = tool + ("+jit" if base == "jax.jit" and tool != "jax" else "")
                if base == "jax.jit" and tool == "jax":
                    target = "jax+jit"
                try:
                    prepared = prepare(target, source or w, args, mode)
                except ToolUnavailable as exc:
                    notes.append(str(exc))
                    continue
                timings["f"] = time_call(prepared.primal, samples, min_sample_s).median / ops
                timings[mode] = time_call(prepared.derivative, samples, min_sample_s).median / ops
            timings["note"] = "; ".join(notes)
            rows.append(dict(tool=tool, base=base, n=ops, **timings))
        except Exception as exc:  # a tool that cannot do a base is a row that says why
            rows.append(dict(tool=tool, base=base, n=ops, note=f"{type(exc).__name__}: {exc}"[:160]))
    return rows


def _supports(tool: str, base: str) -> bool:
    if tool == "autograd":
        return base in ("float", "numpy scalar", "numpy array[100]")
    if tool == "torch":
        return base in ("float", "numpy array[100]")
    if tool == "jax":
        return base in ("jax eager", "jax.jit")
    return True


def _summed(w, tool: str):
    """The chain applied elementwise to an array, summed to a scalar for grad."""
    from dataclasses import replace

    import adcompare.numpy as anp

    def chain_sum(x, codes, consts):
        return anp.sum(w.natural(x, codes, consts))

    def chain_sum_elemental(x, codes, consts):
        import adcompare.elemental as el

        return el.sum(w.elemental(x, codes, consts))

    return replace(w, natural=chain_sum, elemental=chain_sum_elemental)


def run(ctx: Context) -> Section:
    n = ctx.scale.pick(200, 1000, 10_000)
    samples, min_s = ctx.scale.pick((3, 0.005), (5, 0.02), (7, 0.1))
    tools = list(ad.ENGINES) + ["jax", "autograd", "torch", "python"]
    rows = []
    for tool in tools:
        ctx.say(f"overhead: {tool}")
        rows += fresh.call("adcompare.report.studies.overhead:measure",
                           {"tool": tool, "n": n, "samples": samples, "min_sample_s": min_s})
    ctx.write_csv("overhead.csv", rows)
    plain = next((r["f"] for r in rows if r.get("tool") == "python" and r.get("f")), None)

    fig, ax = plots.figure(8, 4.5)
    xs = np.arange(len(BASES))
    measured = [r for r in rows if r.get("grad")]
    for tool in dict.fromkeys(r["tool"] for r in measured):
        ys = [next((r["grad"] / r["f"] for r in measured if r["tool"] == tool and r["base"] == b), np.nan)
              for b in BASES]
        ax.plot(xs, ys, **plots.style(tool))
    plots.band(ax, 3, 4, "cheap-gradient bound (reverse 3-4x)")
    ax.axhline(10, color="#444444", linewidth=0.8, linestyle=":", label="10x: 'an order of magnitude'")
    ax.set_yscale("log")
    ax.set_xticks(xs, BASES, fontsize=8)
    ax.set_ylabel("grad time / f time (same tool, same base)")
    ax.set_title(f"Reverse-mode overhead by base operation cost (chain, N = {n}; jit: N = {JIT_OPS})",
                 fontsize=9)
    fig_ratio = plots.save(fig, ctx.figure_path("overhead_ratio.png"))

    fig, ax = plots.figure(8, 4.5)
    for tool in dict.fromkeys(r["tool"] for r in measured):
        ys = [next((r["grad"] * 1e6 for r in measured if r["tool"] == tool and r["base"] == b), np.nan)
              for b in BASES]
        ax.plot(xs, ys, **plots.style(tool))
    if plain:
        ax.axhline(plain * 1e6, **{**plots.style("python"), "marker": None,
                                   "label": "plain Python f (math module)"})
    ax.set_yscale("log")
    ax.set_xticks(xs, BASES, fontsize=8)
    ax.set_ylabel("grad time per operation (µs)")
    ax.set_title("Absolute reverse-mode cost per operation", fontsize=9)
    fig_abs = plots.save(fig, ctx.figure_path("overhead_per_op.png"))

    table = []
    for r in rows:
        if r.get("tool") == "python":
            continue
        f, fwd, rev = r.get("f"), r.get("jvp"), r.get("grad")
        table.append([r["tool"], r["base"], fmt(f and f * 1e6), fmt(fwd and fwd * 1e6),
                      fmt(rev and rev * 1e6), fmt(fwd and f and fwd / f, 1), fmt(rev and f and rev / f, 1),
                      r.get("note", "") or ""])
    oo = {r["base"]: r for r in rows if r.get("tool") == "overloading" and r.get("grad")}
    el = {r["base"]: r for r in rows if r.get("tool") == "elemental" and r.get("grad")}
    ratio = {b: r["grad"] / r["f"] for b, r in oo.items()}
    scalar_ratio = ratio.get("float")
    jit_ratio = ratio.get("jax.jit")
    big = [b for b, v in ratio.items() if v >= 10]
    small = [b for b, v in ratio.items() if v < 10]
    claims = [Claim(
        "Operator overloading costs about an order of magnitude over the function.",
        "partly" if big and small else ("holds" if big else "does not hold"),
        f"overloading grad/f: {', '.join(f'{b} {fmt(v, 1)}x' for b, v in ratio.items())}; "
        f">= 10x on {', '.join(big) or 'no base'}, < 10x on {', '.join(small) or 'no base'}",
        "figures/overhead_ratio.png")]
    if el and oo:
        faster = [b for b in el if b in oo and el[b]["grad"] < oo[b]["grad"]]
        claims.append(Claim(
            "The elemental library is the cheapest mechanism (no dispatch through operators).",
            "holds" if len(faster) == len(el) else ("partly" if faster else "does not hold"),
            "elemental vs overloading grad µs/op: " + ", ".join(
                f"{b} {fmt(el[b]['grad'] * 1e6)} vs {fmt(oo[b]['grad'] * 1e6)}" for b in el if b in oo),
            "figures/overhead_per_op.png"))
    text = (
        f"Time per operation on `chain` (N = {n} scalar operations; N = {JIT_OPS} under jit, which "
        f"unrolls the loop), for f, forward mode (jvp) and reverse mode (grad), by the base the values "
        f"live on. Each tool ran in its own fresh process; medians of {samples} samples. "
        f"Plain Python with the `math` module runs f at {fmt(plain and plain * 1e6)} µs/op: the floor.\n\n"
        + md_table(["tool", "base", "f µs/op", "jvp µs/op", "grad µs/op", "jvp/f", "grad/f", "note"], table)
        + f"\n\n![grad/f by base]({fig_ratio.relative_to(ctx.fig_dir.parent)})\n\n"
        f"![grad per op]({fig_abs.relative_to(ctx.fig_dir.parent)})\n\n"
        f"**Reading.** The overloading engine's reverse sweep costs {fmt(scalar_ratio, 1)}x f on Python "
        f"floats, where f itself is cheap, and {fmt(jit_ratio, 1)}x under `jax.jit`, where the tape "
        f"runs once at trace time and XLA sees only the arithmetic. The order-of-magnitude claim is a "
        f"claim about cheap base operations.\n\nData: `reports/data/overhead.csv`.")
    return Section("2. Per-operation overhead by base cost", text, claims)
