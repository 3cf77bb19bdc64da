"""``bdg-workbook serve`` at the command line (issue 14): the offer to create the working folder, a busy port.

Serving itself is exercised by tests/test_web_browser.py, which starts ``serve`` in a subprocess."""

from __future__ import annotations

import socket
from pathlib import Path

from bdg_workbook.cli.main import main


def test_declining_the_offer_creates_nothing(runner, tmp_path: Path) -> None:
    folder = tmp_path / "moi"
    result = runner.invoke(main, ["serve", str(folder), "--no-browser"], input="n\n")
    assert result.exit_code == 2
    assert "chưa phải thư mục làm việc" in result.output
    assert not folder.exists()


def test_accepting_creates_the_working_folder_and_a_busy_port_is_explained(runner, tmp_path: Path) -> None:
    folder = tmp_path / "phuong"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = runner.invoke(main, ["serve", str(folder), "--port", str(port), "--no-browser"], input="y\n")
    assert result.exit_code == 2, result.output
    assert "Đã tạo thư mục làm việc" in result.output
    assert (folder / "templates" / "criteria-2024.yaml").is_file() and (folder / "inbox").is_dir()
    assert f"không mở được cổng {port}" in result.output and "--port" in result.output
