#!/bin/bash
# One short GPU session (issue 13): the acceptance script, then runs per minute of the `full`
# grid per dataset, at two numbers of kernels sharing the GPU. Everything it measures lands in
# $OUT: env.txt, gpu_check.json/.log, grid_rate.json (both job counts), rate_runs.tgz (the run
# folders without arrays, notebooks or figures; dropped when over 15 MB).
#
#   OUT=/tmp/out bash benchmarks/gpu_session.sh
#
# Settings (environment): BUDGET_S (default 555: seconds from the start to the end of the grid
# part), JOBS_A / JOBS_B (default 6 / 12 kernels on the GPU: yeast is measured at both, the
# other datasets at JOBS_B), DATASETS (default: yeast movielens imdb debtags; fashion-mosaic
# needs Fashion-MNIST's files, ~30 MB), DEVICE (default cuda; cpu checks the script), PY
# (default python3), WHEELS (default .whl: the wheels installed first into /tmp/site, for a
# machine without network; README "GPU acceptance check" says which).
set -u
: "${OUT:?set OUT to the folder that receives the results}"
T0=$(date +%s)
PY=${PY:-python3}
DEVICE=${DEVICE:-cuda}
BUDGET_S=${BUDGET_S:-555}
JOBS_A=${JOBS_A:-6}
JOBS_B=${JOBS_B:-12}
DATASETS=${DATASETS:-yeast movielens imdb debtags}
WORK=${WORK:-$(mktemp -d /tmp/gpu_session.XXXXXX)}
mkdir -p "$WORK"
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"
WHEELS=${WHEELS:-.whl}
if compgen -G "$WHEELS/*.whl" > /dev/null; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$WHEELS"/*.whl \
    > "$OUT/pip.log" 2>&1
  echo "wheels installed: rc=$?" >> "$OUT/env.txt"
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
[ -d .dev_site ] && export PYTHONPATH=$PWD/.dev_site${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1; echo "cpus $(nproc)"
  "$PY" -c "import torch, numpy, pandas; print('torch', torch.__version__, 'cuda', torch.version.cuda,
'numpy', numpy.__version__, 'pandas', pandas.__version__)" 2>&1; } >> "$OUT/env.txt"
echo "setup: $(( $(date +%s) - T0 )) s"
timeout 440 "$PY" benchmarks/gpu_check.py --out "$OUT/gpu_check.json" --work "$WORK/gpu_check" > "$OUT/gpu_check.log" 2>&1
echo "gpu_check: rc=$? at $(( $(date +%s) - T0 )) s"
grep "\[gpu-check\]" "$OUT/gpu_check.log"
LEFT=$(( BUDGET_S - ($(date +%s) - T0) ))
[ "$LEFT" -lt 60 ] && LEFT=60
SHARE_A=$(( LEFT / 5 ))
"$PY" benchmarks/bench_grid_rate.py --device "$DEVICE" --jobs "$JOBS_A" --jobs-per-gpu "$JOBS_A" --datasets yeast \
  --budget-s "$SHARE_A" --out "$WORK/rate_a" --json "$WORK/rate_a.json" > "$WORK/rate_a.log" 2>&1
# shellcheck disable=SC2086  # DATASETS is a list
"$PY" benchmarks/bench_grid_rate.py --device "$DEVICE" --jobs "$JOBS_B" --jobs-per-gpu "$JOBS_B" --datasets $DATASETS \
  --budget-s $(( LEFT - SHARE_A - 25 > 30 ? LEFT - SHARE_A - 25 : 30 )) --out "$WORK/rate_b" --json "$WORK/rate_b.json" \
  > "$WORK/rate_b.log" 2>&1
cat "$WORK/rate_a.log" "$WORK/rate_b.log"
echo "grid part: done at $(( $(date +%s) - T0 )) s"
"$PY" - "$WORK" "$OUT" "$JOBS_A" "$JOBS_B" <<'PY'
import json, sys
from pathlib import Path
work, out = Path(sys.argv[1]), Path(sys.argv[2])
merged = {f"a_jobs_{sys.argv[3]}": None, f"b_jobs_{sys.argv[4]}": None}
for key, name in zip(merged, ("rate_a.json", "rate_b.json")):
    if (work / name).is_file():
        merged[key] = json.loads((work / name).read_text())
(out / "grid_rate.json").write_text(json.dumps(merged, indent=1))
PY
tar czf "$OUT/rate_runs.tgz" --exclude='*.npy' --exclude='*.npz' --exclude='*.png' --exclude='*.svg' \
  --exclude='*.ipynb' --exclude='*.pt' -C "$WORK" . 2>/dev/null
if [ "$(stat -c %s "$OUT/rate_runs.tgz")" -gt 15000000 ]; then rm "$OUT/rate_runs.tgz"; echo "rate_runs.tgz over 15 MB: dropped"; fi
exit 0
