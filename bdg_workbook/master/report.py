"""The ward master workbook and the JSON/CSV exports and run manifest of one collect run.

Every file is built in memory and written atomically (``safe_text``): a run that dies mid-way leaves
the previous files byte-identical. Text from departments is always written as a string cell in the
workbook (never a formula or a link) and neutralised in CSV files (OWASP ASVS 1.2.10). The master's
machine-readable part is described in ``master_layout.MASTER_LAYOUT_DOC``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from xlsxwriter.workbook import Workbook

from bdg_workbook import __version__
from bdg_workbook.domain.numbers import format_number, format_points
from bdg_workbook.layout.master import (FILE_STATUS_VI, MASTER_KIND, MASTER_LAYOUT_VERSION, MASTER_SHEETS, SHEET_APPENDIX,
                            SHEET_AUDIT, SHEET_BONUS, SHEET_CHART, SHEET_DATA, SHEET_EVIDENCE, SHEET_FILES,
                            SHEET_FINDINGS, SHEET_META, SHEET_MISSING, SHEET_REVIEW, SHEET_SUMMARY)
from bdg_workbook.master.print_pages import write_appendix, write_summary
from bdg_workbook.master.sheets import write_chart, write_data, write_meta, write_table
from bdg_workbook.master.style import FONT, PrintSheet, Styles
from bdg_workbook.master.tables import (NUMBER, Table, bonus_table, data_hash, data_rows, evidence_table, files_table,
                            findings_table, missing_table, summary_rows, summary_table)
from bdg_workbook.domain.result import CollectResult
from bdg_workbook.master.review_sheets import ReviewEntry, audit_hash, write_audit_sheet, write_review_sheet
from bdg_workbook.master.csv_tables import merged_csvs
from bdg_workbook.master.carried import carried_hash, collected_tables, define_table_names
from bdg_workbook.untrusted.master_view import view_digest_bytes
from bdg_workbook.writing.safe_text import atomic_write_all, atomic_write_bytes, atomic_write_text, clean_cell_text, csv_safe

GENERATOR = "bdg-workbook"
CSV_FILES = ("summary.csv", "findings.csv", "evidence.csv")   # for Excel in a Vietnamese locale (csv_bytes)
EXCEL_VI_DELIMITER = ";"


# ---------------------------------------------------------------- master workbook


Signer = Callable[[Mapping[str, str]], tuple[str, str]]


from bdg_workbook.master.previous_season import write_previous_sheet  # noqa: E402


def write_master(result: CollectResult, path: Path, signer: Signer | None = None) -> None:
    """Write the ward master workbook to ``path`` atomically (signed when a ``signer`` is given)."""
    atomic_write_bytes(path, master_bytes(result, signer))


def master_bytes(result: CollectResult, signer: Signer | None = None, view_hash: str | None = None) -> bytes:
    """The master workbook as xlsx bytes; the same result gives the same bytes.

    Built twice: the first build's visible content is hashed (``master_view``) into meta ``view_hash``,
    which the signature covers, so an edited printed total no longer verifies.

    ``signer(meta) -> (key_id, signature)`` fills the two signature rows of the meta sheet, e.g.
    ``lambda meta: key.sign(meta, signing.SIGNED_MASTER_KEYS)``; without it they stay empty.
    """
    buffer = io.BytesIO()
    workbook = new_workbook(buffer, result)
    st = Styles(workbook)
    sheets = {name: workbook.add_worksheet(name, worksheet_class=PrintSheet) for name in MASTER_SHEETS}
    placement = write_summary(sheets[SHEET_SUMMARY], st, result)
    write_appendix(sheets[SHEET_APPENDIX], st, result)
    entries = [ReviewEntry(item.result.department, item.result.self_card, item.result.card, item.result.card,
                           item.result.rank) for item in summary_rows(result) if item.result is not None]
    write_review_sheet(workbook, sheets[SHEET_REVIEW], st, result.setup.table, entries, result.setup.config.year, 1)
    write_audit_sheet(workbook, sheets[SHEET_AUDIT], st, [], result.setup.config.year)
    _write_tables(sheets, st, result)
    carried = collected_tables(result)
    define_table_names(workbook, carried)
    write_chart(workbook, sheets[SHEET_CHART], st, result, placement)
    write_previous_sheet(workbook, st, result)   # only when last season is known (issue 15)
    rows = data_rows(result)
    write_data(workbook, sheets[SHEET_DATA], rows, SHEET_DATA)
    meta = master_meta(result, data_hash(rows))
    meta["audit_hash"] = audit_hash([])
    meta["tables_hash"] = carried_hash(carried)
    return finish_master(workbook, buffer, sheets, meta, signer, view_hash,
                         lambda: master_bytes(result, None, ""))


def finish_master(workbook: Workbook, buffer: io.BytesIO, sheets: Mapping[str, Any], meta: dict[str, str],
                  signer: Signer | None, view_hash: str | None, unsigned_build: Callable[[], bytes]) -> bytes:
    """Set the view hash (on the first build: what ``unsigned_build`` shows, read back as a verifier reads it),
    sign the meta, write it and close the workbook; the file's bytes."""
    if view_hash is None:
        view_hash = view_digest_bytes(unsigned_build())
    meta["view_hash"] = view_hash
    if signer is not None:
        meta["key_id"], meta["signature"] = signer(dict(meta))
    write_meta(workbook, sheets[SHEET_META], meta)
    sheets[SHEET_SUMMARY].activate()
    workbook.close()
    return buffer.getvalue()


def new_workbook(buffer: io.BytesIO, result: CollectResult) -> Workbook:
    """An in-memory master workbook: text never turned into formulas or links, Times New Roman, fixed dates."""
    workbook = Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "default_format_properties": {"font_name": FONT, "font_size": 12},
    })
    cfg = result.setup.config
    workbook.set_properties({
        "title": f"Tổng hợp kết quả chấm điểm thi đua năm {cfg.year} - {cfg.ward}",
        "subject": "Phong trào thi đua “Vì sự tiến bộ của phụ nữ và Bình đẳng giới”",
        "author": GENERATOR, "company": cfg.aggregator_name, "created": created_at(result),
    })
    return workbook


def _write_tables(sheets: dict[str, PrintSheet], st: Styles, result: CollectResult) -> None:
    year = result.setup.config.year
    findings = findings_table(result)
    write_table(sheets[SHEET_FINDINGS], st, f"CÁC PHÁT HIỆN KHI KIỂM TRA BẢNG TỰ CHẤM ĐIỂM NĂM {year}",
                f"{result.error_count} lỗi, {result.warning_count} cảnh báo, {len(findings.rows)} dòng; "
                "lọc theo cột bằng nút ▼ ở dòng tiêu đề", findings)
    evidence = evidence_table(result)
    write_table(sheets[SHEET_EVIDENCE], st, "SỔ MINH CHỨNG TỔNG HỢP CỦA CÁC ĐƠN VỊ",
                f"{len(evidence.rows)} dòng minh chứng do các đơn vị kê (giữ nguyên như trong tệp; cột Dòng là "
                "số dòng trong trang Minh chứng của tệp đơn vị)", evidence)
    bonus = bonus_table(result)
    write_table(sheets[SHEET_BONUS], st, "THUYẾT MINH ĐIỂM THƯỞNG CỦA CÁC ĐƠN VỊ",
                f"{len(bonus.rows)} mục; điểm được tính là điểm của tiêu chí sau kiểm tra (thuyết minh đủ 5 yêu "
                "cầu và có minh chứng)", bonus)
    missing = missing_table(result)
    deadline = result.setup.config.department_deadline
    due = f"; hạn nộp {deadline.strftime('%d/%m/%Y')}" if deadline else ""
    write_table(sheets[SHEET_MISSING], st, "CÁC ĐƠN VỊ CHƯA NỘP BẢNG TỰ CHẤM ĐIỂM",
                f"{len(missing.rows)} đơn vị{due}", missing, landscape=False,
                empty_text="Tất cả các đơn vị đã nộp.")
    files = files_table(result)
    write_table(sheets[SHEET_FILES], st, "CÁC TỆP ĐÃ NHẬN",
                f"{len(files.rows)} tệp trong thư mục {clean_cell_text(result.inbox)}; SHA-256 để đối chiếu tệp gốc",
                files)


def created_at(result: CollectResult) -> dt.datetime:
    """The workbook's created date, from ``result.generated_at`` (UTC, naive), so output is reproducible."""
    try:
        stamp = dt.datetime.fromisoformat(result.generated_at)
    except (TypeError, ValueError):
        return dt.datetime(result.setup.config.year, 1, 1)
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return stamp.replace(microsecond=0)


def master_meta(result: CollectResult, digest: str) -> dict[str, str]:
    """The master's own meta (master_layout.MASTER_META_KEYS); key_id and signature are left empty."""
    cfg, table = result.setup.config, result.setup.table
    listed = summary_rows(result)
    return {
        "kind": MASTER_KIND, "layout_version": MASTER_LAYOUT_VERSION, "template_id": table.template_id,
        "template_version": table.version, "template_hash": table.content_hash, "year": str(cfg.year),
        "ward": cfg.ward, "district": cfg.district, "province": cfg.province,
        "generated_at": result.generated_at, "generator": GENERATOR, "generator_version": __version__,
        "departments": str(len(listed)), "collected": str(len(result.departments)),
        "missing": str(sum(1 for r in listed if r.result is None)), "review_round": "0", "previous_file": "",
        "previous_sha256": "", "audit_hash": "", "data_hash": digest, "key_id": "", "signature": "",
    }


# ---------------------------------------------------------------- JSON, CSV, manifest


def write_json(result: CollectResult, path: Path) -> None:
    """The library result (``CollectResult.as_dict()``) as UTF-8 JSON, atomically."""
    text = json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str)
    atomic_write_text(path, text + "\n")


def csv_bytes(table: Table) -> bytes:
    """A table as CSV for Excel in a Vietnamese locale (opens by double-click in the right columns): ``;``
    between cells (the vi-VN list separator), decimal comma (``152,75``), UTF-8 with BOM, CRLF; text cells
    neutralised. (``criteria.csv``/``detail.csv`` are the machine tables: comma, decimal point.)"""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=EXCEL_VI_DELIMITER, lineterminator="\r\n")
    writer.writerow([csv_safe(clean_cell_text(c.label)) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(value, col.kind == NUMBER) for col, value in zip(table.columns, row)])
    return out.getvalue().encode("utf-8-sig")


def _csv_value(value: Any, decimal_places: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        return format_points(Decimal(str(value))) if decimal_places else format_number(Decimal(str(value)))
    return csv_safe(clean_cell_text(value))


def csv_exports(result: CollectResult) -> dict[str, bytes]:
    """Every CSV export by file name: summary, findings, evidence, and the merged criterion tables."""
    tables = dict(zip(CSV_FILES, (summary_table(result), findings_table(result), evidence_table(result))))
    out = {name: csv_bytes(table) for name, table in tables.items()}
    out.update(merged_csvs(result))
    return out


def write_csv_exports(result: CollectResult, folder: Path) -> list[Path]:
    """Every CSV export (``csv_exports``) in ``folder``, each written atomically; returns their paths."""
    paths = []
    for name, data in csv_exports(result).items():
        path = Path(folder) / name
        atomic_write_bytes(path, data)
        paths.append(path)
    return paths


def sha256_file(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_dict(result: CollectResult, path: Path, outputs: Iterable[Path] = (),
                  contents: dict[Path, bytes] | None = None) -> dict[str, Any]:
    """The run manifest: every input file (SHA-256, department, status, finding counts) and every output.

    Outputs are hashed from ``contents`` when given (bytes about to be written), else as they are on disk.
    """
    cfg, table = result.setup.config, result.setup.table
    inputs = [{"file": f.display_name, "path": f.path, "sha256": f.sha256, "size": f.size,
               "department": f.department, "status": f.status,
               "status_vi": FILE_STATUS_VI.get(f.status, f.status), "errors": f.errors, "warnings": f.warnings}
              for f in result.files]
    def _entry(p: Path) -> dict[str, Any]:
        if contents is not None and p in contents:
            data = contents[p]
            return {"file": _relative(p, Path(path).parent), "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data)}
        return {"file": _relative(p, Path(path).parent), "sha256": sha256_file(p), "size": p.stat().st_size}
    written = [_entry(Path(p)) for p in outputs]
    return {"kind": "collect_manifest", "generator": GENERATOR, "generator_version": __version__,
            "generated_at": result.generated_at, "ward": cfg.ward, "year": cfg.year,
            "template_id": table.template_id, "template_hash": table.content_hash, "inbox": result.inbox,
            "counts": result.as_dict()["counts"], "inputs": inputs, "outputs": written}


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


def write_manifest(result: CollectResult, path: Path, outputs: Iterable[Path] = ()) -> None:
    """The run manifest as JSON (see ``manifest_dict``), atomically; ``outputs`` are hashed as they are now."""
    text = json.dumps(manifest_dict(result, path, outputs), ensure_ascii=False, indent=2)
    atomic_write_text(path, text + "\n")


def manifest_path_for(master: Path) -> Path:
    """The manifest's default place: beside the master, ``<master stem>.manifest.json``."""
    return master.with_name(master.stem + ".manifest.json")


def write_outputs(result: CollectResult, master: Path, json_path: Path | None = None,
                  csv_folder: Path | None = None, manifest: Path | None = None,
                  signer: Signer | None = None,
                  before_replace: Callable[[list[Path]], object] | None = None) -> list[Path]:
    """Master, optional JSON and CSV exports and the manifest listing them all, written as one atomic step
    (``before_replace(targets)``: see ``safe_text.atomic_write_all``).

    Every file is built in memory first and staged beside its target; only then are they all renamed into
    place, so a failure leaves every previous output as it was. Returns every path written.
    """
    files: dict[Path, bytes] = {Path(master): master_bytes(result, signer)}
    if json_path is not None:
        text = json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n"
        files[Path(json_path)] = text.encode("utf-8")
    if csv_folder is not None:
        for name, data in csv_exports(result).items():
            files[Path(csv_folder) / name] = data
    manifest = Path(manifest or manifest_path_for(Path(master)))
    text = json.dumps(manifest_dict(result, manifest, list(files), files), ensure_ascii=False, indent=2) + "\n"
    files[manifest] = text.encode("utf-8")
    atomic_write_all(list(files.items()), before_replace)
    return list(files)
