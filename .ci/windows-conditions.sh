#!/usr/bin/env bash
# The end-to-end collect/demo/review tests again, under Windows conditions simulated on Linux:
#   - worker processes started with `spawn` (the only start method on Windows, the default on macOS);
#   - POSIX-only modules (resource, fcntl, termios, pwd, grp, ...) unimportable, in the test process and in
#     every spawned worker (.ci/windows-sim/sitecustomize.py, put on PYTHONPATH);
#   - the console on the Vietnamese Windows code page (PYTHONIOENCODING=cp1258).
# Runnable by hand from the project's virtualenv: bash .ci/windows-conditions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export BDG_START_METHOD=spawn PYTHONIOENCODING=cp1258
export PYTHONPATH="$PWD/.ci/windows-sim${PYTHONPATH:+:$PYTHONPATH}"

python - <<'PY'
import importlib, multiprocessing, os, sys
for name in ("resource", "fcntl", "pwd", "grp"):   # termios/tty: refused to bdg_workbook only (sitecustomize)
    try:
        importlib.import_module(name)
    except ImportError:
        continue
    sys.exit(f"Windows conditions not in force: {name} imports")
from bdg_workbook.collect.workers import memory_limit_supported, start_context
assert start_context().get_start_method() == "spawn" and not memory_limit_supported()
assert sys.stdout.encoding == "cp1258", sys.stdout.encoding
print("Windows conditions: spawn, no POSIX-only modules, cp1258 console")
PY

# The end-to-end tests of collect, demo, review, status, init and the inbox, plus this issue's own tests.
python -m pytest -q -p no:cacheprovider \
  tests/test_windows_conditions.py \
  tests/test_click_vietnamese.py \
  tests/test_collect_end_to_end.py \
  tests/test_collect_signatures.py \
  tests/test_demo.py \
  tests/test_review.py \
  tests/test_cli_collect.py \
  tests/test_cli_status.py \
  tests/test_cli_review_district.py \
  tests/test_inbox_eml.py \
  tests/test_init.py
