"""Setup-file validation through ``bdg-workbook criteria check``: each kind of problem is reported once,
in Vietnamese, at its file:line (path); several problems in one run are all reported; exit code 2.

Bad files are made by loading the shipped templates, changing the data and dumping it to tmp_path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from bdg_workbook.cli.main import main
from bdg_workbook.config.load import load_criteria
from bdg_workbook.config.templates import TEMPLATES_DIR
from template_mutation import FILE_NAMES, dump, line_of, problem_lines, shipped, write_setup


@dataclass(frozen=True)
class Case:
    """One kind of problem: the file it is in, how to make it, and where each reported problem must point."""

    kind: str
    mutate: Callable[[Any], None]
    expected: tuple[tuple[str, tuple[str, ...]], ...]  # (YAML path, needles for line_of)
    words: str = ""  # a word the message must contain


def crit(data: dict, section: int, item: int) -> dict:
    return data["sections"][section]["criteria"][item]


def setter(getter: Callable[[Any], dict], key: str, value: Any) -> Callable[[Any], None]:
    def mutate(data: Any) -> None:
        getter(data)[key] = value
    return mutate


def deleter(getter: Callable[[Any], dict], key: str) -> Callable[[Any], None]:
    def mutate(data: Any) -> None:
        del getter(data)[key]
    return mutate


def swap_bands(data: dict) -> None:
    bands = data["rating_bands"]["bands"]
    bands[1], bands[2] = bands[2], bands[1]


CASES = {
    "method_unknown": Case("criteria", setter(lambda d: crit(d, 1, 0), "method", "đếm"),
                           (("sections[1].criteria[0].method", ("code: II.1", "method:")),), "yesno, ratio"),
    "max_not_a_number": Case("criteria", setter(lambda d: crit(d, 1, 2), "max", "mười lăm"),
                             (("sections[1].criteria[2].max", ("code: II.3", "max:")),), "phải là một số"),
    "max_decimal_comma": Case("criteria", setter(lambda d: crit(d, 0, 0), "max", "5,5"),
                              (("sections[0].criteria[0].max", ("code: I.1", "max:")),), "dấu chấm"),
    "duplicate_code": Case("criteria", setter(lambda d: crit(d, 1, 2), "code", "II.1"),
                           (("sections[1].criteria[2].code", ("code: II.2", "code: II.1")),), "bị trùng"),
    "code_of_other_section": Case("criteria", setter(lambda d: crit(d, 1, 0), "code", "III.9"),
                                  (("sections[1].criteria[0].code", ("code: II", "code: III.9")),), "không thuộc"),
    "ratio_without_unit": Case("criteria", deleter(lambda d: crit(d, 0, 2), "unit"),
                               (("sections[0].criteria[2].unit", ("code: I.3",)),), "unit"),
    "ratio_target_zero": Case("criteria", setter(lambda d: crit(d, 0, 2), "default_target", 0),
                              (("sections[0].criteria[2].default_target", ("code: I.3", "default_target:")),),
                              "lớn hơn 0"),
    "count_without_points_each": Case("criteria", deleter(lambda d: crit(d, 4, 0), "points_each"),
                                      (("sections[4].criteria[0].points_each", ("code: V.1",)),), "points_each"),
    "penalty_not_count": Case("criteria", setter(lambda d: crit(d, 4, 2), "method", "yesno"),
                              (("sections[4].criteria[2].method", ("code: V.3", "method:")),), "count"),
    "items_do_not_add_up": Case("criteria", setter(lambda d: crit(d, 1, 0), "max", 25),
                                (("sections[1].max", ("code: II", "max:")),), "145"),
    "base_max_and_total": Case("criteria", setter(lambda d: d["scale"], "base_max", 170),
                               (("scale.base_max", ("scale:", "base_max:")),
                                ("scale.total_max", ("scale:", "total_max:"))), "base_max"),
    "bonus_cap_differs": Case("criteria", setter(lambda d: d["sections"][3], "cap", 25),
                              (("sections[3].cap", ("code: IV", "cap:")),), "scale"),
    "penalty_scale_differs": Case("criteria", setter(lambda d: d["scale"], "penalty_cap", 15),
                                  (("sections[4].cap", ("code: V", "cap:")),), "15"),
    "bonus_item_over_cap": Case("criteria", setter(lambda d: crit(d, 3, 0), "max", 25),
                                (("sections[3].criteria[0].max", ("code: IV.1", "max:")),), "trần"),
    "bands_out_of_order": Case("criteria", swap_bands,
                               (("rating_bands.bands[2].min", ("rating_bands:", "label: Tốt", "min:")),),
                               "từ cao xuống thấp"),
    "bands_not_ending_at_zero": Case("criteria", setter(lambda d: d["rating_bands"]["bands"][-1], "min", 50),
                                     (("rating_bands.bands[4].min", ("rating_bands:", "label: Yếu", "min:")),),
                                     "min: 0"),
    "top_band_unknown_code": Case("criteria",
                                  setter(lambda d: d["rating_bands"]["top_band_conditions"], "no_deductions_in",
                                         ["V.3", "V.9"]),
                                  (("rating_bands.top_band_conditions.no_deductions_in[1]",
                                    ("no_deductions_in:", "V.9")),), "V.9"),
    "justification_not_bool": Case("criteria", setter(lambda d: crit(d, 3, 1), "requires_five_point_justification",
                                                      "có"),
                                   (("sections[3].criteria[1].requires_five_point_justification",
                                     ("code: IV.2", "requires_five_point_justification:")),), "true/false"),
    "criterion_not_a_mapping": Case("criteria", lambda d: d["sections"][1]["criteria"].append("II.11 Tiêu chí mới"),
                                    (("sections[1].criteria[10]", ("code: II.10", "II.11 Tiêu chí mới")),),
                                    "mapping"),
    "allow_na_in_part_i": Case("criteria", setter(lambda d: crit(d, 0, 0), "allow_na", True),
                               (("sections[0].criteria[0].allow_na", ("code: I.1", "allow_na:")),), "Không áp dụng"),
    "scale_names_other_sections": Case("criteria", setter(lambda d: d["scale"], "base_sections", ["I", "II"]),
                                       (("scale.base_sections", ("scale:", "base_sections:")),), "III"),
    "top_band_pct_over_100": Case("criteria",
                                  setter(lambda d: d["rating_bands"]["top_band_conditions"]["section_min_pct"],
                                         "pct", 180),
                                  (("rating_bands.top_band_conditions.section_min_pct.pct",
                                    ("top_band_conditions:", "section_min_pct:", "pct:")),), "0 đến 100"),
    "dept_code_lower_case": Case("departments", setter(lambda d: d["units"][0], "code", "mttq"),
                                 (("units[0].code", ("code: mttq",)),), "in hoa ASCII"),
    "dept_code_not_ascii": Case("departments", setter(lambda d: d["units"][1], "code", "HỘIPN"),
                                (("units[1].code", ("code: HỘIPN",)),), "in hoa ASCII"),
    "dept_code_duplicate": Case("departments", setter(lambda d: d["units"][2], "code", "MTTQ"),
                                (("units[2].code", ("code: MTTQ", "code: MTTQ")),), "bị trùng"),
    "dept_unknown_criterion": Case("departments", lambda d: d["units"][0]["main_criteria"].append("II.99"),
                                   (("units[0].main_criteria[4]", ("code: MTTQ", "II.99")),), "II.99"),
    "dept_bad_email": Case("departments", setter(lambda d: d["units"][0], "email", "mttq@"),
                           (("units[0].email", ("code: MTTQ", "email:")),), "email"),
    "config_period_reversed": Case("config", setter(lambda d: d["period"], "start", dt.date(2024, 10, 1)),
                                   (("period.end", ("period:", "end:")),), "30/09/2024"),
    "config_deadline_order": Case("config", setter(lambda d: d["deadlines"], "department_to_ward",
                                                   dt.date(2024, 10, 15)),
                                  (("deadlines.department_to_ward", ("deadlines:", "department_to_ward:")),),
                                  "15/10/2024"),
    "config_year_mismatch": Case("config", setter(lambda d: d, "year", 2025),
                                 (("year", ("year:",)),), "2025"),
    "config_date_text": Case("config", setter(lambda d: d["period"], "end", "30/09/2024"),
                             (("period.end", ("period:", "end:")),), "NNNN-TT-NN"),
}


def run_check(runner, tmp_path, mutate):
    args, texts = write_setup(tmp_path, mutate)
    return runner.invoke(main, ["criteria", "check", *args]), texts


def expected_location(case_kind: str, texts: dict[str, str], path: str, needles: tuple[str, ...]) -> str:
    return f"{FILE_NAMES[case_kind]}:{line_of(texts[case_kind], *needles)} ({path})"


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_problem_reported_once_at_its_location(runner, tmp_path, name):
    case = CASES[name]
    result, texts = run_check(runner, tmp_path, {case.kind: case.mutate})
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    reported = problem_lines(result.stderr)
    assert f"có {len(case.expected)} vấn đề" in result.stderr
    assert len(reported) == len(case.expected), result.stderr   # no follow-on noise
    for path, needles in case.expected:
        where = expected_location(case.kind, texts, path, needles)
        assert any(line.startswith(f"  - {where}: ") for line in reported), (where, result.stderr)
    assert case.words in result.stderr


def test_many_problems_in_three_files_all_reported(runner, tmp_path):
    picked = ["method_unknown", "max_not_a_number", "base_max_and_total", "bands_out_of_order",
              "dept_code_not_ascii", "dept_code_duplicate", "config_period_reversed"]
    by_kind: dict[str, list[Case]] = {}
    for name in picked:
        by_kind.setdefault(CASES[name].kind, []).append(CASES[name])

    def combined(cases):
        def mutate(data):
            for case in cases:
                case.mutate(data)
        return mutate

    result, texts = run_check(runner, tmp_path, {kind: combined(cases) for kind, cases in by_kind.items()})
    assert result.exit_code == 2
    expected = [expected_location(kind, texts, path, needles)
                for kind, cases in by_kind.items() for case in cases for path, needles in case.expected]
    assert len(expected) == 8
    reported = problem_lines(result.stderr)
    assert len(reported) == len(expected), result.stderr
    for where in expected:
        assert any(line.startswith(f"  - {where}: ") for line in reported), (where, result.stderr)


def test_bad_method_does_not_hide_other_problems_of_the_same_item(runner, tmp_path):
    def mutate(data):
        item = crit(data, 0, 2)  # I.3, ratio
        item.update(method="tile", max="bốn", text="")
    result, texts = run_check(runner, tmp_path, {"criteria": mutate})
    reported = "\n".join(problem_lines(result.stderr))
    for key in ("method", "max", "text"):
        assert f"(sections[0].criteria[2].{key}):" in reported
    assert len(problem_lines(result.stderr)) == 3


def test_impossible_unquoted_date_in_the_shipped_text(runner, tmp_path):
    text = (TEMPLATES_DIR / "config.yaml").read_text(encoding="utf-8")
    assert "  end: 2024-09-30" in text
    bad = text.replace("  end: 2024-09-30", "  end: 2024-09-31")
    (tmp_path / "config.yaml").write_text(bad, encoding="utf-8")
    result = runner.invoke(main, ["criteria", "check", "--config", str(tmp_path / "config.yaml")])
    assert result.exit_code == 2
    line = line_of(bad, "period:", "end:")
    assert f"config.yaml:{line} (period.end): " in result.stderr
    assert "2024-09-31" in result.stderr


def test_yaml_syntax_error_names_the_line(runner, tmp_path):
    text = (TEMPLATES_DIR / "departments.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip() == 'short_name: "Hội LHPN phường"')
    lines[index] = lines[index].replace("short_name:", " short_name:")   # one space too many
    (tmp_path / "departments.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["criteria", "check", "--departments", str(tmp_path / "departments.yaml")])
    assert result.exit_code == 2
    assert f"departments.yaml:{index + 1}" in result.stderr
    assert "sai cú pháp" in result.stderr


def test_duplicate_key_is_reported(runner, tmp_path):
    text = (TEMPLATES_DIR / "criteria-2024.yaml").read_text(encoding="utf-8")
    anchor = '      - code: "I.4"\n'
    assert anchor in text
    bad = text.replace(anchor, anchor + "        max: 3\n")   # I.4 now has two 'max' lines (3, then 2)
    (tmp_path / "c.yaml").write_text(bad, encoding="utf-8")
    result = runner.invoke(main, ["criteria", "check", "--criteria", str(tmp_path / "c.yaml")])
    assert result.exit_code == 2
    second = line_of(bad, 'code: "I.4"', "max:", "max:")   # the original 'max: 2' line, now the repeat
    assert f"c.yaml:{second} (sections[0].criteria[3].max): " in result.stderr
    assert "hai lần" in result.stderr


def test_missing_file(runner, tmp_path):
    result = runner.invoke(main, ["criteria", "check", "--criteria", str(tmp_path / "khong-co.yaml")])
    assert result.exit_code == 2
    assert "khong-co.yaml" in result.stderr and "Không tìm thấy" in result.stderr


def test_check_writes_nothing(runner, tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    args, _ = write_setup(tmp_path / "in", {"criteria": CASES["method_unknown"].mutate})
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = runner.invoke(main, ["criteria", "check", *args])
    assert result.exit_code == 2
    assert list(work.iterdir()) == []
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == sorted(FILE_NAMES.values())


def test_allow_na_can_be_switched_off_per_item(tmp_path):
    data = shipped("criteria")
    crit(data, 1, 4)["allow_na"] = False     # II.5
    dump(data, tmp_path / "c.yaml")
    table = load_criteria(tmp_path / "c.yaml")
    assert not table.criterion("II.5").allow_na
    assert table.criterion("II.6").allow_na
    assert load_criteria().criterion("II.5").allow_na
