"""Province-scale benchmark (issue 6): generate and collect throughput, the openpyxl baseline, the unzip floor.

Run from the repository root::

    python benchmarks/bench.py            # 1,000 returned workbooks
    python benchmarks/bench.py --n 200    # quicker

Everything is measured in the same run on the same files: ``generate`` (the built-in default's 15
departments, repeated) against a plain one-shot xlsxwriter build; ``collect`` with 1 and 2 worker
processes through ``collector.collect_files`` with every check on (signed forms, signature checked);
an ``openpyxl.load_workbook`` loop reading the same cells by defined name (the naive baseline, one
process); the unzip floor (inflating only the parts the collector needs, one process); and the peak
memory of collect (parent and workers) at N = 100 and N = 1,000. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import zipfile
from pathlib import Path

from bdg_workbook.collect import collector
from bdg_workbook.demo import fill
from bdg_workbook.workbook import generate
from bdg_workbook.domain.model import Setup
from bdg_workbook.config.load import load_setup
from bdg_workbook.untrusted.workbook_reader import _layout
from bdg_workbook.trust.signing import KeyRing, ensure_key_pair, load_private_key, public_key_path
from bdg_workbook.untrusted.cells import Package
from bdg_workbook.untrusted.container import SafeZip

KEY_NAME = "bench_key.pem"


# ---------------------------------------------------------------- inputs


def make_inbox(setup: Setup, root: Path, n: int, distinct: int, seed: int) -> tuple[list[Path], KeyRing, float]:
    """N signed, filled workbooks: ``distinct`` filled with openpyxl, the rest byte copies under new names."""
    key_path = root / "keys" / KEY_NAME
    ensure_key_pair(key_path)
    key = load_private_key(key_path)
    forms = generate.generate_workbooks(setup, root / "forms", signer=key.sign)
    inbox = root / "inbox"
    inbox.mkdir()
    rng = random.Random(seed)
    started = time.perf_counter()
    originals = []
    for i in range(min(n, distinct)):
        dept = setup.departments[i % len(setup.departments)]
        path = inbox / f"{i:05d}_{dept.code}.xlsx"
        fill.fill_workbook(forms[i % len(forms)], path, fill.random_valid_answers(setup, dept, rng))
        originals.append(path)
    fill_seconds = time.perf_counter() - started
    paths = list(originals)
    for i in range(len(originals), n):
        source = originals[i % len(originals)]
        path = inbox / f"{i:05d}_{source.name.split('_', 1)[1]}"
        shutil.copyfile(source, path)
        paths.append(path)
    return paths, KeyRing.load(public_key_path(key_path)), fill_seconds


# ---------------------------------------------------------------- measurements


def bench_generate(setup: Setup, rounds: int) -> dict[str, float]:
    """Seconds per workbook: ``generate.build_workbook`` and a plain xlsxwriter build, 15 departments × rounds."""
    plain = getattr(generate, "build_workbook_plain", None)
    out = {"fast": _per_item(lambda d: generate.build_workbook(setup, d), setup.departments, rounds)}
    out["plain"] = _per_item(lambda d: plain(setup, d), setup.departments, rounds) if plain else out["fast"]
    out["has_plain"] = plain is not None
    return out


def _per_item(func, items, rounds: int) -> float:
    func(items[0])                                 # warm up (plans, templates, imports)
    started = time.perf_counter()
    for _ in range(rounds):
        for item in items:
            func(item)
    return (time.perf_counter() - started) / (rounds * len(items))


def needed_parts(path: Path) -> list[str]:
    """The zip parts the collector inflates for one file: workbook, its rels, the named sheets, shared strings."""
    pkg = Package(SafeZip(path.read_bytes()))
    _targets, wanted = _layout(pkg)
    parts = ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", *(pkg.sheet_parts[s] for s in wanted)]
    return parts + ([pkg.shared_part] if pkg.shared_part else [])


def bench_floor(paths: list[Path], parts: list[str]) -> float:
    """Seconds per file to read it and inflate only the needed parts (nothing parsed)."""
    started = time.perf_counter()
    for path in paths:
        with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as zf:
            names = set(zf.namelist())
            for part in parts:
                if part in names:
                    zf.read(part)
    return (time.perf_counter() - started) / len(paths)


def bench_openpyxl(paths: list[Path], names: list[str]) -> float:
    """Seconds per file to ``openpyxl.load_workbook`` it and read the collector's cells by defined name."""
    import openpyxl

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in paths:
            wb = openpyxl.load_workbook(path)
            values = []
            for name in names:
                for sheet, ref in wb.defined_names[name].destinations:
                    cells = wb[sheet][ref.replace("$", "")]
                    rows = cells if isinstance(cells, tuple) else ((cells,),)
                    values.extend(c.value for row in rows for c in row)
            wb.close()
    return (time.perf_counter() - started) / len(paths)


def bench_collect(setup: Setup, paths: list[Path], ring: KeyRing, jobs: int) -> tuple[float, dict, str]:
    """Seconds per file through ``collector.collect_files`` (every check on), the result's counts, CPU used."""
    import resource

    items = [collector.InputFile(p, p.name) for p in paths]
    before, cpu = resource.getrusage(resource.RUSAGE_CHILDREN), time.process_time()
    started = time.perf_counter()
    result = collector.collect_files(setup, items, "bench", jobs=jobs, keyring=ring)
    seconds = (time.perf_counter() - started) / len(paths)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / len(paths)
    parent = (time.process_time() - cpu) / len(paths)
    return seconds, result.as_dict()["counts"], f"CPU/file: workers {workers * 1000:.2f} ms, parent {parent * 1000:.2f} ms"


def best_of(repeat: int, measure):
    """The fastest of ``repeat`` runs of ``measure()`` (its first value is seconds per file): the machine is
    shared, and other work only ever slows a run down."""
    return min((measure() for _ in range(max(1, repeat))), key=lambda r: r[0] if isinstance(r, tuple) else r)


def peak_memory(inbox: Path, n: int, jobs: int, key: Path) -> dict[str, float]:
    """Peak memory (MiB) of collect over the first ``n`` files, measured in a fresh process."""
    command = [sys.executable, __file__, "--memory-child", str(inbox), "--n", str(n), "--jobs", str(jobs),
               "--key", str(key)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"memory run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def memory_child(inbox: Path, n: int, jobs: int, key: Path) -> None:
    """(In the child process) collect ``n`` files while sampling the RSS of this process and its workers."""
    import resource

    paths = sorted(inbox.glob("*.xlsx"))[:n]
    setup = load_setup()
    ring = KeyRing.load(key)
    sampler = _RssSampler()
    sampler.start()
    collector.collect_files(setup, [collector.InputFile(p, p.name) for p in paths], "bench", jobs=jobs, keyring=ring)
    sampler.stop()
    mib = 1024.0
    print(json.dumps({"tree_peak": sampler.peak / (1 << 20),
                      "parent_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / mib,
                      "worker_peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / mib}))


class _RssSampler(threading.Thread):
    """Samples every 10 ms the resident memory of this process plus all its descendants."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak, self._halt = 0, threading.Event()

    def run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._halt.is_set():
            self.peak = max(self.peak, sum(_rss_pages(pid) for pid in _tree(os.getpid())) * page)
            self._halt.wait(0.01)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _tree(root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return out


def _rss_pages(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


# ---------------------------------------------------------------- report


def machine() -> str:
    """CPU model, cores and Python version."""
    model = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"CPU: {model}; cores: {os.cpu_count()} (usable {len(os.sched_getaffinity(0))}); "
            f"Python {platform.python_version()}; load average at start {load:.2f}")


def table(rows: list[tuple[str, float, str]]) -> str:
    """Rows of (what, seconds per file, note) as an aligned text table."""
    lines = [f"{'measure':<44} {'files/s':>9} {'ms/file':>9}  note", "-" * 100]
    for what, seconds, note in rows:
        lines.append(f"{what:<44} {1 / seconds:>9.1f} {seconds * 1000:>9.2f}  {note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Build the inputs, measure everything, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="number of returned workbooks (default 1000)")
    ap.add_argument("--distinct", type=int, default=200, help="distinct fillings; the rest are copies (default 200)")
    ap.add_argument("--rounds", type=int, default=3, help="generate: rounds over the 15 departments (default 3)")
    ap.add_argument("--baseline-n", type=int, default=0, help="openpyxl baseline on the first K files (default all)")
    ap.add_argument("--repeat", type=int, default=3, help="floor and collect: best of this many runs (default 3)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--keep", type=Path, help="build the files in this folder and keep them")
    ap.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--jobs", type=int, default=2, help=argparse.SUPPRESS)
    ap.add_argument("--key", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child, args.n, args.jobs, args.key)
        return
    print(machine(), flush=True)
    root = args.keep or Path(tempfile.mkdtemp(prefix="bdg-bench-"))
    try:
        run(args, root)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def run(args: argparse.Namespace, root: Path) -> None:
    """Every measurement of one benchmark run, printed as a table."""
    setup = load_setup()
    gen = bench_generate(setup, args.rounds)
    print(f"generate: {gen['fast'] * 1000:.1f} ms/workbook, plain xlsxwriter {gen['plain'] * 1000:.1f} ms", flush=True)
    paths, ring, fill_seconds = make_inbox(setup, root, args.n, args.distinct, args.seed)
    print(f"inputs: {len(paths)} files ({min(args.n, args.distinct)} filled with openpyxl in {fill_seconds:.0f} s, "
          "the rest byte copies under other names)", flush=True)
    parts = needed_parts(paths[0])
    floor = best_of(args.repeat, lambda: bench_floor(paths, parts))
    one, counts, cpu1 = best_of(args.repeat, lambda: bench_collect(setup, paths, ring, 1))
    two, counts2, cpu2 = best_of(args.repeat, lambda: bench_collect(setup, paths, ring, 2))
    assert counts == counts2, (counts, counts2)
    _targets, _wanted = _layout(Package(SafeZip(paths[0].read_bytes())))
    sample = paths[: args.baseline_n or len(paths)]
    base = bench_openpyxl(sample, sorted(_targets))
    key = public_key_path(root / "keys" / KEY_NAME)
    memory = {n: peak_memory(root / "inbox", n, 2, key) for n in sorted({min(100, len(paths)), len(paths)})}
    rows = [
        ("generate: generate.build_workbook", gen["fast"], "per workbook, 15 departments x rounds"),
        ("generate: plain xlsxwriter build", gen["plain"],
         "build_workbook_plain" if gen["has_plain"] else "no cached path in generate: reported equal"),
        ("unzip floor (needed parts, 1 process)", floor, f"{len(parts)} parts inflated; best of {args.repeat}"),
        (f"openpyxl baseline (1 process, {len(sample)} files)", base, f"{len(_targets)} defined names read; once"),
        ("collect --jobs 1", one, f"collector.collect_files, every check on; best of {args.repeat}; {cpu1}"),
        ("collect --jobs 2", two, f"best of {args.repeat}; {cpu2}"),
    ]
    print()
    print(table(rows))
    print()
    print(f"collect result: {counts}")
    print(f"generate speed-up (plain / build_workbook): {gen['plain'] / gen['fast']:.1f}x (target >= 2x)")
    for label, secs in (("--jobs 1", one), ("--jobs 2", two)):
        print(f"collect {label}: {base / secs:.1f}x the openpyxl baseline (target >= 10x); "
              f"floor / collect = {secs / floor:.1f} (target <= 10)")
    for n, mem in memory.items():
        print(f"peak memory, collect --jobs 2, N={n}: parent + workers {mem['tree_peak']:.0f} MiB (sum of RSS, "
              f"sampled); parent {mem['parent_peak']:.0f} MiB; largest worker {mem['worker_peak']:.0f} MiB")


if __name__ == "__main__":
    main()
