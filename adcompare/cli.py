"""The ``adcompare`` command.

    adcompare check      the correctness matrix: engines x problems x modes against JAX
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
    from adcompare.oracle import MODES, TOLERANCE, compare

    engines = args.engines or list(ad.ENGINES)
    problems = args.problems or workloads.names()
    failures = 0
    print(f"correctness against JAX (float64), max scaled error over seeds {args.seeds} "
          f"and backends numpy+jax; pass means < {TOLERANCE:g}\n")
    header = f"{'problem':<16}{'engine':<13}" + "".join(f"{m:>18}" for m in MODES)
    print(header)
    print("-" * len(header))
    for name in problems:
        w = workloads.get(name)
        for e in engines:
            eng = ad.engine(e)
            cells = []
            for mode in MODES:
                try:
                    err = max(compare(eng, w, mode, seed, backend)
                              for seed in range(args.seeds) for backend in ("numpy", "jax"))
                    ok = err < TOLERANCE
                    cells.append(f"{'pass' if ok else 'FAIL'} {err:8.1e}")
                except Exception as exc:  # a crash is a failing cell, with its reason
                    ok = False
                    cells.append(f"ERROR {type(exc).__name__}")
                    print(f"  {name}/{e}/{mode}: {type(exc).__name__}: {exc}", file=sys.stderr)
                failures += not ok
            print(f"{name:<16}{e:<13}" + "".join(f"{c:>18}" for c in cells))
    print(f"\n{failures} failing cell(s)")
    return 1 if failures else 0


def usability(args: argparse.Namespace) -> int:
    """Print how much longer each problem gets in elemental form."""
    from adcompare.usability import format_table, table

    print(format_table(table(args.problems)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="adcompare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_check = sub.add_parser("check", help="correctness matrix against JAX")
    p_check.add_argument("--engines", nargs="*", help="engines (default: all)")
    p_check.add_argument("--problems", nargs="*", help="problems (default: all)")
    p_check.add_argument("--seeds", type=int, default=3, help="seeds per cell (default 3)")
    p_check.set_defaults(run=check)
    p_usability = sub.add_parser("usability", help="source size of the natural and elemental forms")
    p_usability.add_argument("--problems", nargs="*", help="problems (default: all)")
    p_usability.set_defaults(run=usability)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
