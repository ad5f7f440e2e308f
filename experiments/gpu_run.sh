#!/usr/bin/env bash
# The GPU half of the report (issues 8 and 14): one prepared run, at most BUDGET = 480 s.
#
#   On the device machine (jax with CUDA and torch preinstalled, no pip):
#     OUT=/some/folder PYTHONPATH=. bash experiments/gpu_run.sh
#   Then copy $OUT/gpu_*.csv into reports/data/ and run `adcompare report`.
#
# It prints the device, driver and library versions, then, in order of value, each step under its
# own time cap, cut to what is left of the run's BUDGET (under 20 s left: skipped, with a line saying so):
#   1. derivative/primal against size (rosenbrock, mlp, gmm at small and medium, lstm at tiny and
#      small) for our engines on JAX arrays, their jit-staged forms, JAX and PyTorch CUDA;
#   2. jax.jit of lstm's gradient against sequence length: SCT's structured output (lax.scan),
#      SCT's plain output unrolled by tracing, JAX's gradient of the scan form (issue 14);
#   3. Hessian and HVP by SCT over SCT, overloading, jax.jit and torch (issue 14);
#   4. memory against sequence length on lstm, peaks each from a fresh process (torch's from its CUDA
#      allocator; JAX's memory_stats() peak counts from the process's start, a first call's compile
#      included: the 2026-11-30 H200 run's jax+jit primal peak read 1.07 GB against 134 MB for its
#      gradient, so study 9 does not report GPU peaks);
#   5. per-op overhead on jax eager and jit;
#   6. the JAX-backend tests on the GPU (are the engines correct there too).
# Every CSV is named gpu_<device>_<study>.csv. Rehearse on the CPU first: SCALE=smoke OUT=/tmp/x.
set -u
OUT=${OUT:-reports/data}
SCALE=${SCALE:-gpu}   # "smoke" shrinks every step, for a CPU rehearsal
BUDGET=${BUDGET:-480}  # seconds for the whole run
STEPS=${STEPS:-"1 1b 2 3 4 5 6"}  # a rerun of the steps a first run could not finish: STEPS="4 6"
PY=${PYTHON:-python3}
export PYTHONPATH=${PYTHONPATH:-.}
mkdir -p "$OUT"
START=$(date +%s)
DEV=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr ' /' '__')
DEV=${DEV:-cpu}

# step NAME CAP COMMAND...: run COMMAND under CAP seconds if the budget still holds CAP
step() {
  local name=$1 cap=$2; shift 2
  case " $STEPS " in *" ${name%%.*} "*) ;; *) return ;; esac
  local left=$((BUDGET - ($(date +%s) - START)))
  if [ "$left" -lt 20 ]; then echo "== $name: skipped ($left s of the budget left) =="; return; fi
  if [ "$left" -lt "$cap" ]; then cap=$left; fi
  echo "== $name (cap $cap s, $(($(date +%s) - START)) s elapsed) =="
  timeout "$cap" "$@" 2>&1 | tail -n 4
}

echo "== device =="
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null || echo "no nvidia-smi"
$PY -c "import jax, numpy; print('jax', jax.__version__, jax.devices()); print('numpy', numpy.__version__)"
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" 2>/dev/null \
  || echo "torch not installed"

if [ "$SCALE" = smoke ]; then
  SIZES="tiny"; LSTM="tiny"; N=200; LENGTHS="4 8"; UNROLLED="4"; MEMLEN="4 8"
else
  SIZES="small medium"; LSTM="tiny small"; N=1000; LENGTHS="64 256 1024 4096"; UNROLLED="64 128"; MEMLEN="64 1024"
fi
TOOLS=${TOOLS:-"overloading elemental sct sct+jit jax jax+jit torch"}
BENCH="$PY -m adcompare bench --backend jax --shared-process --repeats 5 --min-sample-s 0.02"

step "1. derivative / primal against size" 170 \
  $BENCH --problems rosenbrock mlp gmm --sizes $SIZES --tools $TOOLS --timeout 40 --out "$OUT/gpu_${DEV}_scaling.csv"
step "1b. lstm" 60 \
  $BENCH --problems lstm --sizes $LSTM --tools $TOOLS --timeout 30 --out "$OUT/gpu_${DEV}_scaling_lstm.csv"

# 2 and 4: cells of raw sizes, run as the report's studies run them (a fresh process per cell)
step "2. jit of lstm's gradient against sequence length" 110 $PY - "$OUT/gpu_${DEV}_compile_sequence.csv" \
  "$LENGTHS" "$UNROLLED" <<'PYEOF'
import csv, sys
from adcompare.measure import fresh
from adcompare.measure.cell import Cell
path, lengths, unrolled = sys.argv[1], [int(c) for c in sys.argv[2].split()], [int(c) for c in sys.argv[3].split()]
rows = []
for tool, cs in (("jax+scan", lengths), ("sct:lax+jit", lengths), ("sct+jit", unrolled)):
    for c in cs:
        cell = Cell("jit-stages", tool, "lstm", (2, 14, c), "grad", samples=5, min_sample_s=0.01,
                    options={"check": "jax+scan" if tool != "jax+scan" else False}, tags={"length": c})
        (row,) = fresh.run_one(cell, timeout=40)
        rows.append(row)
        print(tool, c, row.get("status"), row.get("staging_s"), row.get("jit_s"), row.get("max_error"), flush=True)
        with open(path, "w", newline="") as fh:  # rewritten after each cell: a cut-off run keeps its rows
            w = csv.DictWriter(fh, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
            w.writeheader(); w.writerows(rows)
PYEOF

step "3. Hessian and HVP" 70 \
  $BENCH --problems rosenbrock gmm --sizes small --modes hessian hvp --tools ${HIGHER_TOOLS:-sct:sct sct:sct+jit overloading jax+jit torch} --timeout 30 --out "$OUT/gpu_${DEV}_higher_order.csv"

step "4. memory against sequence length (lstm), peaks from fresh processes" 110 $PY - \
  "$OUT/gpu_${DEV}_memory.csv" "$MEMLEN" <<'PYEOF'
import sys
from pathlib import Path
from adcompare.measure import bench
from adcompare.measure.cell import Cell
lengths = [int(c) for c in sys.argv[2].split()]
cells = [Cell("bench", t, "lstm", (2, 14, c), "grad", "jax", samples=3, min_sample_s=0.01, tags={"length": c})
         for c in lengths for t in ("jax+jit", "torch", "sct+jit") + (("overloading", "sct") if c == lengths[0] else ())]
bench.run(cells, Path(sys.argv[1]), peaks=True, timeout=30)
PYEOF

step "5. per-op overhead on jax eager and jit" 60 $PY - "$OUT/gpu_${DEV}_overhead.csv" "$N" <<'PYEOF'
import csv, sys
from adcompare.measure.cell import Cell, machine
from adcompare.measure.worker import measure
rows = []
for tool in ("overloading", "elemental", "sct", "jax", "torch"):
    for r in measure(Cell("overhead", tool, "chain", samples=5, min_sample_s=0.01, options={"n": int(sys.argv[2])})):
        if r["base"] in ("jax eager", "jax.jit") or tool == "torch":
            rows.append({**r, **machine()})
with open(sys.argv[1], "w", newline="") as fh:
    w = csv.DictWriter(fh, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
    w.writeheader(); w.writerows(rows)
print(f"{len(rows)} rows")
PYEOF
step "6. tests on the JAX backend (device: $DEV)" 70 $PY -m pytest -q -x -p no:cacheprovider -k jax tests/test_engines.py
echo "== done in $(($(date +%s) - START)) s =="
ls -la "$OUT"
