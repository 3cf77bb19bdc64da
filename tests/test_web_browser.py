"""A whole season in a real browser (issue 14): Debian's Chromium driven by Selenium against
``bdg-workbook serve`` (waitress) on a free port of 127.0.0.1.

Open the dashboard with the token URL, generate, download a workbook, fill it like a unit would, upload it
through the file input, see the unit "đã nộp" with its findings, enter a review score, download the master
and check it with the library's own reader. Every page is screenshotted into test-artifacts/screenshots/
(the README's screenshots come from docs/screenshots/take_screenshots.py, on a fuller season).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bdg_workbook.config.workspace import init_workspace
from bdg_workbook.demo.fill import fill_workbook, random_valid_answers
from bdg_workbook.domain.model import Setup
from bdg_workbook.untrusted.master_reader import parse_data, read_master

CHROMIUM, DRIVER = shutil.which("chromium") or "/usr/bin/chromium", "/usr/bin/chromedriver"
REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "test-artifacts" / "screenshots"
URL_RE = re.compile(r"(http://127\.0\.0\.1:\d+/\?token=\S+)")

pytestmark = pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
                                reason="Chromium/chromedriver chưa cài (apt install chromium chromium-driver)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """``bdg-workbook serve FOLDER --port 0 --no-browser`` in a subprocess; yields (start URL, folder)."""
    root = tmp_path_factory.mktemp("web") / "phuong"
    init_workspace(root)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "BDG_JOBS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bdg_workbook", "serve", str(root), "--port", "0", "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO)
    url, seen = None, []
    deadline = time.monotonic() + 30
    while url is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        match = URL_RE.search(line)
        url = match.group(1) if match else None
    assert url, "".join(seen)
    yield url, root
    proc.terminate()
    proc.wait(10)
    proc.stdout.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """Headless Chromium at 1366×768 with a fresh profile and a download folder."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile, downloads = tmp_path_factory.mktemp("profile"), tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--no-first-run",
                "--window-size=1366,768", f"--user-data-dir={profile}", "--lang=vi"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.implicitly_wait(0)
    driver.downloads = downloads  # type: ignore[attr-defined]
    yield driver
    driver.quit()


def shot(driver, name: str) -> None:
    """Screenshot of the current page into test-artifacts/screenshots/ (kept as CI output)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def wait_text(driver, text: str, timeout: float = 60.0) -> str:
    """Wait until the page body shows ``text``; returns the body text."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        try:
            body = driver.find_element(By.TAG_NAME, "body").text
        except WebDriverException:   # stale or detached node: the page is being replaced
            body = ""
        if text in body:
            return body
        time.sleep(0.1)
    raise AssertionError(f"'{text}' not on the page:\n{body[:2000]}")


def wait_download(folder: Path, name: str, timeout: float = 30.0) -> Path:
    """The downloaded file once complete."""
    path = folder / name
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file() and not (folder / (name + ".crdownload")).exists() and path.stat().st_size:
            return path
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded: {sorted(p.name for p in folder.iterdir())}")


def click_nav(driver, label: str) -> None:
    """Follow a navigation link and wait for the new page."""
    from selenium.webdriver.common.by import By
    before = driver.current_url
    driver.find_element(By.LINK_TEXT, label).click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if driver.current_url != before and driver.execute_script("return document.readyState") == "complete":
            return
        time.sleep(0.05)
    raise AssertionError(f"'{label}' did not open a new page")


def test_a_whole_season_in_the_browser(server, browser, setup: Setup, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    url, root = server
    driver = browser
    driver.get(url)
    body = wait_text(driver, "Tổng quan mùa thi đua năm 2024")
    assert "?token=" not in driver.current_url and "Tạo biểu mẫu" in body
    shot(driver, "01-tong-quan")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert driver.switch_to.active_element.text == "Bỏ qua thanh điều hướng"     # keyboard: skip link first

    click_nav(driver, "Bảng tiêu chí")
    wait_text(driver, "không có lỗi")
    shot(driver, "02-bang-tieu-chi")

    click_nav(driver, "Biểu mẫu")
    driver.find_element(By.ID, "tao-bieu-mau").click()
    wait_text(driver, f"Đã tạo {len(setup.departments)} biểu mẫu; đã ký số")
    shot(driver, "03-bieu-mau")
    driver.find_element(By.LINK_TEXT, "TDCD_2024_HLHPN.xlsx").click()
    form = wait_download(driver.downloads, "TDCD_2024_HLHPN.xlsx")

    click_nav(driver, "Gửi thư")
    driver.find_element(By.CSS_SELECTOR, 'button[value="nhap"]').click()
    wait_text(driver, f"Tổng {len(setup.departments)} đơn vị:")
    assert (root / "output" / "mail" / "TDCD_2024_HLHPN.eml").is_file()
    shot(driver, "04-gui-thu")

    dept = next(d for d in setup.departments if d.code == "HLHPN")
    returned = tmp_path / "TDCD_2024_HLHPN.xlsx"
    fill_workbook(form, returned, random_valid_answers(setup, dept, random.Random(2024)))
    click_nav(driver, "Nhận bài")
    driver.find_element(By.ID, "tep").send_keys(str(returned))
    wait_text(driver, "Đã chọn 1 tệp")
    driver.find_element(By.ID, "gui-len").click()
    body = wait_text(driver, "Đã nộp, hợp lệ")
    assert "Hội Liên hiệp Phụ nữ" in body and "SHA-256" in body
    assert "Phát hiện trong tệp này" in body or "Không có phát hiện nào" in body
    assert (root / "inbox" / "TDCD_2024_HLHPN.xlsx").read_bytes() == returned.read_bytes()
    shot(driver, "05-nhan-bai")

    click_nav(driver, "Tình hình nộp")
    row = driver.find_element(By.XPATH, "//tr[td/a[text()='HLHPN']]").text
    assert "Đã nộp, hợp lệ" in row
    shot(driver, "06-tinh-hinh")
    driver.find_element(By.LINK_TEXT, "HLHPN").click()
    body = wait_text(driver, "Điểm tự chấm và điểm được tính theo từng tiêu chí")
    assert "Đã nộp" in body
    shot(driver, "07-don-vi")

    click_nav(driver, "Tổng hợp")
    driver.find_element(By.ID, "tong-hop").click()
    wait_text(driver, "Đã tổng hợp 1 đơn vị")
    shot(driver, "08-tong-hop")
    driver.find_element(By.PARTIAL_LINK_TEXT, "Bảng tổng hợp (Excel").click()
    master_file = wait_download(driver.downloads, "TONGHOP_2024_NHONHUNG.xlsx")
    master = read_master(master_file)
    depts = {d.code: d for d in parse_data(master.data, [c.code for c in setup.table.criteria])}
    assert master.kind == "ward_master" and master.meta.get("signature") and depts["HLHPN"].collected

    click_nav(driver, "Thẩm định")
    wait_text(driver, "Điểm thẩm định của HLHPN")
    Select(driver.find_element(By.ID, "don-vi")).select_by_value("HLHPN")
    score = driver.find_element(By.ID, "v_I.1")
    new_value = "0" if score.get_attribute("value") not in ("0", "0,00") else "1"
    score.clear()
    score.send_keys(new_value)
    driver.find_element(By.ID, "r_I.1").send_keys("Minh chứng không đúng kỳ đánh giá")
    driver.find_element(By.ID, "luu-tham-dinh").click()
    wait_text(driver, "Đã ghi bản thẩm định vòng 1")
    shot(driver, "09-tham-dinh")
    driver.find_element(By.LINK_TEXT, "TONGHOP_2024_NHONHUNG_thamdinh_v2.xlsx").click()
    reviewed = read_master(wait_download(driver.downloads, "TONGHOP_2024_NHONHUNG_thamdinh_v2.xlsx"))
    assert reviewed.review_round == 1
    assert any("Minh chứng không đúng kỳ đánh giá" in str(row) for row in reviewed.audit or [])

    click_nav(driver, "Cấp trên")
    wait_text(driver, "Tổng hợp cấp trên")
    shot(driver, "10-cap-tren")
    click_nav(driver, "Tổng quan")
    body = wait_text(driver, "Việc tiếp theo")
    assert "Lần tổng hợp gần nhất" in body
    shot(driver, "11-tong-quan-cuoi")


def test_without_the_token_the_browser_gets_403(server, tmp_path_factory: pytest.TempPathFactory) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    url, _root = server
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1366,768",
                f"--user-data-dir={tmp_path_factory.mktemp('profile2')}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        driver.get(url.split("?")[0])
        assert "Không được phép truy cập (403)" in driver.find_element(By.TAG_NAME, "body").text
        shot(driver, "00-khong-co-ma")
    finally:
        driver.quit()
