#!/usr/bin/env bash
# The GPU half of the report (issue 8): one prepared run, sized to about 6 minutes of work.
#
#   On the device machine (jax with CUDA and torch preinstalled, no pip):
#     OUT=/some/folder PYTHONPATH=. bash experiments/gpu_run.sh
#   Then copy $OUT/gpu_*.csv into reports/data/ and run `adcompare report`.
#
# It prints the device, driver and library versions; runs the JAX-backend tests on the GPU;
# then measures: derivative/primal against size (rosenbrock, mlp, gmm, lstm) for our engines on
# JAX arrays, their jit-staged forms, JAX and PyTorch CUDA; memory against sequence length on
# lstm with memory_stats() peaks, each from a fresh process; per-op overhead on jax eager and jit.
# Every CSV is named gpu_<device>_<study>.csv. Tested on the CPU first with OUT=/tmp/x.
set -u
OUT=${OUT:-reports/data}
SCALE=${SCALE:-gpu}   # "smoke" shrinks every step, for a CPU rehearsal
PY=${PYTHON:-python3}
export PYTHONPATH=${PYTHONPATH:-.}
mkdir -p "$OUT"
DEV=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr ' /' '__')
DEV=${DEV:-cpu}
echo "== device =="
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null || echo "no nvidia-smi"
$PY -c "import jax, numpy; print('jax', jax.__version__, jax.devices()); print('numpy', numpy.__version__)"
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" 2>/dev/null \
  || echo "torch not installed"

echo "== tests on the JAX backend (device: $DEV) =="
timeout 240 $PY -m pytest -q -x -k "jax" tests/test_engines.py 2>&1 | tail -3

if [ "$SCALE" = smoke ]; then SIZES="tiny"; LSTM="tiny small"; N=200; else SIZES="small medium"; LSTM="tiny small medium"; N=2000; fi
TOOLS="overloading elemental sct sct+jit jax jax+jit torch"

echo "== derivative / primal against size =="
timeout 300 $PY -m adcompare bench --problems rosenbrock mlp gmm lstm --sizes $SIZES --tools $TOOLS \
  --backend jax --shared-process --repeats 5 --min-sample-s 0.02 --timeout 120 \
  --out "$OUT/gpu_${DEV}_scaling.csv" 2>/dev/null | tail -n +1

echo "== memory against sequence length (lstm), peaks from fresh processes =="
timeout 240 $PY -m adcompare bench --problems lstm --sizes $LSTM --tools overloading sct jax jax+jit torch \
  --backend jax --peaks --repeats 3 --min-sample-s 0.01 --timeout 60 \
  --out "$OUT/gpu_${DEV}_memory.csv" 2>/dev/null | tail -n +1

echo "== per-op overhead on jax eager and jit =="
timeout 180 $PY - "$OUT/gpu_${DEV}_overhead.csv" "$N" <<'PYEOF'
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
ls -la "$OUT"
