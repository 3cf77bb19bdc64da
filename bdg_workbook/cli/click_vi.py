"""click's own texts in Vietnamese: usage errors, help headings, the help and version options.

click passes every text it shows through the standard library's ``gettext.gettext``/``ngettext`` (each of
its modules does ``from gettext import gettext as _``). Those look the text up with
``gettext.dgettext``/``dngettext`` in the current text domain. ``vietnamese_click()`` makes our own domain
current and answers it from ``CLICK_VI`` for as long as ``main()`` runs, then puts everything back; no
.mo file, no locale or environment variable involved. The test suite compares ``CLICK_VI`` with the
messages of the installed click (a new click with a changed text fails a test instead of printing
English) and runs the real commands.

Type names that click computes once at import (``click.Path``'s "file"/"directory"/"path", "integer",
"integer range", …) are shown in help (``--out THƯ MỤC``) and in errors, and the usage placeholders
``[OPTIONS]``/``COMMAND [ARGS]...`` are attributes of each command: ``translate_command_texts`` sets them
before parsing.
"""

from __future__ import annotations

import gettext
from contextlib import contextmanager
from typing import Iterator

import click

DOMAIN = "bdg_workbook_click"

CLICK_VI: dict[str, str] = {
    # headings and built-in options
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Tham số",   # click ≥ 8.5
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện số phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "deprecated": "không còn dùng",
    "env var: {var}": "biến môi trường: {var}",
    "default: {default}": "mặc định: {default}",
    "(dynamic)": "(tính khi chạy)",
    # usage errors
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Chạy '{command} {option}' để xem hướng dẫn.",
    "Missing argument": "Thiếu đối số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing command.": "Thiếu lệnh.",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "Did you mean {possibility}?": "Có phải ý bạn là {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải ý bạn là một trong: {possibilities}?)",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "unknown error": "lỗi không xác định",
    "Aborted!": "Đã dừng!",
    "Got unexpected extra argument ({args})": "Thừa đối số ({args})",
    "Got unexpected extra arguments ({args})": "Thừa các đối số ({args})",
    "Value must be an iterable.": "Giá trị phải là một dãy.",
    "Takes {nargs} values but 1 was given.": "Cần {nargs} giá trị nhưng chỉ có 1.",
    "Takes {nargs} values but {len} were given.": "Cần {nargs} giá trị nhưng có {len}.",
    "Invalid start character for option ({option})": "Ký tự đầu của tùy chọn không hợp lệ ({option})",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Option {name!r} requires an argument.": "Tùy chọn {name!r} cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "Tùy chọn {name!r} cần {nargs} giá trị.",
    "Argument {name!r} takes {nargs} values.": "Đối số {name!r} nhận {nargs} giá trị.",
    # parameter types
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "{value!r} is not {choice}.": "{value!r} không phải là {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} không phải một trong {choices}.",
    "Choice({choices})": "Lựa chọn({choices})",
    "{value!r} does not match the format {format}.": "{value!r} không đúng dạng {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} không đúng dạng nào trong {formats}.",
    "{value} is not in the range {range}.": "{value} không nằm trong khoảng {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} không phải giá trị đúng/sai. Các giá trị được nhận: {states}",
    "{len_type} values are required, but {len_value} was given.": "Cần {len_type} giá trị nhưng có {len_value}.",
    "{len_type} values are required, but {len_value} were given.": "Cần {len_type} giá trị nhưng có {len_value}.",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải {number_type} hợp lệ.",
    "{value!r} is not a valid UUID.": "{value!r} không phải UUID hợp lệ.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp, cần một thư mục.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục, cần một tệp.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} không đọc được (không có quyền đọc).",
    "{name} {filename!r} is not writable.": "{name} {filename!r} không ghi được (không có quyền ghi).",
    "{name} {filename!r} is not executable.": "{name} {filename!r} không chạy được.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    # prompts and terminal
    "Do you want to continue?": "Bạn có muốn tiếp tục không?",
    "Confirm the action without prompting.": "Xác nhận luôn, không hỏi lại.",
    "Press any key to continue...": "Nhấn phím bất kỳ để tiếp tục...",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai giá trị vừa nhập không khớp nhau.",
    "Error: invalid input": "Lỗi: giá trị nhập không hợp lệ",
    "Unknown color {colour!r}": "Không có màu {colour!r}",
    "Unknown standard stream '{name}'": "Không có luồng chuẩn '{name}'",
    "Windows error: {error}": "Lỗi Windows: {error}",
    "{editor}: Editing failed": "{editor}: sửa không thành công",
    "{editor}: Editing failed: {e}": "{editor}: sửa không thành công: {e}",
    "Couldn't detect Bash version, shell completion is not supported.":
        "Không xác định được phiên bản Bash; không hỗ trợ tự hoàn thành lệnh.",
    "Shell completion is not supported for Bash versions older than 4.4.":
        "Không hỗ trợ tự hoàn thành lệnh với Bash cũ hơn 4.4.",
    # mistakes in a program's own declarations (shown only to its developers, translated all the same)
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        "Cảnh báo: lệnh {name!r} không còn được dùng.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "Cảnh báo: {param_type} {name!r} không còn được dùng.{extra_message}",
    "Could not determine name for option with declarations {decls!r}":
        "Không xác định được tên tùy chọn từ khai báo {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
    "Did you mean to pass '--{name}'?":
        "Chưa khai báo tùy chọn nhưng có tên ({name}). Có phải ý bạn là khai báo một đối số, hay truyền "
        "'--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.":
        "Mỗi đối số khai báo đúng một tên, ở đây có {length}: {decls}.",
    "Name '{name}' defined twice": "Tên '{name}' được khai báo hai lần",
    "Boolean option {decl!r} cannot use the same flag for true/false.":
        "Tùy chọn đúng/sai {decl!r} không thể dùng cùng một cờ cho cả hai giá trị.",
    "d": "d",   # a format letter in the progress bar's ETA, not a word
    # click 8.2-8.3 only (setup.cfg allows click>=8.2)
    "(Possible options: {possibilities})": "(Các tùy chọn có thể dùng: {possibilities})",
    "Error: The value you entered was invalid.": "Lỗi: giá trị vừa nhập không hợp lệ.",
    "Error: {e.message}": "Lỗi: {e.message}",
    "No such option: {name}": "Không có tùy chọn: {name}",
    "{text} {deprecated_message}": "{text} {deprecated_message}",
    "{value!r} is not a valid boolean.": "{value!r} không phải giá trị đúng/sai.",
}

# click type names set once at import (``ParamType.name``): shown as metavars and inside messages
TYPE_NAMES_VI: dict[str, str] = {
    "file": "tệp", "directory": "thư mục", "path": "đường dẫn", "text": "chữ", "choice": "lựa chọn",
    "datetime": "ngày giờ", "integer": "số nguyên", "integer range": "số nguyên", "float": "số",
    "float range": "số", "boolean": "đúng/sai", "uuid": "UUID", "filename": "tên tệp",
}


class VietnameseClick(gettext.NullTranslations):
    """click's English texts answered in Vietnamese (``CLICK_VI``); any other text comes back unchanged."""

    def gettext(self, message: str) -> str:
        """The Vietnamese text of one click message."""
        return _capitalisable(CLICK_VI.get(message, message))

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        """Singular or plural, then translated."""
        return self.gettext(msgid1 if n == 1 else msgid2)


class _Word(str):
    """A type name whose ``title()`` capitalises only the first letter (click writes ``name.title()``)."""

    def title(self) -> str:
        return self[:1].upper() + self[1:]


def _capitalisable(text: str) -> str:
    return _Word(text) if text in TYPE_NAMES_VI.values() else text


TRANSLATIONS = VietnameseClick()


@contextmanager
def vietnamese_click() -> Iterator[None]:
    """While active, click's texts come out in Vietnamese (``gettext`` answers our domain from ``CLICK_VI``)."""
    real_d, real_dn = gettext.dgettext, gettext.dngettext
    previous = gettext.textdomain()

    def dgettext(domain: str, message: str) -> str:
        return TRANSLATIONS.gettext(message) if domain == DOMAIN else real_d(domain, message)

    def dngettext(domain: str, msgid1: str, msgid2: str, n: int) -> str:
        return TRANSLATIONS.ngettext(msgid1, msgid2, n) if domain == DOMAIN else real_dn(domain, msgid1, msgid2, n)

    gettext.dgettext, gettext.dngettext = dgettext, dngettext
    gettext.textdomain(DOMAIN)
    try:
        yield
    finally:
        gettext.textdomain(previous)
        gettext.dgettext, gettext.dngettext = real_d, real_dn


OPTIONS_METAVAR = "[TÙY_CHỌN]"
SUBCOMMAND_METAVAR = "LỆNH [ĐỐI_SỐ]..."


def translate_command_texts(command: click.Command) -> None:
    """Vietnamese type names and usage placeholders (``[OPTIONS]``, ``COMMAND [ARGS]...``) on ``command``
    and its subcommands; click keeps these as attributes set once, not through gettext."""
    if command.options_metavar == "[OPTIONS]":
        command.options_metavar = OPTIONS_METAVAR
    if isinstance(command, click.Group) and command.subcommand_metavar in ("COMMAND [ARGS]...",
                                                                          "COMMAND1 [ARGS]... [COMMAND2 [ARGS]...]..."):
        command.subcommand_metavar = SUBCOMMAND_METAVAR
    for param in command.params:
        name = getattr(param.type, "name", None)
        if isinstance(name, str) and name in TYPE_NAMES_VI:
            param.type.name = _Word(TYPE_NAMES_VI[name])
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            translate_command_texts(sub)
