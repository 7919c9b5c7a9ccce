#!/usr/bin/env bash
# One command: set up everything, then run the main job on the bundled demo shop.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/reviewlens demo "$@"
