#!/usr/bin/env bash
# One command: set up everything (with test tools and PostgreSQL), start PostgreSQL, run the tests.
# Extra arguments go to pytest (e.g. scripts/test.sh -k scraper -x).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev --postgres --llama
export REVIEWLENS_TEST_PG_URL="${REVIEWLENS_TEST_PG_URL:-$(bash scripts/start_postgres.sh | tail -1)}"
export REVIEWLENS_REQUIRE_PG=1 REVIEWLENS_REQUIRE_BROWSER=1 REVIEWLENS_REQUIRE_LLAMA=1  # in CI a missing server or browser fails, not skips
export SE_OFFLINE=true SE_AVOID_STATS=true HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
mkdir -p tests/artifacts
# a test that writes into the repository (a report, a store, a capture in the working folder) fails the run
before="$(git status --porcelain --untracked-files=all 2>/dev/null || true)"
data_before="$(find data -type f 2>/dev/null | sort)"  # data/ is git-ignored in part (debug captures, reports, stores)
rc=0
.venv/bin/python -m pytest -q --durations=15 "$@" || rc=$?
after="$(git status --porcelain --untracked-files=all 2>/dev/null || true)"
data_after="$(find data -type f 2>/dev/null | sort)"
if [ "$before" != "$after" ] || [ "$data_before" != "$data_after" ]; then
  echo "the tests left files in the repository (write them under tmp_path):"
  diff <(echo "$before") <(echo "$after") | sed -n 's/^> /  /p'
  diff <(echo "$data_before") <(echo "$data_after") | sed -n 's/^> /  /p' | head -20
  [ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
