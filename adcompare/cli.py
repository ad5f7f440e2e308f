"""The ``adcompare`` command.

    adcompare report     run the studies and write reports/REPORT.md (the main job)
    adcompare check      the correctness matrix: engines x problems x modes against JAX
    adcompare bench      time, memory and op counts, one fresh process per cell
    adcompare usability  lines, AST nodes and characters of each problem's natural and elemental form
"""

from __future__ import annotations

import argparse
import sys


def check(args: argparse.Namespace) -> int:
    """Print engines x problems x modes, each cell pass/fail with its max error."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import adcompare as ad
    from adcompare import workloads
    from adcompare.oracle import CHECKED, TOLERANCE, matrix

    engines = args.engines or list(ad.ENGINES)
    problems = args.problems or workloads.names()
    failures = 0
    print(f"correctness against JAX (float64), max scaled error over seeds {args.seeds} "
          f"and backends numpy+jax; pass means < {TOLERANCE:g}\n")
    header = f"{'problem':<16}{'engine':<13}" + "".join(f"{m:>18}" for m in CHECKED)
    print(header)
    print("-" * len(header))
    for name in problems:
        for e in engines:
            cells, matrix_rows = [], list(matrix([e], [name], args.seeds))
            for mode in CHECKED:  # one cell per mode: the worst over both backends
                rows = [r for r in matrix_rows if r["mode"] == mode]
                crashed = next((r["note"] for r in rows if r["note"]), None)
                if crashed:  # a crash is a failing cell, with its reason
                    cells.append(f"ERROR {crashed.split(':')[0]}")
                    print(f"  {name}/{e}/{mode}: {crashed}", file=sys.stderr)
                else:
                    err = max(r["max_error"] for r in rows)
                    cells.append(f"{'pass' if err < TOLERANCE else 'FAIL'} {err:8.1e}")
                failures += bool(crashed) or not all(r["passed"] for r in rows)
            print(f"{name:<16}{e:<13}" + "".join(f"{c:>18}" for c in cells))
    if args.nested:
        failures += _check_nested(engines)
    print(f"\n{failures} failing cell(s)")
    return 1 if failures else 0


def _cell(row: dict) -> str:
    """A matrix cell: pass/FAIL with the error, or ERROR with the exception's name."""
    if row["note"]:
        return f"ERROR {row['note'].split(':')[0]}"
    return f"{'pass' if row['passed'] else 'FAIL'} {row['max_error']:8.1e}"


def _check_nested(engines: list[str]) -> int:
    """Print GradBench's nested problems per engine and composition; return the failing cells."""
    from adcompare.oracle import NESTED_OPTIONS, TOLERANCE, nested_matrix
    from adcompare.workloads.nested import COMPOSITIONS

    print(f"\nnested derivatives (GradBench particle and saddle; one engine takes the outer and the inner "
          f"derivative) against GradBench's answers; pass means < {TOLERANCE:g}")
    for name, options in NESTED_OPTIONS.items():
        if name in engines:
            print(f"  {name} runs with {options}")
    header = f"\n{'problem':<16}{'engine':<13}" + "".join(f"{m:>18}" for m in COMPOSITIONS)
    print(header)
    print("-" * len(header))
    failures, rows = 0, list(nested_matrix(engines))
    for problem in dict.fromkeys(r["problem"] for r in rows):
        for e in engines:
            cells = [r for r in rows if r["problem"] == problem and r["engine"] == e]
            for r in cells:
                if r["note"]:
                    print(f"  {problem}/{e}/{r['composition']}: {r['note']}", file=sys.stderr)
            failures += sum(not r["passed"] for r in cells)
            print(f"{problem:<16}{e:<13}" + "".join(f"{_cell(r):>18}" for r in cells))
    return failures


def usability(args: argparse.Namespace) -> int:
    """Print how much longer each problem gets in elemental form."""
    from adcompare.measure.source_size import format_table, table

    print(format_table(table(args.problems)))
    return 0


def bench(args: argparse.Namespace) -> int:
    """Measure time, memory and op counts per cell, each in a fresh process; write a CSV."""
    from pathlib import Path

    import adcompare as ad
    from adcompare import workloads
    from adcompare.measure import bench as harness
    from adcompare.measure.modes import TIMED_MODES as MODES
    from adcompare.measure.tools import all_tools, available

    problems = args.problems or workloads.names()
    tools_ = args.tools or list(ad.ENGINES) + [p for p in ("jax", "jax+jit", "autograd", "torch")]
    bad = [f"problem {p!r}" for p in problems if p not in workloads.names()]
    bad += [f"tool {t!r}" for t in tools_ if t not in all_tools()]
    bad += [f"mode {m!r}" for m in args.modes if m not in MODES]
    sizes = {}  # a problem with one size (the scalar ones) runs at it whatever size is asked
    for p in problems:
        if p in workloads.names():
            own = workloads.get(p).sizes
            sizes[p] = list(own) if len(own) == 1 else args.sizes
            bad += [f"size {s!r} of {p}" for s in sizes[p] if s not in own]
    if bad:
        print(f"adcompare bench: unknown {', '.join(bad)}.\n  problems: {', '.join(workloads.names())}"
              f"\n  tools: {', '.join(all_tools())}\n  modes: {', '.join(MODES)}", file=sys.stderr)
        return 2
    missing = [t for t in tools_ if not available(t)]
    for t in missing:
        print(f"note: peer {t} is not installed; its rows are marked skipped", file=sys.stderr)
    options = {"check": True} if args.check else {}
    specs = [cell for p in problems for cell in harness.cells([p], sizes[p], tools_, args.modes, args.backend,
                                                              samples=args.repeats, min_sample_s=args.min_sample_s,
                                                              options=options)]
    rows = harness.run(specs, Path(args.out), peaks=args.peaks, timeout=args.timeout,
                       shared_process=args.shared_process)
    print(harness.table(rows))
    print(f"\n{len(rows)} rows written to {args.out}")
    return 0


def report(args: argparse.Namespace) -> int:
    """Run every study at the chosen scale and write reports/REPORT.md."""
    from pathlib import Path

    from adcompare.report.build import build
    from adcompare.report.studies import ORDER

    studies = tuple(args.studies or ORDER)
    unknown = [s for s in studies if s not in ORDER]
    if unknown:
        print(f"adcompare report: unknown study {', '.join(map(repr, unknown))}; "
              f"choose from {', '.join(ORDER)}", file=sys.stderr)
        return 2
    build(args.scale, Path(args.out), studies)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="adcompare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_check = sub.add_parser("check", help="correctness matrix against JAX")
    p_check.add_argument("--engines", nargs="*", help="engines (default: all)")
    p_check.add_argument("--problems", nargs="*", help="problems (default: all)")
    p_check.add_argument("--seeds", type=int, default=3, help="seeds per cell (default 3)")
    p_check.add_argument("--nested", action="store_true",
                         help="also GradBench's nested problems (particle, saddle) per engine and composition "
                              "against GradBench's answers (minutes per engine)")
    p_check.set_defaults(run=check)
    p_usability = sub.add_parser("usability", help="source size of the natural and elemental forms")
    p_usability.add_argument("--problems", nargs="*", help="problems (default: all)")
    p_usability.set_defaults(run=usability)
    p_bench = sub.add_parser("bench", help="time, memory and op counts, one fresh process per cell")
    p_bench.add_argument("--problems", nargs="*", help="problems (default: all)")
    p_bench.add_argument("--sizes", nargs="*", default=["small"], help="sizes (default: small)")
    p_bench.add_argument("--tools", nargs="*",
                         help="engines, SCT configurations and peers, e.g. overloading sct+jit sct:sct "
                              "sct:lax+jit jax+jit jax+scan torch (default: every engine, jax, jax+jit, "
                              "autograd, torch; the names: adcompare.measure.tools)")
    p_bench.add_argument("--modes", nargs="*", default=["grad"], help="grad jvp hessian hvp (default: grad)")
    p_bench.add_argument("--backend", default="numpy", choices=["numpy", "jax"],
                         help="backend for our engines (peers use their own; default numpy)")
    p_bench.add_argument("--repeats", type=int, default=7, help="timed samples per cell (default 7)")
    p_bench.add_argument("--min-sample-s", type=float, default=0.05,
                         help="calls per sample double until one sample takes this long")
    p_bench.add_argument("--check", action="store_true",
                         help="also hold each derivative against JAX's (max_error; status 'wrong' past tolerance)")
    p_bench.add_argument("--peaks", action="store_true",
                         help="also measure jax/torch peaks, each in its own fresh process")
    p_bench.add_argument("--timeout", type=float, default=600.0, help="seconds per cell")
    p_bench.add_argument("--shared-process", action="store_true",
                         help="run all cells of one tool in one process (quicker; recorded in each row)")
    p_bench.add_argument("--out", default="runs/bench.csv", help="CSV to write (default runs/bench.csv)")
    p_bench.set_defaults(run=bench)
    p_report = sub.add_parser("report", help="run the studies and write reports/REPORT.md")
    p_report.add_argument("--scale", default="quick", choices=["smoke", "quick", "full"],
                          help="smoke (CI, ~2 min), quick (default, <10 min on 2 cores), full (real sizes)")
    p_report.add_argument("--studies", nargs="*", help="run only these studies")
    p_report.add_argument("--out", default="runs/report",
                          help="folder for REPORT.md, data/ and figures/ (default runs/report; "
                               "--out reports refreshes the committed reference report)")
    p_report.set_defaults(run=report)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
