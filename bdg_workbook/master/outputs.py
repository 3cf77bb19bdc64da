"""Where one collection's outputs go beside the master: the JSON, the CSV folder and the manifest (CLI and web)."""

from __future__ import annotations

from pathlib import Path

from bdg_workbook.domain.result import CollectResult
from bdg_workbook.master import report as _report
from bdg_workbook.master.keep_reviews import keep_backups
from bdg_workbook.master.report import Signer


def collect_output_paths(master: Path) -> tuple[Path, Path]:
    """The JSON file and the CSV folder written beside ``master``."""
    return master.with_suffix(".json"), master.parent / (master.stem + "_csv")


def write_collect_outputs(result: CollectResult, master: Path, signer: Signer | None = None) -> list[Path]:
    """Master workbook (signed when ``signer`` is given), JSON, CSV exports and the run manifest, as one atomic
    step (a failure leaves the previous outputs); returns every path written, the master first. Each file
    it replaces is first kept as ``<name>.bakN`` (``keep_reviews.keep_backups``)."""
    master.parent.mkdir(parents=True, exist_ok=True)
    json_path, csv_folder = collect_output_paths(master)
    return _report.write_outputs(result, master, json_path=json_path, csv_folder=csv_folder, signer=signer,
                                 before_replace=keep_backups)   # issue 12: a replaced output is kept as <name>.bakN
