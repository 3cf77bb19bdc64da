"""pandas tables of a collect run: department × criterion rows, the criterion × department matrix, safe CSV."""

import csv
import io
import random
from decimal import Decimal

import pytest

from bdg_workbook.collect.collector import collect
from bdg_workbook.demo.fill import EvidenceRow, fill_workbook, random_valid_answers
from bdg_workbook.master.csv_tables import criteria_frame, detail_matrix, merged_csvs


@pytest.fixture(scope="module")
def result(setup, generated_workbooks, tmp_path_factory):
    box = tmp_path_factory.mktemp("merge")
    rng = random.Random(11)
    for code in ("HLHPN", "TYT", "CA"):
        dept = next(d for d in setup.departments if d.code == code)
        answers = random_valid_answers(setup, dept, rng)
        if code == "TYT":
            answers.items["I.1"].value = True
            answers.evidence = [e for e in answers.evidence if e.code != "I.1"]       # E02: not counted
        if code == "CA":
            answers.evidence.append(EvidenceRow("I.1", "=HYPERLINK(\"http://x\")", "@SUM(1)"))
        fill_workbook(generated_workbooks / f"TDCD_2024_{code}.xlsx", box / f"TDCD_2024_{code}.xlsx", answers)
    return collect(box, setup, jobs=1)


def test_criteria_frame_has_every_department_and_criterion(setup, result):
    frame = criteria_frame(result)
    assert len(frame) == 3 * len(setup.table.criteria)
    for r in result.departments:
        rows = frame[frame.department == r.department.code]
        assert sum(rows.counted, Decimal(0)) == sum((i.points for i in r.card.items.values()), Decimal(0))
    tyt = frame[(frame.department == "TYT") & (frame.criterion == "I.1")].iloc[0]
    assert tyt.self == 5 and tyt.counted == 0 and tyt.excluded == "E02"


def test_detail_matrix_is_in_table_and_list_order_with_totals(setup, result):
    matrix = detail_matrix(result)
    assert list(matrix.index[:-1]) == [c.code for c in setup.table.criteria]
    assert list(matrix.columns) == ["HLHPN", "CA", "TYT"]
    for r in result.departments:
        assert matrix.loc["TỔNG ĐIỂM", r.department.code] == r.card.total


def test_csv_exports_are_neutralised_and_parse_back(result):
    files = merged_csvs(result)
    assert set(files) == {"criteria.csv", "detail.csv"}
    for data in files.values():
        assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    detail = list(csv.reader(io.StringIO(files["detail.csv"].decode("utf-8-sig"))))
    assert detail[0] == ["Mã tiêu chí", "HLHPN", "CA", "TYT"]
    assert detail[-1][0] == "TỔNG ĐIỂM"
