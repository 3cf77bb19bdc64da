"""The working folder the web app serves: its setup, paths, keys, and the one lock every collection takes.

The same library functions as the CLI are called from here with explicit paths (the server never changes
its current folder). Collections are serialised: the collector keeps per-run module state, and only one
master may be written at a time.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from bdg_workbook.corrections.after_collect import apply_loop
from bdg_workbook.corrections.journal import Journal
from bdg_workbook.collect import collector as _collector
from bdg_workbook.collect import status as _status
from bdg_workbook.collect.collector import InputFile
from bdg_workbook.collect.receipts import first_seen_times
from bdg_workbook.config.load import load_setup
from bdg_workbook.config.workspace import CRITERIA_GLOBS, INBOX, OUTPUT, TEMPLATES
from bdg_workbook.domain.errors import TemplateError
from bdg_workbook.domain.model import Setup
from bdg_workbook.domain.result import CollectResult
from bdg_workbook.master.keep_reviews import RUN_RE, choose_target
from bdg_workbook.master.outputs import write_collect_outputs
from bdg_workbook.trust import signing as _signing
from bdg_workbook.untrusted.form_contract import form_contract
from bdg_workbook.web.result_cache import MemoryCache, SharedStore
from bdg_workbook.writing.terminal_text import ascii_slug

MAIL_FOLDER = "mail"
DISTRICT_FOLDER = "cap-tren"
Signer = Callable


@dataclass
class InboxState:
    """The last status run over the inbox (nothing written) and the inbox fingerprint it was made for."""

    fingerprint: tuple
    result: CollectResult
    status: _status.SeasonStatus
    checked_at: dt.datetime


@dataclass
class Workspace:
    """One ward's working folder as the web app uses it."""

    root: Path
    jobs: int | None = None
    warm: bool = False          # build the reader's form contract in the server (see ``_warm_reader``)
    lock: threading.RLock = field(default_factory=threading.RLock)          # collections, generation, review
    mail_lock: threading.Lock = field(default_factory=threading.Lock)       # one send (and its log) at a time
    _setup_cache: tuple[tuple, Setup | TemplateError] | None = None
    results: SharedStore = field(default_factory=SharedStore)              # per-file results already read
    _inbox_state: InboxState | None = None

    # ---------------------------------------------------------------- paths

    @property
    def templates(self) -> Path:
        """``templates/`` of the working folder."""
        return self.root / TEMPLATES

    @property
    def inbox(self) -> Path:
        """``inbox/``: the returned files."""
        return self.root / INBOX

    @property
    def output(self) -> Path:
        """``output/``."""
        return self.root / OUTPUT

    def year_folder(self, setup: Setup) -> Path:
        """``output/<year>/``: workbooks and masters."""
        return self.output / str(setup.config.year)

    @property
    def mail_folder(self) -> Path:
        """``output/mail/``: drafts and the send log."""
        return self.output / MAIL_FOLDER

    @property
    def district_inbox(self) -> Path:
        """``cap-tren/inbox/``: ward masters uploaded for the roll-up."""
        return self.root / DISTRICT_FOLDER / "inbox"

    @property
    def district_keys(self) -> Path:
        """``cap-tren/keys/``: the wards' public keys."""
        return self.root / DISTRICT_FOLDER / "keys"

    def setup_files(self) -> tuple[Path | None, Path | None, Path | None]:
        """criteria, departments and config files of the folder (None: the built-in default), as the CLI finds them."""
        criteria = self.templates / "criteria-2024.yaml"
        if not criteria.is_file():
            found = sorted(p for g in CRITERIA_GLOBS for p in self.templates.glob(g) if p.is_file())
            criteria = found[0] if found else None
        departments, config = self.templates / "departments.yaml", self.templates / "config.yaml"
        return (criteria, departments if departments.is_file() else None, config if config.is_file() else None)

    # ---------------------------------------------------------------- setup and keys

    def setup_or_error(self) -> Setup | TemplateError:
        """The season's setup, reloaded when a file changed; the TemplateError listing every problem otherwise."""
        files = self.setup_files()
        stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) if p else None for p in files)
        cached = self._setup_cache
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            value: Setup | TemplateError = load_setup(*files)
        except TemplateError as exc:
            value = exc
        self._setup_cache = (stamp, value)
        if self.warm and isinstance(value, Setup):
            threading.Thread(target=_warm_reader, args=(value,), daemon=True, name="bdg-warm-reader").start()
        return value

    def signing_key(self) -> _signing.SigningKey | None:
        """The ward's signing key (keys/ward-signing.key or $BDG_SIGNING_KEY), None when there is none."""
        path = _signing.find_signing_key(None, cwd=self.root)
        return _signing.load_private_key(path) if path is not None else None

    def master_signer(self) -> Signer | None:
        """Signs masters with the ward's key (SIGNED_MASTER_KEYS), as the CLI does."""
        key = self.signing_key()
        if key is None:
            return None
        return lambda meta: key.sign(meta, _signing.SIGNED_MASTER_KEYS)

    def keyring(self) -> _signing.KeyRing | None:
        """The keys returned files are checked with: the ward's own key, as ``collect`` without --keys."""
        own = _signing.find_signing_key(None, cwd=self.root)
        return _signing.KeyRing.load(own) if own is not None else None

    # ---------------------------------------------------------------- inbox and collection

    def inbox_fingerprint(self) -> tuple:
        """Names, sizes and times of every file under the inbox: a change means the status must be redone."""
        out = []
        if self.inbox.is_dir():
            for path in sorted(self.inbox.rglob("*")):
                try:
                    st = path.stat()
                except OSError:
                    continue
                out.append((path.relative_to(self.inbox).as_posix(), st.st_size, st.st_mtime_ns))
        return tuple(out)

    def inbox_state(self, setup: Setup) -> InboxState:
        """The status of every unit (a collection that writes nothing), redone only when the inbox changed."""
        with self.lock:
            fingerprint = (id(setup), self.inbox_fingerprint())
            state = self._inbox_state
            if state is not None and state.fingerprint == fingerprint:
                return state
            keyring = self.keyring()
            result = _collector.collect(self.inbox, setup, jobs=self.jobs, keyring=keyring,
                                        cache=MemoryCache(self.results, setup, keyring))
            state = InboxState(fingerprint, result, _status.season_status(result), dt.datetime.now())
            self._inbox_state = state
            return state

    def check_files(self, setup: Setup, paths: list[Path]) -> CollectResult:
        """The isolated reader and every rule on just these inbox files (what ``collect`` does with each)."""
        items, notes = [], []
        with self.lock, tempfile.TemporaryDirectory(prefix="bdg-web-") as work:
            for number, path in enumerate(paths):
                if path.suffix.lower() == ".eml":   # its attachments, extracted as collect extracts them
                    alone = Path(work) / f"thu-{number}"
                    alone.mkdir()
                    shutil.copyfile(path, alone / path.name)
                    found, found_notes = _collector.find_inputs(alone, Path(work) / f"tep-{number}")
                    items += found
                    notes += found_notes
                else:
                    items.append(InputFile(path, path.relative_to(self.inbox).as_posix()))
            keyring = self.keyring()
            result = _collector.collect_files(setup, items, str(self.inbox), jobs=self.jobs, keyring=keyring,
                                              cache=MemoryCache(self.results, setup, keyring),
                                              receipts=partial(first_seen_times, self.inbox))
        result.findings = notes + result.findings
        return result

    def collect_and_write(self, setup: Setup) -> tuple[CollectResult, list[Path], str]:
        """``collect``: every return re-scored, then master, JSON, CSV and manifest written as one atomic step,
        never over a master holding review entries or with review rounds (then ``_lanN``, as the CLI does);
        the result, the paths written and the note saying which master was kept."""
        with self.lock:
            keyring = self.keyring()
            result = _collector.collect(self.inbox, setup, jobs=self.jobs, keyring=keyring, record_receipts=True,
                                        cache=MemoryCache(self.results, setup, keyring))
            journal = Journal(self.year_folder(setup), setup.config.year)                # issue 16: the loop
            result = apply_loop(result, self.inbox, journal, record=True).result           # and the counting rule
            target = choose_target(self.master_path(setup), setup)
            written = write_collect_outputs(result, target.path, self.master_signer())
            self.archive_run(lambda archive: archive.record_collection(result, str(target.path)))   # issue 15
            note = (f"Không ghi đè {target.kept.name} ({target.why}); bản tổng hợp mới là {target.path.name}. "
                    "Điểm thẩm định đã nhập vẫn ở tệp cũ.") if target.kept is not None else ""
            return result, written, note

    def archive_run(self, record: Any) -> None:
        """Record a run in the working folder's season archive (``archive.sqlite3``); never fails the page."""
        from bdg_workbook.archive import hooks
        archive = hooks.open_or_none(self.root / "archive.sqlite3")
        if archive is not None:
            with archive:
                hooks.guarded(archive, None, lambda: record(archive))

    def current_master(self, setup: Setup) -> Path:
        """The master written last by a collection: ``TONGHOP_…xlsx`` or its newest ``_lanN`` (may not exist)."""
        base = self.master_path(setup)
        runs = [p for p in base.parent.glob(base.stem + "_lan*.xlsx")
                if RUN_RE.search(p.stem) and RUN_RE.sub("", p.stem) == base.stem]
        found = [p for p in (base, *runs) if p.is_file()]
        return max(found, key=lambda p: p.stat().st_mtime_ns) if found else base

    def master_path(self, setup: Setup) -> Path:
        """``output/<year>/TONGHOP_<year>_<WARD>.xlsx`` (the CLI's default)."""
        cfg = setup.config
        return self.year_folder(setup) / f"TONGHOP_{cfg.year}_{ascii_slug(cfg.place_name)}.xlsx"


def _warm_reader(setup: Setup) -> None:
    """Build the reader's contract of every issued form once in the server process: the reader processes
    forked for each check inherit it instead of rebuilding the issued form for every file they read."""
    try:
        contract = form_contract(setup)
        for dept in setup.departments:
            contract.plan(dept.code)
    except Exception:  # noqa: BLE001 - only a speed-up: each reader builds what it needs itself
        return
