"""The collector: returned workbooks in, a CollectResult out (read → rules → merge), one bad file never stops it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from bdg_workbook.domain.errors import WorkbookError
from bdg_workbook.collect.inbox import collect_inputs
from bdg_workbook.domain.findings import Finding, count_by_severity, make
from bdg_workbook.domain.model import Setup
from bdg_workbook.untrusted.workbook_reader import read_path
from bdg_workbook.trust.signing import KeyRing
from bdg_workbook.domain.result import (STATUS_COLLECTED, STATUS_REJECTED, STATUS_SUPERSEDED, CollectResult, DepartmentResult,
                     FileOutcome, assign_ranks)
from bdg_workbook.collect.rules.batch import identify, keep_latest, late_returns, latest_order, missing_departments, shared_documents
from bdg_workbook.collect.rules.pipeline import FileAnalysis, analyse
from bdg_workbook.collect.workers import Failure, run_isolated

_SETUP: Setup | None = None        # set before workers fork; read by process_file in the worker
_KEYRING: KeyRing | None = None    # trusted public keys, likewise


@dataclass(frozen=True)
class InputFile:
    """One file to collect: where it is and how to name it in messages."""

    path: Path
    display_name: str


@dataclass
class Processed:
    """What a worker returns for one file: an analysis, or the findings that rejected it."""

    item: InputFile
    sha256: str
    size: int
    department: str
    analysis: FileAnalysis | None
    rejected: list[Finding]
    packed: bytes | None = None     # the analysis' cells, score cards and documents, pickled (see ``_pack``)


def process_file(item: InputFile, setup: Setup | None = None) -> Processed:
    """Read and check one file (runs in a worker process)."""
    setup = setup or _SETUP
    assert setup is not None
    try:
        sub = read_path(item.path, item.display_name)
    except WorkbookError as exc:
        sha, size = _hash(item.path)
        return Processed(item, sha, size, "", None, [make(exc.code, file=item.display_name, reason=exc.message)])
    dept, rejected = identify(setup, sub)
    if dept is None:
        return Processed(item, sub.sha256, sub.size, sub.department, None, rejected)
    bare, packed = _pack(analyse(setup, sub, dept, _KEYRING))
    return Processed(item, sub.sha256, sub.size, dept.code, bare, [], packed)


def _pack(a: FileAnalysis) -> tuple[FileAnalysis, bytes]:
    """The analysis less its heavy parts, and those pickled: the parent unpickles them only for a file that
    is (so far) its department's latest (``_LatestOnly``). Computed and locked cells are left out: only the
    rules, run already, look at them."""
    heavy = (a.sub.inputs, a.sub.evidence, a.sub.bonus, a.self_card, a.card, a.documents)
    return _bare(a), pickle.dumps(heavy, pickle.HIGHEST_PROTOCOL)


def _bare(a: FileAnalysis) -> FileAnalysis:
    """What ``keep_latest`` and the file table read: department, date, file name and time, findings."""
    sub = dataclasses.replace(a.sub, inputs={}, computed={}, locked={}, evidence=[], bonus=[])
    return dataclasses.replace(a, sub=sub, self_card=None, card=None, documents={})


def _unpack(p: Processed) -> None:
    assert p.analysis is not None and p.packed is not None
    inputs, evidence, bonus, self_card, card, documents = pickle.loads(p.packed)
    sub = dataclasses.replace(p.analysis.sub, inputs=inputs, evidence=evidence, bonus=bonus)
    p.analysis = dataclasses.replace(p.analysis, sub=sub, self_card=self_card, card=card, documents=documents)
    p.packed = None


def _hash(path: Path) -> tuple[str, int]:
    import hashlib
    h, size = hashlib.sha256(), 0
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
                size += len(chunk)
    except OSError:
        return "", 0
    return h.hexdigest(), size


def find_inputs(inbox: Path, work_dir: Path) -> tuple[list[InputFile], list[Finding]]:
    """Every .xlsx under the inbox (recursively, lock and hidden files skipped) and those attached to saved
    emails (.eml, extracted into ``work_dir``); what cannot be used becomes a finding."""
    scan = collect_inputs(inbox, work_dir)
    items = [InputFile(i.path, i.label) for i in scan.items]
    notes = [make("F12", file=n.file, reason=n.message) for n in scan.notes]
    return items, notes


def collect_files(setup: Setup, items: Sequence[InputFile], inbox_label: str, jobs: int | None = None,
                  progress: Callable[[int], None] | None = None, timeout: float = 30.0,
                  keyring: KeyRing | None = None) -> CollectResult:
    """Collect the given files into a CollectResult (files in path order, departments in list order)."""
    global _SETUP, _KEYRING
    _SETUP, _KEYRING = setup, keyring
    raw = run_isolated(process_file, list(items), jobs=jobs, timeout=timeout, on_done=progress,
                       on_result=_LatestOnly())
    processed = [_failure(items[i], r) if isinstance(r, Failure) else r for i, r in enumerate(raw)]
    result = CollectResult(setup, inbox_label, dt.datetime.now().replace(microsecond=0).isoformat())
    analyses = [p.analysis for p in processed if p.analysis is not None]
    kept, dropped, dup_findings = keep_latest(analyses)
    order = {d.code: i for i, d in enumerate(setup.departments)}
    kept.sort(key=lambda a: order[a.department.code])
    missing, missing_findings = missing_departments(setup, kept)
    findings: list[Finding] = []
    for p in processed:
        findings.extend(p.rejected)
        if p.analysis is not None:
            findings.extend(p.analysis.findings)
    findings += dup_findings + late_returns(setup, kept) + shared_documents(kept) + missing_findings
    result.findings = findings
    result.missing = missing
    result.departments = [_department_result(a, findings) for a in kept]
    assign_ranks(result.departments, setup.table.sections_of("penalty")[0].code)
    dropped_ids = {id(a) for a in dropped}
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.file, []).append(f)
    result.files = [_outcome(p, by_file.get(p.item.display_name, []), dropped_ids) for p in processed]
    return result


def collect(inbox: Path, setup: Setup, jobs: int | None = None,
            progress: Callable[[int, int], None] | None = None, keyring: KeyRing | None = None) -> CollectResult:
    """Collect every returned workbook under ``inbox``; ``progress(done, total)`` after each file."""
    with tempfile.TemporaryDirectory(prefix="bdg-inbox-") as work:
        items, notes = find_inputs(inbox, Path(work))
        done = [0]

        def tick(_index: int) -> None:
            done[0] += 1
            if progress:
                progress(done[0], len(items))

        if progress:
            progress(0, len(items))
        result = collect_files(setup, items, str(inbox), jobs=jobs, progress=tick, keyring=keyring)
    result.findings = notes + result.findings
    return result


class _LatestOnly:
    """As results arrive, unpacks the file that is its department's latest so far (``keep_latest``'s choice,
    whatever the order of arrival) and slims the one it supersedes, so memory grows with departments, not files.

    A superseded file keeps its findings, department, date and file name; its cells, documents and score
    cards are dropped (or never unpacked): nothing reads them after ``keep_latest``.
    """

    def __init__(self) -> None:
        self.latest: dict[str, tuple[tuple, Processed]] = {}

    def __call__(self, index: int, value: object) -> object:
        if not isinstance(value, Processed) or value.analysis is None:
            return value
        a = value.analysis
        key = (latest_order(a), index)   # keep_latest keeps the largest key, the later file on a tie
        current = self.latest.get(a.department.code)
        if current is not None and current[0] > key:
            value.packed = None
        else:
            if current is not None:
                _supersede(current[1])
            _unpack(value)
            self.latest[a.department.code] = (key, value)
        return value


def _supersede(p: Processed) -> None:
    assert p.analysis is not None
    p.analysis, p.packed = _bare(p.analysis), None


def _failure(item: InputFile, failure: Failure) -> Processed:
    sha, size = _hash(item.path)
    reason = failure.detail.splitlines()[0] if failure.detail else failure.kind
    return Processed(item, sha, size, "", None, [make("F11", file=item.display_name, reason=reason)])


def _department_result(a: FileAnalysis, findings: list[Finding]) -> DepartmentResult:
    counts = count_by_severity([f for f in findings if f.department == a.department.code
                                and f.file in ("", a.sub.display_name)])
    return DepartmentResult(a.department, a.sub.display_name, a.sub.sha256, a.submitted, a.sub,
                            a.self_card, a.card, errors=counts["error"], warnings=counts["warning"])


def _outcome(p: Processed, mine_found: list[Finding], dropped_ids: set[int]) -> FileOutcome:
    mine = count_by_severity(mine_found)
    if p.analysis is None:
        status = STATUS_REJECTED
    elif id(p.analysis) in dropped_ids:
        status = STATUS_SUPERSEDED
    else:
        status = STATUS_COLLECTED
    return FileOutcome(str(p.item.path), p.item.display_name, p.sha256, p.size, p.department, status,
                       mine["error"], mine["warning"])
