"""The tables every version of the master carries: findings, evidence register, bonus write-ups, received files.

The collector's master writes them (``collected_tables``) under defined names (``layout.master.CARRIED_TABLES``)
with their hash in meta ``tables_hash``; a review reads them back (``untrusted.master_reader``), checks the
hash, and writes them again into the next version (``reviewed_tables``): the findings of the round appended,
the bonus table's points updated to the points in force. No spreadsheet library is imported here except
through ``define_table_names``' workbook argument.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook

from bdg_workbook.domain.findings import ERROR, SEVERITY_VI, WARNING, Finding
from bdg_workbook.domain.result import CollectResult
from bdg_workbook.domain.scoring import ScoreCard
from bdg_workbook.layout.department import absolute
from bdg_workbook.layout.master import (CARRIED_TABLES, SHEET_BONUS, SHEET_EVIDENCE, SHEET_FILES, SHEET_FINDINGS,
                                        tables_hash)
from bdg_workbook.master.sheets import HEADER_ROW
from bdg_workbook.master.tables import Table, bonus_table, evidence_table, files_table, findings_table
from bdg_workbook.workbook.strict_writer import checked

BONUS_POINTS_COLUMN = -2          # bonus_table: "Điểm được tính của tiêu chí" (the last column is "Dòng")


def collected_tables(result: CollectResult) -> dict[str, Table]:
    """The carried tables of a collect run, by sheet."""
    return {SHEET_FINDINGS: findings_table(result), SHEET_EVIDENCE: evidence_table(result),
            SHEET_BONUS: bonus_table(result), SHEET_FILES: files_table(result)}


def table_rows(table: Table) -> list[list[Any]]:
    """Header labels then rows: what the defined name covers and the hash is computed over."""
    return [[c.label for c in table.columns]] + [list(row) for row in table.rows]


def carried_hash(tables: Mapping[str, Table]) -> str:
    """meta ``tables_hash`` of these tables."""
    return tables_hash({sheet: table_rows(t) for sheet, t in tables.items()})


def define_table_names(workbook: Workbook, tables: Mapping[str, Table]) -> None:
    """One defined name per carried table over its header and rows (as ``sheets.write_table`` placed them)."""
    for sheet, table in tables.items():
        first = xl_rowcol_to_cell(HEADER_ROW, 0)
        last = xl_rowcol_to_cell(HEADER_ROW + len(table.rows), len(table.columns) - 1)
        checked(workbook.define_name(CARRIED_TABLES[sheet], "=" + absolute(sheet, f"{first}:{last}")),
                f"tên vùng bảng trang {sheet}")


def read_back(fresh: Table, rows: list[list[Any]] | None) -> Table | None:
    """A carried table read from the previous version, with ``fresh``'s columns; None when its header differs."""
    if not rows:
        return None
    labels = [c.label for c in fresh.columns]
    if [_text(v) for v in rows[0]] != labels:
        return None
    return Table(fresh.columns, [list(r) for r in rows[1:]])


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def reviewed_tables(view: CollectResult, previous: Mapping[str, list[list[Any]]], round_findings: Sequence[Finding],
                    cards: Mapping[str, ScoreCard]) -> tuple[dict[str, Table], list[str]]:
    """The carried tables of the next version and the sheets whose previous table could not be used.

    ``view`` is the reviewed result (its findings: this round's), ``previous`` the tables read from the master,
    ``cards`` the points in force by department code (for the bonus table)."""
    fresh = collected_tables(view)
    out: dict[str, Table] = {}
    lost: list[str] = []
    for sheet, table in fresh.items():
        kept = read_back(table, previous.get(sheet))
        if kept is None and previous.get(sheet) is not None:
            lost.append(sheet)
        out[sheet] = kept or Table(table.columns, [] if sheet != SHEET_FINDINGS else table.rows)
    if previous.get(SHEET_FINDINGS) is not None and SHEET_FINDINGS not in lost:
        out[SHEET_FINDINGS] = Table(out[SHEET_FINDINGS].columns,
                                    out[SHEET_FINDINGS].rows + findings_table(_only(view, round_findings)).rows)
    out[SHEET_BONUS] = Table(out[SHEET_BONUS].columns, [_bonus_points(row, cards) for row in out[SHEET_BONUS].rows])
    return out, lost


def _only(view: CollectResult, findings: Sequence[Finding]) -> CollectResult:
    return CollectResult(view.setup, view.inbox, view.generated_at, findings=list(findings))


def _bonus_points(row: list[Any], cards: Mapping[str, ScoreCard]) -> list[Any]:
    """A bonus row with the criterion's points in force (verified) instead of the points when collected."""
    card = cards.get(_text(row[0]))
    code = _text(row[1])
    if card is None or code not in card.items:
        return row
    out = list(row)
    out[BONUS_POINTS_COLUMN] = card.items[code].points
    return out


def severity_counts(table: Table) -> tuple[int, int]:
    """(errors, warnings) listed in a findings table (its first column is the Vietnamese level)."""
    levels = [_text(row[0]) for row in table.rows]
    return levels.count(SEVERITY_VI[ERROR]), levels.count(SEVERITY_VI[WARNING])

