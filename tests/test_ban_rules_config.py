"""Issue 13.1/13.2: the Ban's rules in the templates (targets, proposable targets, which criteria each unit
may mark N/A, the applicable floor) are loaded, merged by kind of unit, and every bad value is reported by
``criteria check`` with its file:line."""

from __future__ import annotations

from decimal import Decimal

from bdg_workbook.cli.main import main
from bdg_workbook.config.load import load_setup
from bdg_workbook.domain.scoring import ItemInput, score
from template_mutation import write_setup


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _unit(data, code):
    return next(u for u in data["units"] if u["code"] == code)


def test_shipped_rules(setup):
    table = setup.table
    assert table.na_min_applicable_pct == 30 and table.criterion("II.8").target_proposable
    assert not table.criterion("II.6").target_proposable
    hlhpn = next(d for d in setup.departments if d.code == "HLHPN")
    assert hlhpn.na_allowed == ("II.5", "II.9")
    assert hlhpn.may_be_na(table.criterion("II.5")) and not hlhpn.may_be_na(table.criterion("II.1"))
    assert not hlhpn.may_be_na(table.criterion("I.1"))      # part I is never N/A (table policy)
    assert hlhpn.target_for(table.criterion("II.6")) == 10


def test_kind_rules_merge_with_the_units(tmp_path):
    def departments(d):
        d["kinds"] = {"su_nghiep": {"targets": {"II.9": 6, "II.8": 80}, "not_applicable": ["II.5"]}}
        _unit(d, "TTH")["targets"] = {"II.9": 8}
        _unit(d, "TTH").pop("not_applicable")
    args, _ = write_setup(tmp_path, {"departments": departments})
    setup = load_setup(*(tmp_path / n for n in ("criteria-2024.yaml", "departments.yaml", "config.yaml")))
    units = {d.code: d for d in setup.departments}
    table = setup.table
    assert units["TTH"].target_for(table.criterion("II.9")) == 8            # the unit's own entry wins
    assert units["TTH"].target_for(table.criterion("II.8")) == 80           # the kind's
    assert units["TTH"].na_allowed == ("II.5",)                             # the kind's list
    assert units["TMN"].target_for(table.criterion("II.9")) == 6
    assert units["HLHPN"].target_for(table.criterion("II.9")) == 2          # the table's default


def test_criteria_check_reports_bad_rules_with_file_and_line(runner, tmp_path):
    def departments(d):
        unit = _unit(d, "HLHPN")
        unit["targets"] = {"I.1": 3, "II.6": 0, "X.9": 2}
        unit["not_applicable"] = ["I.1", "II.99"]

    args, texts = write_setup(tmp_path, {"departments": departments})
    result = runner.invoke(main, ["criteria", "check", *args])
    assert result.exit_code == 2, result.output
    out, dep = result.output, texts["departments"]
    expected = {
        f"departments.yaml:{_line(dep, 'I.1: 3')}": "không chấm theo tỷ lệ",
        f"departments.yaml:{_line(dep, 'II.6: 0')}": "phải lớn hơn 0",
        f"departments.yaml:{_line(dep, 'X.9: 2')}": "không có trong bảng tiêu chí",
        f"departments.yaml:{_line(dep, '- I.1')}": "Bảng tiêu chí không cho phép tiêu chí I.1",
        f"departments.yaml:{_line(dep, '- II.99')}": "không có trong bảng tiêu chí",
    }
    for where, words in expected.items():
        assert any(where in line and words in line for line in out.splitlines()), (where, words, out)


def test_criteria_check_reports_bad_table_rules_with_file_and_line(runner, tmp_path):
    def criteria(d):
        d["not_applicable_policy"]["min_applicable_pct"] = 150
        d["sections"][0]["criteria"][0]["target_proposable"] = True      # I.1 is yes/no: no target
    args, texts = write_setup(tmp_path, {"criteria": criteria})
    result = runner.invoke(main, ["criteria", "check", *args])
    assert result.exit_code == 2, result.output
    out, crit = result.output, texts["criteria"]
    expected = {
        f"criteria-2024.yaml:{_line(crit, 'min_applicable_pct')}": "từ 0 đến 100",
        f"criteria-2024.yaml:{_line(crit, 'target_proposable: true')}": "chỉ dùng cho tiêu chí tỷ lệ",
    }
    for where, words in expected.items():
        assert any(where in line and words in line for line in out.splitlines()), (where, words, out)


def test_floor_stops_a_unit_with_few_applicable_items_from_scaling_to_the_top(setup):
    """Issue 13.2: one applicable part-II item at full marks no longer scales the unit to 180."""
    table = setup.table
    inputs = {c.code: ItemInput(True) for c in table.criteria if c.method == "yesno" and c.section in ("I", "III")}
    for c in table.criteria:
        if c.method == "ratio" and c.section in ("I", "III"):
            inputs[c.code] = ItemInput(Decimal(100), c.default_target)
        if c.method == "percent" and c.section in ("I", "III"):
            inputs[c.code] = ItemInput(Decimal(100))
    for c in table.section("II").criteria:
        inputs[c.code] = ItemInput(not_applicable=True)
    inputs["II.1"] = ItemInput(Decimal(4), Decimal(4))
    card = score(table, inputs)
    assert card.sections["II"].applicable_max == 42                         # 30 % of 140, not 20
    assert card.base == Decimal("131.71")                                   # 60 x 180 / (20 + 42 + 20), not 180
