"""``bdg-workbook criteria check|show`` on good files: summary, warning for a reconstructed table, the terminal
table and the JSON dump (bad files: test_templates.py)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bdg_workbook.cli.main import main
from bdg_workbook.config.criteria_view import COLUMNS
from template_mutation import write_setup


def test_check_shipped_default(runner, setup):
    result = runner.invoke(main, ["criteria", "check"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    words = " ".join(out.split())
    table = setup.table
    for expected in (table.template_id, table.version, table.content_hash[:12], "29 tiêu chí",
                     "Phần I 6 tiêu chí, tối đa 20 điểm (cơ bản)", "Phần II 10 tiêu chí, tối đa 140 điểm (cơ bản)",
                     "Phần III 5 tiêu chí", "Phần IV 4 tiêu chí, trần 20 điểm (điểm thưởng)",
                     "Phần V 4 tiêu chí, trần 20 điểm (điểm trừ)", "Điểm cơ bản tối đa 180", "tổng tối đa 200",
                     f"{len(setup.departments)} đơn vị", "năm 2024"):
        assert expected in words, expected
    warning = [line for line in out.splitlines() if line.startswith("CẢNH BÁO")]
    assert len(warning) == 1 and "official: false" in warning[0] and "--criteria" in warning[0]
    assert result.stderr == ""


def test_criteria_without_subcommand_runs_check(runner):
    result = runner.invoke(main, ["criteria"])
    assert result.exit_code == 0
    assert "Ba tệp mẫu hợp lệ" in result.stdout


def test_official_table_has_no_warning(runner, tmp_path):
    args, _ = write_setup(tmp_path, {"criteria": lambda d: d["meta"].update(official=True)})
    result = runner.invoke(main, ["criteria", "check", *args])
    assert result.exit_code == 0, result.output
    assert "CẢNH BÁO" not in result.output


def test_show_table_fits_the_width(runner, setup):
    result = runner.invoke(main, ["criteria", "show", "--width", "100"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 100 for line in lines), max(lines, key=len)
    header = next(line for line in lines if line.startswith("Mã ") and "Nội dung" in line)
    for column in ("Điểm", "Cách chấm", "Đơn vị tính", "Chỉ tiêu", "KAD", "TM", "Nội dung"):
        assert column in header
    codes = {c.code for c in setup.table.criteria}
    rows = {line.split()[0]: line for line in lines if line.split() and line.split()[0] in codes}
    assert len(rows) == 29
    assert cells(rows["I.3"]) == ["I.3", "4", "Tỷ lệ", "văn bản", "2", "-", "-"]
    assert cells(rows["II.5"]) == ["II.5", "15", "Tỷ lệ", "% nữ", "30", "có", "-"]
    assert cells(rows["II.6"])[3] == "lượt phụ nữ đượ…"                      # long unit cut to its column
    assert cells(rows["IV.1"]) == ["IV.1", "10", "Đếm", "mô hình/cách làm", "5đ/lần", "-", "có"]
    assert cells(rows["V.1"]) == ["V.1", "6", "Đếm", "lần", "2đ/lần", "-", "-"]
    assert any(line.rstrip().endswith("…") for line in lines)                 # long texts are cut
    assert lines[2].startswith("CẢNH BÁO") and "official: false" in result.stdout


def test_show_table_decimal_comma(runner, tmp_path):
    def halves(data):
        items = data["sections"][0]["criteria"]
        items[0]["max"], items[1]["max"] = 4.5, 3.5   # still 20 in part I
    args, _ = write_setup(tmp_path, {"criteria": halves})
    result = runner.invoke(main, ["criteria", "show", "--width", "120", *args])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.startswith("I.1 "))
    assert row.split()[1] == "4,5"


def test_show_json_round_trips_every_criterion(runner, setup):
    result = runner.invoke(main, ["criteria", "show", "--format", "json"])
    assert result.exit_code == 0, result.output
    dump = json.loads(result.stdout)
    table = setup.table
    assert dump["template_id"] == table.template_id and dump["content_hash"] == table.content_hash
    assert dump["official"] is False
    assert len(dump["criteria"]) == 29
    assert [c["code"] for c in dump["criteria"]] == [c.code for c in table.criteria]
    for item, crit in zip(dump["criteria"], table.criteria):
        assert Decimal(item["max"]) == crit.max
        assert item["method"] == crit.method and item["unit"] == crit.unit and item["text"] == crit.text
        assert (item["default_target"] is None) == (crit.default_target is None)
        if crit.default_target is not None:
            assert Decimal(item["default_target"]) == crit.default_target
        if crit.points_each is not None:
            assert Decimal(item["points_each"]) == crit.points_each
        assert item["allow_na"] is crit.allow_na
        assert item["requires_five_point_justification"] is crit.requires_justification
        assert item["evidence"] == list(crit.evidence)
    assert [(s["code"], Decimal(s["max"]), len(s["criteria"])) for s in dump["sections"]] == \
        [(s.code, s.max, len(s.criteria)) for s in table.sections]
    assert [Decimal(b["min"]) for b in dump["rating_bands"]] == [b.min for b in table.bands]
    assert dump["top_band_conditions"] == {"no_deductions_in": ["V.3", "V.4"],
                                           "section_min_pct": {"section": "II", "pct": "80"}}


def test_json_numbers_are_all_strings(runner):
    dump = json.loads(runner.invoke(main, ["criteria", "show", "--format", "json"]).stdout)
    numbers = [dump["scale"][k] for k in dump["scale"]]
    numbers += [s["max"] for s in dump["sections"]] + [b["min"] for b in dump["rating_bands"]]
    for item in dump["criteria"]:
        numbers += [item[k] for k in ("max", "default_target", "points_each") if item[k] is not None]
    assert numbers and all(isinstance(n, str) and Decimal(n) >= 0 for n in numbers)


def cells(row: str) -> list[str]:
    """The fixed columns of one table row, cut at the widths the view uses."""
    out, pos = [], 0
    for _, width, _ in COLUMNS:
        out.append(row[pos:pos + width].strip())
        pos += width + 1
    return out


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_show_refuses_a_bad_table(runner, tmp_path, fmt):
    args, _ = write_setup(tmp_path, {"criteria": lambda d: d["sections"][0]["criteria"][0].update(method="x")})
    result = runner.invoke(main, ["criteria", "show", "--format", fmt, *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "(sections[0].criteria[0].method)" in result.stderr


def test_show_unknown_format_is_a_usage_error(runner):
    result = runner.invoke(main, ["criteria", "show", "--format", "xml"])
    assert result.exit_code == 2
