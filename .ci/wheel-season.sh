#!/usr/bin/env bash
# A real install, as an officer's PC gets it: build the wheel, install it (not editable) into a fresh
# virtualenv and run a whole season from a folder outside the checkout whose path has a space and
# Vietnamese diacritics. Runnable by hand from any virtualenv that has the project's dependencies:
#   bash .ci/wheel-season.sh
# Dependencies are not downloaded a second time: `pip wheel` fills a wheelhouse from pip's cache of the
# first install, and the fresh venv installs from it with --no-index.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1
unset PYTHONPATH BDG_SIGNING_KEY BDG_START_METHOD

step() { printf '\n== %s\n' "$*"; }
expect() {  # expect CODES command...: run the command, fail unless its exit code is one of CODES
  local codes="$1"; shift
  local rc=0
  "$@" >"$tmp/out.txt" 2>&1 || rc=$?
  tail -n 4 "$tmp/out.txt"
  case " $codes " in *" $rc "*) ;; *) echo "FAILED ($rc, expected $codes): $*" >&2; cat "$tmp/out.txt" >&2; exit 1;; esac
}

step "build the wheel"
rm -rf "$repo/build"    # setuptools would otherwise ship stale modules left in build/lib
"$python" -m pip wheel -q --no-deps -w "$tmp/dist" "$repo"
wheel="$(ls "$tmp"/dist/bdg_workbook-*.whl)"
rm -rf "$repo/build"
"$python" - "$wheel" <<'EOF'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = {"bdg_workbook/templates/criteria-2024.yaml", "bdg_workbook/templates/departments.yaml",
        "bdg_workbook/templates/config.yaml", "bdg_workbook/templates/email.yaml",
        "bdg_workbook/templates/__init__.py", "bdg_workbook/cli/main.py"}
missing = sorted(need - names)
assert not missing, f"the wheel lacks {missing}"
assert not [n for n in names if n.startswith(("tests/", "templates/"))], "the wheel ships test or top-level files"
print(f"{sys.argv[1].rsplit('/', 1)[-1]}: {len(names)} files, templates included")
EOF

step "fresh virtualenv, non-editable install of the wheel (dependencies from a local wheelhouse)"
"$python" -m pip wheel -q -w "$tmp/wheelhouse" "$wheel"
"$python" -m venv "$tmp/venv"
venv_py="$tmp/venv/bin/python"
[ -x "$venv_py" ] || venv_py="$tmp/venv/Scripts/python.exe"
"$venv_py" -m pip install -q --no-index --find-links "$tmp/wheelhouse" "$wheel"
bin="$(dirname "$venv_py")"
work="$tmp/Thi đua 2024"
mkdir -p "$work"
cd "$work"
"$venv_py" - "$repo" <<'EOF'
import sys
from pathlib import Path
import bdg_workbook
from bdg_workbook.config.templates import TEMPLATES_DIR
location = Path(bdg_workbook.__file__).resolve()
repo = Path(sys.argv[1]).resolve()
assert repo not in location.parents, f"imported from the checkout: {location}"
assert repo not in TEMPLATES_DIR.resolve().parents, f"templates from the checkout: {TEMPLATES_DIR}"
print(f"bdg_workbook from {location.parent}; templates from {TEMPLATES_DIR}")
EOF

cli="$bin/bdg-workbook"
step "init"
expect 0 "$cli" init "phường Nhơn Hưng"
ls "phường Nhơn Hưng/templates"
[ -f "phường Nhơn Hưng/templates/criteria-2024.yaml" ] || { echo "init copied no templates" >&2; exit 1; }
[ ! -e "phường Nhơn Hưng/templates/__init__.py" ] || { echo "init copied __init__.py" >&2; exit 1; }
cd "phường Nhơn Hưng"
step "criteria check"
expect 0 "$cli" criteria check
step "generate"
expect 0 "$cli" generate
[ "$(ls output/2024/TDCD_2024_*.xlsx | wc -l)" -ge 10 ] || { echo "generate wrote too few workbooks" >&2; exit 1; }
step "mail (drafts)"
expect "0 1" "$cli" mail
ls output/mail/*.eml >/dev/null
step "demo"
expect 0 "$bin/python" -m bdg_workbook demo --out "chạy thử"
step "collect (the demo's returns, with the demo's key)"
cp "chạy thử"/inbox/*.xlsx inbox/
expect "0 1" "$cli" collect inbox --keys "chạy thử/keys/ward-signing.pub" --out "output/2024/TONGHOP thử.xlsx"
[ -f "output/2024/TONGHOP thử.xlsx" ] || { echo "collect wrote no master" >&2; exit 1; }
step "status"
expect "0 1" "$cli" status inbox --keys "chạy thử/keys/ward-signing.pub"
step "review"
expect "0 1" "$cli" review "chạy thử/TONGHOP_2024_NHONHUNG.xlsx" --keys "chạy thử/keys/ward-signing.pub" \
  --key "chạy thử/keys/ward-signing.key"
ls "chạy thử"/TONGHOP_2024_NHONHUNG_thamdinh_v2.xlsx >/dev/null
step "usage error in Vietnamese"
expect 2 "$cli" collect "không có thư mục này"
grep -q "không tồn tại" "$tmp/out.txt" || { echo "click's message is not Vietnamese" >&2; exit 1; }
echo
echo "wheel season: every step passed"
