"""Web app benchmark (issue 14): upload 15 returns to ``bdg-workbook serve`` and see the dashboard updated.

Run from the repository root::

    python benchmarks/bench_web.py              # 15 returns, one upload of all, then one at a time
    python benchmarks/bench_web.py --keep /tmp/w

A working folder is made in a temporary directory, the 15 forms of the built-in default are generated and
filled like units would (``demo.fill``), and ``python -m bdg_workbook serve FOLDER --port 0 --no-browser``
is started in a subprocess. Over real HTTP (urllib, the session cookie from the start-up URL, the CSRF
token from the page) it times: the first dashboard, one upload of all 15 files (saved, receipted and
checked by the isolated reader), the dashboard right after (a status run over the inbox), the dashboard
again (cached), and 15 single uploads into a fresh folder. It prints the server's resident memory (RSS,
Linux /proc; the reader workers are separate processes that exit after each check) idle after start-up and
idle after the work. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from bdg_workbook.config.load import load_setup
from bdg_workbook.config.workspace import init_workspace
from bdg_workbook.demo.fill import fill_workbook, random_valid_answers
from bdg_workbook.trust.signing import default_key_path, load_private_key
from bdg_workbook.workbook.generate import generate_workbooks

URL_RE = re.compile(r"(http://127\.0\.0\.1:(\d+))/\?token=\S+")
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process in MiB (Linux), None elsewhere."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def wait_idle(pid: int, limit: float = 120.0) -> float:
    """Wait until the server has used no CPU for half a second; the seconds waited."""
    started, last = time.perf_counter(), -1.0
    while time.perf_counter() - started < limit:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now == last:
            break
        last = now
    return time.perf_counter() - started


class Session:
    """One browser-like session: the cookie from the start-up URL and the CSRF token of the pages."""

    def __init__(self, start_url: str) -> None:
        self.base = URL_RE.search(start_url).group(1)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.opener.open(start_url).read()
        self.csrf = CSRF_RE.search(self.get("/nhan-bai")).group(1)

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path) as response:
            return response.read().decode("utf-8")

    def upload(self, files: list[Path]) -> str:
        uploads = [FileStorage(io.BytesIO(p.read_bytes()), p.name) for p in files]
        boundary, body = encode_multipart(MultiDict([("csrf_token", self.csrf)] + [("files", u) for u in uploads]))
        request = urllib.request.Request(self.base + "/nhan-bai", data=body, method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with self.opener.open(request) as response:
            return response.read().decode("utf-8")


def start(folder: Path) -> tuple[subprocess.Popen, str]:
    """``serve`` in a subprocess; the process and its start-up URL."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bdg_workbook", "serve", str(folder), "--port", "0",
                             "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    for _ in range(20):
        line = proc.stdout.readline()
        match = URL_RE.search(line)
        if match:
            return proc, match.group(0)
    proc.kill()
    raise SystemExit("the server did not print its URL")


def returns(folder: Path, out: Path) -> list[Path]:
    """The 15 forms generated into ``folder`` and filled (fixed seed) into ``out``."""
    setup = load_setup()
    key = load_private_key(default_key_path(folder))
    forms = generate_workbooks(setup, folder / "output" / str(setup.config.year), signer=key.sign)
    rng = random.Random(2024)
    by_code = {d.code: d for d in setup.departments}
    out.mkdir(parents=True, exist_ok=True)
    filled = []
    for form in forms:
        dept = by_code[form.stem.rsplit("_", 1)[-1]]
        fill_workbook(form, out / form.name, random_valid_answers(setup, dept, rng))
        filled.append(out / form.name)
    return filled


def timed(label: str, func, *args):
    started = time.perf_counter()
    value = func(*args)
    print(f"  {label:<52} {time.perf_counter() - started:6.3f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep the working folders here")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bdg-bench-web-"))
    try:
        init_workspace(base / "batch")
        files = returns(base / "batch", base / "returns")
        shutil.copytree(base / "batch", base / "single")       # same key and forms, empty inbox
        print(f"{len(files)} returns, {sum(p.stat().st_size for p in files) / 1024:.0f} KB in all")
        for name in ("batch", "single"):
            proc, url = start(base / name)
            try:
                warm = wait_idle(proc.pid)
                print(f"[{name}] start-up work (setup, reader's form contract, in the background): {warm:.1f} s")
                print(f"[{name}] idle RSS after start-up: {rss_mib(proc.pid) or 0:.1f} MiB")
                session = timed("open the start-up URL (first dashboard, empty inbox)", Session, url)
                if name == "batch":
                    page = timed(f"upload {len(files)} returns in one request + checks", session.upload, files)
                    print(f"  units shown 'Đã nộp': {page.count('Đã nộp, ')}")
                else:
                    started = time.perf_counter()
                    for path in files:
                        session.upload([path])
                    print(f"  {'15 uploads one after the other':<52} {time.perf_counter() - started:6.3f} s")
                dash = timed("dashboard after the uploads (status run)", session.get, "/")
                valid = re.search(r"Nộp hợp lệ</dt><dd>(\d+)", dash)
                print(f"  dashboard shows 'Nộp hợp lệ' = {valid.group(1) if valid else '?'}")
                timed("dashboard again (cached status)", session.get, "/")
                time.sleep(1.0)
                print(f"[{name}] idle RSS after the work: {rss_mib(proc.pid) or 0:.1f} MiB")
            finally:
                proc.terminate()
                proc.wait(10)
                proc.stdout.close()
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
