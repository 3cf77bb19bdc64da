"""Issue 11 item 4: click's own texts in Vietnamese — checked against the installed click's messages, so a
click release that adds or changes a text fails here instead of printing English."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import click
import pytest

from bdg_workbook.cli.click_vi import CLICK_VI, DOMAIN, vietnamese_click
from bdg_workbook.cli.main import main

ENGLISH = ("Usage:", "Options:", "Commands:", "Error:", "Missing argument", "No such option", "No such command",
           "does not exist", "Invalid value", "Show this message", "for help", "Did you mean", "is not in the range",
           ", version", "[OPTIONS]", "COMMAND [ARGS]", "DIRECTORY", "INTEGER", "FILE", "PATH", "TEXT")


def click_messages() -> set[str]:
    """Every literal text the installed click passes to ``gettext``/``ngettext``."""
    found: set[str] = set()
    for source in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text("utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                found.update(a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return found


def test_every_click_text_has_a_vietnamese_translation():
    missing = sorted(click_messages() - set(CLICK_VI))
    assert not missing, f"click texts without a Vietnamese translation (add them to CLICK_VI): {missing}"


# texts of the other click releases setup.cfg allows (older 8.2-8.3, newer 8.5), translated too
OLDER_CLICK = {"(Possible options: {possibilities})", "Error: The value you entered was invalid.",
               "Error: {e.message}", "No such option: {name}", "{text} {deprecated_message}",
               "{value!r} is not a valid boolean.",
               "Positional arguments"}   # click 8.5


def test_no_translation_is_for_a_text_click_no_longer_has():
    from importlib.metadata import version
    if tuple(int(x) for x in version("click").split(".")[:2]) < (8, 4):
        pytest.skip("the table follows the newest click; older releases: every text translated (test above)")
    stale = sorted(set(CLICK_VI) - click_messages() - OLDER_CLICK)
    assert not stale, f"CLICK_VI entries click no longer uses (a changed msgid?): {stale}"


def test_placeholders_survive_translation():
    import string
    for english, vietnamese in CLICK_VI.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(english) if f is not None}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(vietnamese) if f is not None}, english
        assert english.count("%(") == vietnamese.count("%("), english


@pytest.mark.parametrize("args, expected", [
    (["collect"], "Lỗi: Thiếu đối số 'INBOX'."),
    (["collect", "khong-co-thu-muc-nay"], "Thư mục 'khong-co-thu-muc-nay' không tồn tại."),
    (["generate", "--bogus"], "Lỗi: Không có tùy chọn"),   # "'--bogus'." (click 8.4) or ": --bogus" (8.2)
    (["demo", "--jobs", "0"], "Giá trị không hợp lệ cho '--jobs': 0 không nằm trong khoảng"),
    (["demo", "--seed", "abc"], "'abc' không phải số nguyên hợp lệ."),
    (["colect"], "Không có lệnh 'colect'."),
    (["criteria", "show", "--format", "xml"], "'xml' không phải một trong 'table', 'json'."),
])
def test_usage_errors_are_vietnamese(runner, args, expected):
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert expected in result.output, result.output
    assert "Cách dùng:" in result.output and "để xem hướng dẫn" in result.output
    for english in ENGLISH:
        assert english not in result.output, (english, result.output)


@pytest.mark.parametrize("args", [["--help"], ["collect", "--help"], ["generate", "--help"], ["keys", "--help"]])
def test_help_is_vietnamese(runner, args):
    result = runner.invoke(main, args)
    assert result.exit_code == 0
    assert "Cách dùng:" in result.output and "Tùy chọn:" in result.output
    assert "Hiện hướng dẫn này rồi thoát." in result.output
    assert "[TÙY_CHỌN]" in result.output
    for english in ENGLISH:
        assert english not in result.output, (english, result.output)


def test_version_is_vietnamese(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and "bdg-workbook, phiên bản " in result.output


def test_the_translation_is_undone_after_main(runner):
    runner.invoke(main, ["collect"])
    assert gettext.textdomain() != DOMAIN
    assert gettext.gettext("Usage:") == "Usage:"
    with vietnamese_click():
        assert gettext.gettext("Usage:") == "Cách dùng:"
        assert gettext.ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.",
                                2) == "Tùy chọn {name!r} cần {nargs} giá trị."
    assert gettext.gettext("Usage:") == "Usage:"
