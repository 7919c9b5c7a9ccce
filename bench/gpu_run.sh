#!/usr/bin/env bash
# The GPU checks of issue 9 as one prepared run for a lent device machine (which cannot download a model
# and carries at most 64 MiB with the working tree).
#
#   bash bench/gpu_run.sh prepare      # here: .devcarry/ (Qwen2.5 tokenizer, gzipped; MiniLM in fp16, 46 MB)
#   then the device tool: run(command="bash bench/gpu_run.sh run", carry=[".devcarry"], timeout_s=540)
#
# `run` (there): bench/bench_gpu.py with the packaged 1.5B's architecture in random bf16 weights (the
# compute, memory and prompts are the real ones; accuracy is measured on the CPU), thorough and default
# (cascade) paths, batch 256 and 512; the JSON lands in $OUT/gpu.json, the log in $OUT/gpu.log.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
prepare)
    grep -qx '/.devcarry/' .git/info/exclude 2>/dev/null || echo '/.devcarry/' >> .git/info/exclude
    rm -rf .devcarry && mkdir -p .devcarry/tok .devcarry/minilm
    tok=$(.venv/bin/python -c "from analysis import models; print(models.cache_root() / 'qwen2.5-coder-0.5b')")
    cp "$tok"/tokenizer_config.json .devcarry/tok/ && gzip -c "$tok"/tokenizer.json > .devcarry/tok/tokenizer.json.gz
    .venv/bin/python - <<'PY'
import shutil
from pathlib import Path

from safetensors.torch import load_file, save_file

from analysis.embeddings import model_path

src, dst = model_path(), Path(".devcarry/minilm")
for f in src.iterdir():
    if f.is_file() and f.name != "model.safetensors":
        shutil.copy(f, dst / f.name)
    elif f.is_dir():
        shutil.copytree(f, dst / f.name)
save_file({k: v.half().contiguous() for k, v in load_file(src / "model.safetensors").items()}, dst / "model.safetensors")
PY
    # VADER (a pure-Python wheel): the sentiment heads read its score; the device image lacks it
    .venv/bin/python -m pip download -q --no-deps --only-binary=:all: -d .devcarry/whl vaderSentiment==3.3.2
    du -sh .devcarry; git ls-files -z | xargs -0 du -cb | tail -1 ;;
run)
    export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false OUT="${OUT:-/tmp/out}"
    mkdir -p "$OUT"
    [ -d .devcarry/minilm ] || { echo "no .devcarry/: run 'bash bench/gpu_run.sh prepare' first, and carry .devcarry" >&2; exit 2; }
    [ -f .devcarry/tok/tokenizer.json ] || gunzip -k .devcarry/tok/tokenizer.json.gz
    "${PY:-python3}" -c "import vaderSentiment" 2>/dev/null || {
        "${PY:-python3}" -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .devcarry/whl/*.whl
        export PYTHONPATH=/tmp/site; }
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
    # ARCH, N, BATCHES, PRECISION, PY: a smoke test on a CPU (ARCH=tiny N=32 BATCHES=16 PRECISION=fp32 PY=.venv/bin/python)
    "${PY:-python3}" bench/bench_gpu.py --random-arch "${ARCH:-qwen2.5-1.5b}" --tokenizer .devcarry/tok \
        --embedder .devcarry/minilm --n "${N:-4096}" --texts demo --batch-sizes "${BATCHES:-256,512}" \
        --precision "${PRECISION:-bf16}" --cascade --out "$OUT/gpu.json" 2>&1 | tee "$OUT/gpu.log" ;;
*)
    echo "usage: bash bench/gpu_run.sh prepare|run" >&2; exit 2 ;;
esac
