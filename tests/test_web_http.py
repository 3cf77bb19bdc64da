"""The web app at HTTP level (Flask test client): every route, and every refusal (issue 14).

No token, a wrong Host, a missing or wrong CSRF token, oversize and too many uploads, hostile files and
path traversal are refused; uploads never overwrite and are receipted; the pages call the same library.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import threading
import zipfile
from pathlib import Path

import pytest
from hostile import bomb_in_read_part
from web_helpers import (  # noqa: F401
    BASE,
    copy_season,
    csrf_of,
    filled,
    logged_in,
    make_app,
    season_template_fixture,
)
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from bdg_workbook.collect.receipts import RECEIPTS_NAME, read_receipts
from bdg_workbook.domain.model import Setup
from bdg_workbook.untrusted.master_reader import read_master
from bdg_workbook.web.security import Limits

PAGES = {"/": "Tổng quan mùa thi đua", "/tieu-chi": "Bảng tiêu chí", "/bieu-mau": "Biểu mẫu tự chấm điểm",
         "/gui-thu": "Gửi biểu mẫu cho các đơn vị", "/nhan-bai": "Nhận bài của các đơn vị",
         "/tinh-hinh": "Tình hình nộp", "/tinh-hinh/HLHPN": "HLHPN", "/tong-hop": "Tổng hợp của phường",
         "/tham-dinh": "Thẩm định điểm", "/cap-tren": "Tổng hợp cấp trên"}


@pytest.fixture
def root(tmp_path: Path, season_template: Path) -> Path:
    """A working folder (copied from the session's template, forms removed: tests generate what they need)."""
    return copy_season(season_template, tmp_path / "phuong", with_forms=False)


@pytest.fixture
def with_forms(root: Path, season_template: Path, setup: Setup) -> Path:
    """The working folder with the 15 signed forms in output/<year>/ (copied, not regenerated)."""
    shutil.copytree(season_template / "output", root / "output", dirs_exist_ok=True)
    return root / "output" / str(setup.config.year)


@pytest.fixture
def app_guard(root: Path):
    return make_app(root, Limits(request_bytes=3 * 1024 * 1024, file_bytes=1024 * 1024, files=4))


@pytest.fixture
def client(app_guard):
    return logged_in(*app_guard)


def upload(client, csrf: str, files: list[tuple[str, bytes]], path: str = "/nhan-bai"):
    fields = MultiDict([("csrf_token", csrf)]
                       + [("files", FileStorage(io.BytesIO(body), name)) for name, body in files])
    boundary, body = encode_multipart(fields)     # in memory: the test client would spool big bodies to a file
    return client.post(path, data=body, base_url=BASE, content_type=f"multipart/form-data; boundary={boundary}",
                       follow_redirects=True)


# ---------------------------------------------------------------- who gets in


@pytest.mark.parametrize("path", list(PAGES) + ["/tai/bieu-mau/TDCD_2024_HLHPN.xlsx", "/static/style.css"])
def test_every_route_refuses_a_browser_without_the_token(app_guard, path: str) -> None:
    app, _guard = app_guard
    response = app.test_client().get(path, base_url=BASE)
    assert response.status_code == 403
    assert "Không được phép truy cập" in response.get_data(as_text=True)


def test_the_token_url_sets_a_strict_httponly_cookie_and_drops_the_token(app_guard) -> None:
    app, guard = app_guard
    client = app.test_client()
    assert client.get("/?token=sai", base_url=BASE).status_code == 403
    response = client.get(f"/tong-hop?token={guard.token}", base_url=BASE)
    assert response.status_code == 303 and response.headers["Location"] == "/tong-hop"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/tong-hop", base_url=BASE).status_code == 200


@pytest.mark.parametrize("host", ["evil.example:5123", "127.0.0.1:9999", "localhost", "192.168.1.5:5123"])
def test_a_foreign_host_header_is_refused_even_with_the_cookie(client, host: str) -> None:
    response = client.get("/", base_url=f"http://{host}")
    assert response.status_code == 403
    assert "127.0.0.1" in response.get_data(as_text=True)


def test_localhost_with_the_right_port_is_accepted(app_guard) -> None:
    app, guard = app_guard
    client = app.test_client()
    assert client.get(f"/?token={guard.token}", base_url="http://localhost:5123").status_code == 303
    assert client.get("/", base_url="http://localhost:5123").status_code == 200


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(client, root: Path, setup: Setup) -> None:
    assert client.post("/bieu-mau", data={}, base_url=BASE).status_code == 403
    assert client.post("/bieu-mau", data={"csrf_token": "x" * 64}, base_url=BASE).status_code == 403
    token = csrf_of(client)
    foreign = client.post("/bieu-mau", data={"csrf_token": token}, base_url=BASE,
                          headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert not (root / "output" / str(setup.config.year)).exists()    # nothing was generated


def test_security_headers(client) -> None:
    response = client.get("/", base_url=BASE)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "charset=utf-8" in response.headers["Content-Type"]


# ---------------------------------------------------------------- pages


def test_every_page_renders_in_vietnamese(client) -> None:
    for path, heading in PAGES.items():
        response = client.get(path, base_url=BASE)
        assert response.status_code == 200, path
        assert heading in response.get_data(as_text=True), path
    assert client.get("/tinh-hinh/KHONGCO", base_url=BASE).status_code == 404


def test_a_broken_setup_shows_every_problem(client, root: Path) -> None:
    config = root / "templates" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("year:", "year: abc\nx_year:", 1), encoding="utf-8")
    text = client.get("/", base_url=BASE).get_data(as_text=True)
    assert "Mẫu cấu hình có" in text and "config.yaml" in text


def test_generate_then_download_one_and_all(client, root: Path, setup: Setup) -> None:
    response = client.post("/bieu-mau", data={"csrf_token": csrf_of(client)}, base_url=BASE, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert f"Đã tạo {len(setup.departments)} biểu mẫu; đã ký số" in text
    folder = root / "output" / str(setup.config.year)
    one = client.get("/tai/bieu-mau/TDCD_2024_HLHPN.xlsx", base_url=BASE)
    assert one.status_code == 200 and one.data == (folder / "TDCD_2024_HLHPN.xlsx").read_bytes()
    assert "attachment" in one.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(client.get("/tai/bieu-mau.zip", base_url=BASE).data))
    assert len(archive.namelist()) == len(setup.departments)
    only = client.post("/bieu-mau", data={"csrf_token": csrf_of(client), "only": ["CA"]}, base_url=BASE,
                       follow_redirects=True)
    assert "Đã tạo 1 biểu mẫu" in only.get_data(as_text=True)


@pytest.mark.parametrize("name", ["../keys/ward-signing.key", "..%2F..%2Fkeys%2Fward-signing.key",
                                  "%2Fetc%2Fpasswd", "TDCD_2024_KHONGCO.xlsx", ".receipts.jsonl"])
def test_downloads_never_leave_the_files_the_app_writes(client, with_forms: Path, name: str) -> None:
    assert with_forms.is_dir()
    for area in ("bieu-mau", "tong-hop", "thu", "csv", "inbox", "keys"):
        assert client.get(f"/tai/{area}/{name}", base_url=BASE).status_code == 404
    assert client.get("/tai/../keys/ward-signing.key", base_url=BASE).status_code == 404


def test_a_link_planted_in_output_is_not_followed(client, root: Path, setup: Setup, with_forms: Path) -> None:
    folder = with_forms
    planted = folder / "TONGHOP_2024_BAY.xlsx"
    os.symlink(root / "keys" / "ward-signing.key", planted)
    assert client.get(f"/tai/tong-hop/{planted.name}", base_url=BASE).status_code == 404


# ---------------------------------------------------------------- receiving


def test_upload_saves_receipts_and_checks_at_once(client, root: Path, with_forms: Path, setup: Setup,
                                                  tmp_path: Path) -> None:
    forms = with_forms
    body = filled(setup, forms, "HLHPN", tmp_path / "TDCD_2024_HLHPN.xlsx").read_bytes()
    csrf = csrf_of(client)
    text = upload(client, csrf, [("TDCD_2024_HLHPN.xlsx", body)]).get_data(as_text=True)
    assert "Đã nộp, hợp lệ" in text and "HLHPN" in text and "xếp loại" in text
    again = upload(client, csrf, [("TDCD_2024_HLHPN.xlsx", b"khac" + body)]).get_data(as_text=True)
    assert "TDCD_2024_HLHPN (2).xlsx" in again
    inbox = root / "inbox"
    assert (inbox / "TDCD_2024_HLHPN.xlsx").read_bytes() == body      # never overwritten
    receipts = read_receipts(inbox)
    assert [r.saved_name for r in receipts] == ["TDCD_2024_HLHPN.xlsx", "TDCD_2024_HLHPN (2).xlsx"]
    import hashlib
    assert receipts[0].sha256 == hashlib.sha256(body).hexdigest() and receipts[0].received_at
    status = client.get("/tinh-hinh", base_url=BASE).get_data(as_text=True)
    assert "Đã nộp" in status
    unit = client.get("/tinh-hinh/HLHPN", base_url=BASE).get_data(as_text=True)
    assert "Tự chấm" in unit and "Được tính" in unit


def test_hostile_and_foreign_uploads(client, root: Path, setup: Setup, with_forms: Path) -> None:
    forms = with_forms
    bomb = bomb_in_read_part((forms / "TDCD_2024_CA.xlsx").read_bytes())
    csrf = csrf_of(client)
    text = upload(client, csrf, [("bom.xlsx", bomb), ("anh.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 100),
                                 ("ghi-chu.txt", b"xin chao"), ("../../thoat.xlsx", b"PK\x03\x04")]
                  ).get_data(as_text=True)
    assert text.count("Bị từ chối") >= 3
    assert "F05" in text or "F10" in text
    assert "F01" in text or "F08" in text
    assert "ghi-chu.txt: Chỉ nhận tệp Excel" in text
    names = sorted(p.name for p in (root / "inbox").iterdir())
    assert names == [RECEIPTS_NAME, "anh.xlsx", "bom.xlsx", "thoat.xlsx"]      # the .txt was not saved
    assert not (root / "thoat.xlsx").exists()


def test_an_email_upload_is_extracted_like_collect_does(client, with_forms: Path, setup: Setup,
                                                        tmp_path: Path) -> None:
    from email.message import EmailMessage
    forms = with_forms
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "ca@example.org", "phuong@example.org", "Gửi bảng tự chấm"
    msg.set_content("Kính gửi")
    body = filled(setup, forms, "CA", tmp_path / "ca.xlsx").read_bytes()
    msg.add_attachment(body, maintype="application", subtype="octet-stream", filename="TDCD_2024_CA.xlsx")
    text = upload(client, csrf_of(client), [("thu-ca.eml", bytes(msg))]).get_data(as_text=True)
    assert "thu-ca.eml → TDCD_2024_CA.xlsx" in text and "Đã nộp" in text


def test_oversize_and_too_many_files_get_a_413_page(client) -> None:
    csrf = csrf_of(client)
    big = upload(client, csrf, [("lon.xlsx", b"0" * (1024 * 1024 + 10))])
    assert big.status_code == 413 and "quá lớn" in big.get_data(as_text=True)
    many = upload(client, csrf, [(f"t{i}.xlsx", b"PK") for i in range(5)])
    assert many.status_code == 413 and "tối đa 4 tệp" in many.get_data(as_text=True)
    whole = upload(client, csrf, [(f"t{i}.xlsx", b"0" * 900_000) for i in range(4)])
    assert whole.status_code == 413


def test_two_uploads_at_once_never_clash(app_guard, root: Path) -> None:
    app, guard = app_guard
    clients = [logged_in(app, guard) for _ in range(2)]
    csrf = csrf_of(clients[0])
    results: list[int] = []

    def send(client) -> None:
        results.append(upload(client, csrf, [("cung-ten.xlsx", os.urandom(2000))]).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200, 200]
    assert sorted(r.saved_name for r in read_receipts(root / "inbox")) == ["cung-ten (2).xlsx", "cung-ten.xlsx"]
    lines = (root / "inbox" / RECEIPTS_NAME).read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["sha256"] for line in lines)


# ---------------------------------------------------------------- collecting, review, roll-up, mail


def _collected(client, forms: Path, setup: Setup, tmp_path: Path, codes=("HLHPN", "CA")) -> Path:
    csrf = csrf_of(client)
    upload(client, csrf, [(f"TDCD_2024_{c}.xlsx", filled(setup, forms, c, tmp_path / f"{c}.xlsx").read_bytes())
                          for c in codes])
    response = client.post("/tong-hop", data={"csrf_token": csrf}, base_url=BASE, follow_redirects=True)
    assert f"Đã tổng hợp {len(codes)} đơn vị" in response.get_data(as_text=True)
    return forms / "TONGHOP_2024_NHONHUNG.xlsx"


def test_collect_writes_the_signed_master_and_downloads(client, with_forms: Path, setup: Setup,
                                                       tmp_path: Path) -> None:
    master = _collected(client, with_forms, setup, tmp_path)
    page = client.get("/tong-hop", base_url=BASE).get_data(as_text=True)
    assert "Xếp hạng" in page and "<svg" in page
    data = client.get(f"/tai/tong-hop/{master.name}", base_url=BASE).data
    copy = tmp_path / "tai-ve.xlsx"
    copy.write_bytes(data)
    read = read_master(copy)
    assert read.kind == "ward_master" and read.meta.get("signature")
    assert client.get(f"/tai/tong-hop/{master.stem}.json", base_url=BASE).status_code == 200
    assert client.get("/tai/csv/summary.csv", base_url=BASE).status_code == 200
    assert "Lần tổng hợp gần nhất" in client.get("/", base_url=BASE).get_data(as_text=True)


def test_a_failure_mid_collection_keeps_the_previous_master(client, with_forms: Path, setup: Setup, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    master = _collected(client, with_forms, setup, tmp_path, codes=("CA",))
    before = master.read_bytes()
    from bdg_workbook.master import report

    def broken(result):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "csv_exports", broken)
    response = client.post("/tong-hop", data={"csrf_token": csrf_of(client)}, base_url=BASE, follow_redirects=True)
    assert "bản tổng hợp trước vẫn giữ nguyên" in response.get_data(as_text=True)
    assert master.read_bytes() == before


def test_review_form_is_checked_like_review_and_writes_the_next_version(client, with_forms: Path, setup: Setup,
                                                                        tmp_path: Path) -> None:
    master = _collected(client, with_forms, setup, tmp_path, codes=("CA",))
    page = client.get("/tham-dinh?don-vi=CA", base_url=BASE).get_data(as_text=True)
    assert 'name="v_I.1"' in page
    csrf = csrf_of(client)
    unknown = client.post("/tham-dinh", data={"csrf_token": csrf, "unit": "HND", "v_I.1": "0", "r_I.1": "x"},
                          base_url=BASE, follow_redirects=True).get_data(as_text=True)
    assert "không có trong" in unknown
    unchanged = client.post("/tham-dinh", data={"csrf_token": csrf, "unit": "CA"}, base_url=BASE,
                            follow_redirects=True).get_data(as_text=True)
    assert "không ghi bản mới" in unchanged
    no_reason = client.post("/tham-dinh", data={"csrf_token": csrf, "unit": "CA", "v_I.1": "0", "r_I.1": ""},
                            base_url=BASE, follow_redirects=True).get_data(as_text=True)
    assert "R04" in no_reason and "Chưa ghi bản thẩm định" in no_reason
    assert not master.with_name(master.stem + "_thamdinh_v2.xlsx").exists()
    text_value = client.post("/tham-dinh", data={"csrf_token": csrf, "unit": "CA", "v_I.1": "mười", "r_I.1": "x"},
                             base_url=BASE, follow_redirects=True).get_data(as_text=True)
    assert "R01" in text_value
    ok = client.post("/tham-dinh", data={"csrf_token": csrf, "unit": "CA", "v_I.1": "0",
                                         "r_I.1": "Không có văn bản minh chứng"},
                     base_url=BASE, follow_redirects=True).get_data(as_text=True)
    assert "Đã ghi bản thẩm định vòng 1" in ok
    reviewed = read_master(master.with_name(master.stem + "_thamdinh_v2.xlsx"))
    assert reviewed.review_round == 1 and reviewed.meta.get("signature")
    assert any("Không có văn bản minh chứng" in str(row) for row in reviewed.audit or [])
    assert "Không có văn bản minh chứng" in client.get("/tham-dinh", base_url=BASE).get_data(as_text=True)
    before = master.read_bytes()
    again = client.post("/tong-hop", data={"csrf_token": csrf}, base_url=BASE, follow_redirects=True)
    assert "Không ghi đè TONGHOP_2024_NHONHUNG.xlsx" in again.get_data(as_text=True)   # no review is ever lost
    assert master.read_bytes() == before and master.with_name(master.stem + "_lan2.xlsx").is_file()
    assert "TONGHOP_2024_NHONHUNG_lan2.xlsx" in client.get("/tham-dinh", base_url=BASE).get_data(as_text=True)


def test_district_roll_up_of_an_uploaded_ward_master(client, root: Path, with_forms: Path, setup: Setup,
                                                     tmp_path: Path) -> None:
    master = _collected(client, with_forms, setup, tmp_path, codes=("CA",))
    csrf = csrf_of(client)
    pub = client.get("/cap-tren/khoa-phuong.pub", base_url=BASE)
    assert pub.status_code == 200 and b"PUBLIC KEY" in pub.data
    pub = pub.data
    text = upload(client, csrf, [("phuong.xlsx", master.read_bytes()), ("phuong.pub", pub)],
                  path="/cap-tren/tai-len").get_data(as_text=True)
    assert "Đã lưu 2 tệp" in text
    run = client.post("/cap-tren", data={"csrf_token": csrf}, base_url=BASE, follow_redirects=True)
    text = run.get_data(as_text=True)
    assert "Đã tổng hợp 1 phường" in text and "Xếp hạng phường" in text
    name = next(p.name for p in master.parent.glob("TONGHOP_HUYEN_*.xlsx"))
    assert client.get(f"/tai/tong-hop/{name}", base_url=BASE).status_code == 200


def test_mail_drafts_and_a_send_that_cannot_start(client, with_forms: Path) -> None:
    assert with_forms.is_dir()
    csrf = csrf_of(client)
    drafts = client.post("/gui-thu", data={"csrf_token": csrf, "action": "nhap", "only": ["CA", "HLHPN"]},
                         base_url=BASE, follow_redirects=True).get_data(as_text=True)
    assert "Tổng 2 đơn vị: 1 thư nháp, 1 thiếu email" in drafts      # CA has no address in the default list
    eml = client.get("/tai/thu/TDCD_2024_CA.eml", base_url=BASE)
    assert eml.status_code == 200 and b"X-Unsent: 1" in eml.data
    send = client.post("/gui-thu", data={"csrf_token": csrf, "action": "gui", "password": "bi-mat"},
                       base_url=BASE, follow_redirects=True).get_data(as_text=True)
    assert "smtp.example.com" in send and "Chưa làm được" in send
    assert "bi-mat" not in send
