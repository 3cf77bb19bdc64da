"""Take the README's screenshots of the web app at 1366×768 on a fuller season (not part of the tests).

Run from the repository root (needs Debian's chromium and chromium-driver, and selenium)::

    python docs/screenshots/take_screenshots.py

A working folder is made in a temporary directory; the 15 forms are generated, 14 units "return" them
filled as in ``bdg-workbook demo`` (the same deliberate mistakes, one unit missing), 13 are uploaded through
the "Nhận bài" page and the collection is run from "Tổng hợp"; then the pages are captured into
docs/screenshots/*.png.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from bdg_workbook.config.load import load_setup
from bdg_workbook.config.workspace import init_workspace
from bdg_workbook.demo.fill import fill_workbook, random_valid_answers
from bdg_workbook.demo.season import NOT_RETURNING, break_rules
from bdg_workbook.trust.signing import default_key_path, load_private_key
from bdg_workbook.workbook.generate import generate_workbooks

HERE = Path(__file__).resolve().parent
URL_RE = re.compile(r"(http://127\.0\.0\.1:\d+)/\?token=\S+")


def season(root: Path, returns: Path) -> list[Path]:
    """Forms generated into the working folder; the returns filled like the demo's units."""
    setup = load_setup()
    init_workspace(root)
    key = load_private_key(default_key_path(root))
    forms = generate_workbooks(setup, root / "output" / str(setup.config.year), signer=key.sign)
    rng, by_code, out = random.Random(2024), {d.code: d for d in setup.departments}, []
    returns.mkdir(parents=True, exist_ok=True)
    for form in forms:
        dept = by_code[form.stem.rsplit("_", 1)[-1]]
        answers = random_valid_answers(setup, dept, rng)
        if dept.code == NOT_RETURNING:
            continue
        break_rules(setup, dept, answers)
        fill_workbook(form, returns / form.name, answers)
        out.append(returns / form.name)
    return out


def wait_for(driver: webdriver.Chrome, text: str, timeout: float = 120) -> None:
    """Wait until the page shows ``text``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):   # the page is being replaced
            if text in driver.find_element(By.TAG_NAME, "body").text:
                return
        time.sleep(0.2)
    raise SystemExit(f"'{text}' did not appear")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bdg-shots-"))
    root, files = work / "phuong-nhon-hung", season(work / "phuong-nhon-hung", work / "returns")
    proc = subprocess.Popen([sys.executable, "-m", "bdg_workbook", "serve", str(root), "--port", "0", "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = None
    while url is None:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the server did not start")
        url = URL_RE.search(line) and line.strip().split()[-1]
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1366,768",
                f"--user-data-dir={work / 'profile'}", "--hide-scrollbars"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(url)
        base = URL_RE.search(url).group(1)
        driver.get(base + "/nhan-bai")
        driver.find_element(By.ID, "tep").send_keys(str(files[-1]))
        driver.find_element(By.ID, "gui-len").click()
        wait_for(driver, "Phát hiện")
        driver.find_element(By.ID, "tep").send_keys("\n".join(str(p) for p in files[:-1]))
        driver.find_element(By.ID, "gui-len").click()
        wait_for(driver, f"Kết quả {len(files) - 1} tệp vừa nhận")
        driver.save_screenshot(str(HERE / "nhan-bai.png"))
        driver.get(base + "/tong-hop")
        driver.find_element(By.ID, "tong-hop").click()
        wait_for(driver, "Đã tổng hợp")
        driver.get(base + "/tong-hop")
        driver.save_screenshot(str(HERE / "tong-hop.png"))
        for path, name in (("/", "tong-quan"), ("/tinh-hinh", "tinh-hinh-nop")):
            driver.get(base + path)
            driver.save_screenshot(str(HERE / f"{name}.png"))
    finally:
        driver.quit()
        proc.terminate()
        proc.wait(10)
    print("Đã chụp:", ", ".join(sorted(p.name for p in HERE.glob("*.png"))))


if __name__ == "__main__":
    main()
