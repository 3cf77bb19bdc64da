"""The collector: returned workbooks in, a CollectResult out (read → rules → merge), one bad file never stops it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
from functools import partial
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol, Sequence

from bdg_workbook.domain.errors import WorkbookError
from bdg_workbook.collect.inbox import collect_inputs
from bdg_workbook.domain.findings import CATALOGUE, Finding, count_by_severity, is_file_level_error, make
from bdg_workbook.domain.model import Setup
from bdg_workbook.untrusted.form_contract import form_contract
from bdg_workbook.untrusted.workbook_reader import read_path
from bdg_workbook.trust.signing import KeyRing
from bdg_workbook.domain.result import (STATUS_BLANK, STATUS_COLLECTED, STATUS_REJECTED, STATUS_SUPERSEDED, STATUS_UNTRUSTED, CollectResult, DepartmentResult,
                     FileOutcome, assign_ranks)
from bdg_workbook.collect.rules.batch import (Receipt, counted, identify, keep_latest, late_returns, missing_departments,
                                              no_filled_form, not_counted_reason, not_valid_units, selection_key,
                                              shared_documents)
from bdg_workbook.collect.rules.blank import blank_form_finding, is_blank_form
from bdg_workbook.collect.receipts import first_seen_times
from bdg_workbook.untrusted.master_reader import KIND_DISTRICT_MASTER, KIND_WARD_MASTER, peek_kind
from bdg_workbook.collect.rules.timeliness import score_timeliness
from bdg_workbook.collect.rules.pipeline import FileAnalysis, analyse
from bdg_workbook.collect.workers import Failure, run_isolated

_SETUP: Setup | None = None        # the setup of the running collect (``process_file``'s default)
_KEYRING: KeyRing | None = None    # trusted public keys, likewise


@dataclass(frozen=True)
class InputFile:
    """One file to collect: where it is and how to name it in messages."""

    path: Path
    display_name: str
    received_at: dt.datetime | None = None    # the email's Date header for an attachment; None for a plain file


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


def process_file(item: InputFile, setup: Setup | None = None, keyring: KeyRing | None = None) -> Processed:
    """Read and check one file (runs in a worker process)."""
    setup = setup or _SETUP
    keyring = keyring if keyring is not None else _KEYRING
    assert setup is not None
    try:
        sub = read_path(item.path, item.display_name, contract=form_contract(setup))
    except WorkbookError as exc:
        sha, size = _hash(item.path)
        kind = peek_kind(item.path)
        if kind in (KIND_WARD_MASTER, KIND_DISTRICT_MASTER):   # a master in a departments' inbox: skipped
            return Processed(item, sha, size, "", None, [make("F23", file=item.display_name, reason=kind)])
        return Processed(item, sha, size, "", None, [make(exc.code, file=item.display_name, reason=exc.message)])
    dept, rejected = identify(setup, sub)
    if dept is None:
        return Processed(item, sub.sha256, sub.size, sub.department, None, rejected)
    analysis = analyse(setup, sub, dept, keyring)
    if is_blank_form(setup, dept, sub):   # nothing typed: not a submission, whatever else the rules said
        kept = [f for f in analysis.findings if is_file_level_error(f)]   # e.g. E17 too: say both
        analysis = dataclasses.replace(analysis, findings=[blank_form_finding(sub), *kept])
    bare, packed = _pack(analysis)
    return Processed(item, sub.sha256, sub.size, dept.code, bare, [], packed)


class FileTask:
    """``process_file`` bound to a setup and key ring, picklable for ``spawn`` workers (Windows, macOS):
    public keys travel as raw bytes and are rebuilt in the worker."""

    def __init__(self, setup: Setup, keyring: KeyRing | None) -> None:
        self.setup, self.keyring = setup, keyring

    def __call__(self, item: InputFile) -> Processed:
        return process_file(item, self.setup, self.keyring)

    def __getstate__(self) -> dict:
        keys = None if self.keyring is None else [
            (k.public_key.public_bytes_raw(), k.key_id, k.source) for k in self.keyring.keys.values()]
        return {"setup": self.setup, "keys": keys}

    def __setstate__(self, state: dict) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from bdg_workbook.trust.signing import TrustedKey
        self.setup = state["setup"]
        self.keyring = None if state["keys"] is None else KeyRing({
            kid: TrustedKey(Ed25519PublicKey.from_public_bytes(raw), kid, source)
            for raw, kid, source in state["keys"]})


def _pack(a: FileAnalysis) -> tuple[FileAnalysis, bytes]:
    """The analysis less its heavy parts, and those pickled: the parent unpickles them only for a file that
    is (so far) its department's latest (``_LatestOnly``). Computed and locked cells are left out: only the
    rules, run already, look at them."""
    heavy = (a.sub.inputs, a.sub.evidence, a.sub.bonus, a.self_card, a.card, a.documents)
    return _bare(a), pickle.dumps(heavy, pickle.HIGHEST_PROTOCOL)


def _bare(a: FileAnalysis) -> FileAnalysis:
    """What ``keep_latest`` and the file table read: department, date, file name and time, findings."""
    sub = dataclasses.replace(a.sub, inputs={}, computed={}, locked={}, evidence=[], bonus=[], area={})
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
    items = [InputFile(i.path, i.label, i.sent_at) for i in scan.items]
    notes = [make("F12", file=n.file, reason=n.message) for n in scan.notes]
    return items, notes


def collect_files(setup: Setup, items: Sequence[InputFile], inbox_label: str, jobs: int | None = None,
                  progress: Callable[[int], None] | None = None, timeout: float = 30.0,
                  keyring: KeyRing | None = None, cache: "ResultCache | None" = None,
                  receipts: "Callable[[list[tuple[InputFile, str, int]]], dict[str, Receipt]] | None" = None
                  ) -> CollectResult:
    """Collect the given files into a CollectResult (files in path order, departments in list order).

    ``receipts(files)`` gives the receipt time of files (display name -> (time, source)) from the inbox's
    receipts log (``collect`` passes it); an email attachment's receipt time is its Date header."""
    global _SETUP, _KEYRING
    _SETUP, _KEYRING = setup, keyring
    raw = _read_all(FileTask(setup, keyring), list(items), jobs, timeout, progress, cache)
    processed = [_failure(items[i], r) if isinstance(r, Failure) else r for i, r in enumerate(raw)]
    result = CollectResult(setup, inbox_label, dt.datetime.now().replace(microsecond=0).isoformat())
    analyses = [p.analysis for p in processed if p.analysis is not None]
    kept, dropped, dup_findings = keep_latest(analyses)
    order = {d.code: i for i, d in enumerate(setup.departments)}
    kept.sort(key=lambda a: order[a.department.code])
    missing, missing_findings = missing_departments(setup, kept)
    refused = [(a.department.code, a.sub.display_name, not_counted_reason(a)) for a in analyses if not counted(a)]
    not_valid = not_valid_units(missing, refused)
    replaced = {f.department for f in not_valid}
    missing_findings = [f for f in missing_findings if f.department not in replaced] + not_valid
    received = _receipt_times(processed, receipts)
    timeliness = score_timeliness(setup, kept, received)    # "gửi đúng hạn" from the receipt (issue 13.3)
    findings: list[Finding] = []
    for p in processed:
        findings.extend(p.rejected)
        if p.analysis is not None:
            findings.extend(p.analysis.findings)
    findings += dup_findings + late_returns(setup, kept, received) + timeliness + shared_documents(kept) \
        + missing_findings
    if not kept:
        blank = sum(1 for a in analyses if any(f.code == "F21" for f in a.findings))
        findings.append(no_filled_form(inbox_label, len(processed), blank))
    result.findings = findings
    result.missing = missing
    result.departments = [_department_result(a, findings) for a in kept]
    assign_ranks(result.departments, setup.table.sections_of("penalty")[0].code)
    dropped_ids = {id(a) for a in dropped}
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.file, []).append(f)
    result.files = [_outcome(p, by_file.get(p.item.display_name, []), dropped_ids, received) for p in processed]
    return result


def _receipt_times(processed: list[Processed], receipts: Callable | None) -> dict[str, Receipt]:
    """Receipt time of every file: the email's Date header, else what ``receipts`` knows (first seen)."""
    out: dict[str, Receipt] = {p.item.display_name: (p.item.received_at, "ngày gửi của thư điện tử")
                               for p in processed if p.item.received_at is not None}
    plain = [(p.item, p.sha256, p.size) for p in processed if p.item.received_at is None and p.sha256]
    if receipts is not None and plain:
        out.update(receipts(plain))
    return out


def collect(inbox: Path, setup: Setup, jobs: int | None = None,
            progress: Callable[[int, int], None] | None = None, keyring: KeyRing | None = None,
            cache: "ResultCache | None" = None, record_receipts: bool = False) -> CollectResult:
    """Collect every returned workbook under ``inbox``; ``progress(done, total)`` after each file.

    Receipt times come from the inbox's receipts log; with ``record_receipts`` a file the log does not know
    yet is recorded there now (the time the program first saw it), as ``bdg-workbook collect`` does."""
    with tempfile.TemporaryDirectory(prefix="bdg-inbox-") as work:
        items, notes = find_inputs(inbox, Path(work))
        done = [0]

        def tick(_index: int) -> None:
            done[0] += 1
            if progress:
                progress(done[0], len(items))

        if progress:
            progress(0, len(items))
        result = collect_files(setup, items, str(inbox), jobs=jobs, progress=tick, keyring=keyring, cache=cache,
                               receipts=partial(first_seen_times, Path(inbox), record=record_receipts))
    result.findings = notes + result.findings
    return result


# ---------------------------------------------------------------- reuse of files already read (issue 15)


class ResultCache(Protocol):
    """Where per-file results of earlier runs are kept (the season archive): same bytes, same setup, same program."""

    def lookup(self, item: InputFile) -> "Processed | None":
        """The earlier result for this file (its ``packed`` form, as a worker returns it), or None."""

    def store(self, item: InputFile, processed: "Processed") -> None:
        """Keep a fresh worker result for the next run."""


def _read_all(task: FileTask, items: list[InputFile], jobs: int | None, timeout: float, progress: Callable[[int], None] | None,
              cache: ResultCache | None) -> list:
    """Every file's Processed (or Failure) in ``items`` order: cached ones from ``cache``, the rest from workers."""
    latest = _LatestOnly()
    if cache is None:
        return run_isolated(task, items, jobs=jobs, timeout=timeout, on_done=progress, on_result=latest)
    raw: list = [None] * len(items)
    todo = []
    for i, item in enumerate(items):
        hit = cache.lookup(item)
        if hit is None:
            todo.append(i)
            continue
        raw[i] = latest(i, dataclasses.replace(hit, item=item))
        if progress:
            progress(i)

    def keep(j: int, value: object) -> object:
        if isinstance(value, Processed):
            cache.store(items[todo[j]], value)   # before ``latest`` slims it
        return latest(todo[j], value)

    fresh = run_isolated(task, [items[i] for i in todo], jobs=jobs, timeout=timeout, on_done=progress,
                         on_result=keep)
    for j, value in enumerate(fresh):
        raw[todo[j]] = value
    return raw


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
        key = (selection_key(a), index)   # keep_latest keeps the largest key, the later file on a tie
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


def _outcome(p: Processed, mine_found: list[Finding], dropped_ids: set[int],
             received: dict[str, Receipt]) -> FileOutcome:
    mine = count_by_severity(mine_found)
    reason = ""
    if p.analysis is not None and not counted(p.analysis):
        reason = not_counted_reason(p.analysis)
        status = STATUS_BLANK if any(f.code == "F21" for f in p.analysis.findings) else STATUS_UNTRUSTED
    elif p.analysis is None:
        status = STATUS_REJECTED
        reason = "; ".join(dict.fromkeys(f"{f.code} {CATALOGUE[f.code].title.lower()}" for f in p.rejected))
    elif id(p.analysis) in dropped_ids:
        status = STATUS_SUPERSEDED
    else:
        status = STATUS_COLLECTED
    when = received.get(p.item.display_name)
    return FileOutcome(str(p.item.path), p.item.display_name, p.sha256, p.size, p.department, status,
                       mine["error"], mine["warning"], reason, when[0].isoformat(timespec="seconds") if when else "")
