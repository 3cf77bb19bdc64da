"""Season archive benchmark (issue 15): a second ``collect`` after one new file among N archived returns.

Run from the repository root::

    python benchmarks/bench_archive.py            # 1,000 returned workbooks
    python benchmarks/bench_archive.py --n 200    # quicker

Measures, on the same inbox and one archive file: (1) the first collect with an empty archive (every
file read in workers, results stored), (2) a second collect after one new return was added (999 reused
from the archive, one read), (3) the same second collect without the archive, and the time to record the
run. Uses ``benchmarks/bench.py``'s inbox maker (signed, filled workbooks; the rest byte copies under new
names). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import make_inbox  # noqa: E402

from bdg_workbook.archive.file_cache import ArchiveCache  # noqa: E402
from bdg_workbook.archive.store import Archive  # noqa: E402
from bdg_workbook.collect import collector  # noqa: E402
from bdg_workbook.config.load import load_setup  # noqa: E402


def _collect(setup, inbox: Path, keyring, jobs: int, cache) -> tuple[float, object]:
    started = time.perf_counter()
    result = collector.collect(inbox, setup, jobs=jobs, keyring=keyring, cache=cache)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="returned workbooks already archived (default 1000)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    setup = load_setup()
    with tempfile.TemporaryDirectory(prefix="bdg-bench-archive-") as tmp:
        root = Path(tmp)
        paths, keyring, _fill = make_inbox(setup, root, args.n + 1, 30, args.seed)
        newcomer = paths[-1]
        parked = root / newcomer.name
        shutil.move(newcomer, parked)                  # the "new return" arrives after the first collect
        inbox = root / "inbox"
        with Archive(root / "archive.sqlite3") as archive:
            cache = ArchiveCache(archive, setup, keyring.key_ids)
            first, result = _collect(setup, inbox, keyring, args.jobs, cache)
            started = time.perf_counter()
            cache.flush()
            archive.record_collection(result, "bench")
            record = time.perf_counter() - started
            shutil.move(parked, inbox / parked.name)
            cache = ArchiveCache(archive, setup, keyring.key_ids)
            second, result2 = _collect(setup, inbox, keyring, args.jobs, cache)
            hits, misses = cache.hits, cache.misses
            cache.flush()
        without, result3 = _collect(setup, inbox, keyring, args.jobs, None)
        same = [f.status for f in result2.files] == [f.status for f in result3.files] and \
            [(d.department.code, d.card.total) for d in result2.departments] == \
            [(d.department.code, d.card.total) for d in result3.departments]
        size = (root / "archive.sqlite3").stat().st_size
    cpu = platform.processor() or platform.machine()
    print(f"bdg-workbook archive benchmark: N = {args.n} archived + 1 new, --jobs {args.jobs}, "
          f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}")
    print(f"  first collect, empty archive (reads {args.n} files, stores results): {first:8.2f} s")
    print(f"  recording the run (files, findings, points) in one transaction:     {record:8.2f} s")
    print(f"  second collect, one new file ({hits} reused, {misses} read):        {second:8.2f} s")
    print(f"  the same collect without the archive (reads {args.n + 1} files):     {without:8.2f} s")
    print(f"  speed-up of the second collect: {without / second:.1f}×; archive size {size / 1024 / 1024:.1f} MiB; "
          f"same result as without the archive: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
