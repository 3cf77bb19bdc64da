"""The other sheets: instructions, unit info, evidence register, bonus justification, hidden meta."""

from __future__ import annotations

import datetime as dt

from xlsxwriter.worksheet import Worksheet

from bdg_workbook.workbook.department import DeptForm
from bdg_workbook.workbook.plan import Plan
from bdg_workbook.workbook.styles import Styles, page_setup, protect, row_height
from bdg_workbook.workbook.print_setup import evidence_print_columns, evidence_print_setup
from bdg_workbook.workbook.validation import (MAX_INFO_TEXT, add_validation, date_validation, list_validation, literal_list_fits,
                             text_validation)
from bdg_workbook.workbook.formulas import evidence_formulas
from bdg_workbook.layout.department import BONUS_REUSED, EVIDENCE_CHECKS, EVIDENCE_OK, SHEET_CHECK
from bdg_workbook.workbook.locked import number_text
from bdg_workbook.layout.department import (BONUS_COMPLETE, BONUS_FIRST_ROW, BONUS_HEADER_ROW, BONUS_INCOMPLETE, BONUS_ROWS, EVIDENCE_COLUMNS,
                     EVIDENCE_FIRST_ROW, EVIDENCE_HEADER_ROW, EVIDENCE_INPUTS, EVIDENCE_ROWS, INFO_COL_LABEL,
                     INFO_COL_VALUE, INFO_ROWS, META_FIRST_ROW, META_KEYS, SHEET_BONUS,
                     SHEET_EVIDENCE, SHEET_INFO, SHEET_SCORE, absolute, col_index, col_letter)
from bdg_workbook.domain.model import CriteriaTable
from bdg_workbook.workbook.strict_writer import checked

META_LIST_COLUMN = "D"   # drop-down lists too long for a literal list go here on the hidden meta sheet

EVIDENCE_WIDTHS = {"no": 5, "code": 10, "title": 38, "doc": 28, "date": 12, "issuer": 24, "file": 22, "note": 18}
EVIDENCE_HELP = {
    "code": ("Mã tiêu chí", "Chọn mã tiêu chí (ví dụ II.1) mà minh chứng này chứng minh."),
    "title": ("Tên hoạt động/kết quả", "Ghi ngắn gọn tên hoạt động hoặc kết quả (ví dụ: Hội nghị tuyên truyền "
              "Luật Bình đẳng giới tại khóm Hòa Hưng)."),
    "doc": ("Số, ký hiệu văn bản", "Ghi số, ký hiệu văn bản (ví dụ: 12/KH-HPN) hoặc tên tệp minh chứng. "
            "Mỗi văn bản chỉ kê cho MỘT tiêu chí."),
    "issuer": ("Cơ quan ban hành/người ký", "Ghi cơ quan ban hành hoặc người ký văn bản."),
    "file": ("Tên tệp đính kèm", "Ghi tên tệp ảnh/bản chụp gửi kèm (nếu có)."),
    "note": ("Ghi chú", "Ghi chú thêm (nếu cần)."),
}
INFO_HELP = {
    "preparer": "Họ và tên người lập biểu (người trực tiếp tự chấm điểm).",
    "position": "Chức vụ của người lập biểu.",
    "phone": "Số điện thoại liên hệ của người lập biểu (để Thường trực Ban hỏi lại khi cần).",
    "email": "Email liên hệ của đơn vị hoặc người lập biểu.",
    "head": "Họ và tên thủ trưởng đơn vị (người ký bảng tự chấm điểm).",
}


def _merge(ws: Worksheet, cells: str, text: str, fmt) -> None:
    checked(ws.merge_range(cells, text, fmt), f"gộp ô {ws.name}!{cells}")


def _text(ws: Worksheet, cell: str, text: str, fmt) -> None:
    checked(ws.write_string(cell, text, fmt), f"ô {ws.name}!{cell}")


def fmt_date(day: dt.date) -> str:
    """dd/mm/yyyy."""
    return f"{day:%d/%m/%Y}"


def write_info_sheet(ws: Worksheet, st: Styles, plan: Plan, form: DeptForm) -> None:
    """Unit info: label in column A, value in column B; code and name locked, the rest inputs."""
    checked(ws.set_column(f"{INFO_COL_LABEL}:{INFO_COL_LABEL}", 34), "độ rộng cột")
    checked(ws.set_column(f"{INFO_COL_VALUE}:{INFO_COL_VALUE}", 60), "độ rộng cột")
    _merge(ws, f"{INFO_COL_LABEL}1:{INFO_COL_VALUE}1", "THÔNG TIN ĐƠN VỊ", st["sheet_title"])
    _merge(ws, f"{INFO_COL_LABEL}2:{INFO_COL_VALUE}2",
           "Ghi đủ các ô màu vàng. Không sửa mã đơn vị và tên đơn vị.", st["sheet_hint"])
    year = plan.year
    locked = {"dept_code": form.texts["code"], "dept_name": form.texts["name"]}
    for key, (row, label, is_input) in INFO_ROWS.items():
        label_cell, value_cell = f"{INFO_COL_LABEL}{row}", f"{INFO_COL_VALUE}{row}"
        _text(ws, label_cell, label, st["label"])
        checked(ws.set_row(row - 1, 21), "chiều cao dòng")
        if not is_input:
            _text(ws, value_cell, locked.get(key, ""), st["locked_value"])
        elif key == "date":
            checked(ws.write_blank(value_cell, None, st["input_date"]), "ô ngày")
            add_validation(ws, value_cell, date_validation(
                label, "Ngày đơn vị tự chấm điểm.", dt.date(year, 1, 1), dt.date(year, 12, 31)))
        else:
            checked(ws.write_blank(value_cell, None, st["input_text"]), "ô nhập")
            help_text = INFO_HELP.get(key, f"Ghi {label.lower()} của đơn vị.")
            add_validation(ws, value_cell, text_validation(label, help_text, MAX_INFO_TEXT))
    page_setup(ws)
    protect(ws)


def write_evidence_sheet(ws: Worksheet, st: Styles, plan: Plan, form: DeptForm, code_source: str | None) -> None:
    """Evidence register: one row per document; TT locked, the other columns inputs."""
    last = EVIDENCE_FIRST_ROW + EVIDENCE_ROWS - 1
    # titles over the printed columns only (issue 13.9): TT and "Kiểm tra" stay on screen, off the paper
    first_col, last_col = evidence_print_columns()
    for role, (col, _header) in EVIDENCE_COLUMNS.items():
        checked(ws.set_column(f"{col}:{col}", EVIDENCE_WIDTHS[role]), "độ rộng cột")
    _merge(ws, f"{first_col}1:{last_col}1", form.texts["evidence_title"], st["sheet_title"])
    _merge(ws, f"{first_col}2:{last_col}2",
           "Mỗi dòng một văn bản hoặc tệp minh chứng; ghi mã tiêu chí mà minh chứng chứng minh. Tiêu chí có điểm "
           "phải có ít nhất một dòng ở đây.", st["sheet_hint"])
    _merge(ws, f"{first_col}3:{last_col}3",
           "Mỗi hoạt động, kết quả chỉ kê ở MỘT tiêu chí; số văn bản ghi hai lần sẽ tô đỏ. Cột “Số, ký hiệu” phải "
           "xác định được văn bản (số, ký hiệu như 12/KH-HPN, ngày, hoặc tên tệp như kehoach.pdf): “x”, “có”, “-” "
           "không được tính. Cột “Kiểm tra” cho biết dòng nào không được tính.", st["sheet_hint"])
    checked(ws.set_row(1, 33), "chiều cao dòng")
    checked(ws.set_row(2, 48), "chiều cao dòng")
    checked(ws.set_row(EVIDENCE_HEADER_ROW - 1, 48), "chiều cao dòng")
    for role, (col, header) in EVIDENCE_COLUMNS.items():
        _text(ws, f"{col}{EVIDENCE_HEADER_ROW}", header, st["th"])
    codes = [c.code for c in plan.setup.table.criteria]
    for row in range(EVIDENCE_FIRST_ROW, last + 1):
        checked(ws.write_number(f"{EVIDENCE_COLUMNS['no'][0]}{row}", row - EVIDENCE_FIRST_ROW + 1, st["num"]),
                "số thứ tự")
        for role in EVIDENCE_INPUTS:
            col = EVIDENCE_COLUMNS[role][0]
            fmt = st["row_input_date"] if role == "date" else st["row_input" if role == "code" else "row_input_text"]
            checked(ws.write_blank(f"{col}{row}", None, fmt), "ô nhập")
    for role in EVIDENCE_INPUTS:
        col = EVIDENCE_COLUMNS[role][0]
        cells = f"{col}{EVIDENCE_FIRST_ROW}:{col}{last}"
        if role == "code":
            options = list_validation(*EVIDENCE_HELP["code"], codes, code_source)
        elif role == "date":
            options = date_validation("Ngày", "Ngày ban hành văn bản hoặc ngày tổ chức hoạt động.",
                                      dt.date(2000, 1, 1), dt.date(plan.year, 12, 31))
        else:
            options = text_validation(*EVIDENCE_HELP[role])
        add_validation(ws, cells, options)
    _evidence_checks(ws, st, plan)
    doc = EVIDENCE_COLUMNS["doc"][0]
    first = f"${doc}{EVIDENCE_FIRST_ROW}"
    # SUMPRODUCT compares exact text: COUNTIF would treat * ? ~ as wildcards and "12/5" as a date
    rule = f"=AND(LEN(TRIM({first}))>0,SUMPRODUCT(--(TRIM(ev_doc)=TRIM({first})))>1)"
    checked(ws.conditional_format(f"{doc}{EVIDENCE_FIRST_ROW}:{doc}{last}",
                                  {"type": "formula", "criteria": rule, "format": st["red"]}), "tô đỏ số trùng")
    page_setup(ws, (EVIDENCE_HEADER_ROW, EVIDENCE_HEADER_ROW))
    evidence_print_setup(ws, st["row_border"])
    protect(ws)


def _evidence_checks(ws: Worksheet, st: Styles, plan: Plan) -> None:
    """The register's computed columns: the status the unit reads, then hidden helpers for the scoring sheet."""
    last = EVIDENCE_FIRST_ROW + EVIDENCE_ROWS - 1
    blank = {"status": "", "key": "", "order": 0, "base": 0, "reused": 0}
    for role, (col, header) in EVIDENCE_CHECKS.items():
        hidden = role != "status"
        checked(ws.set_column(f"{col}:{col}", 30 if role == "status" else 6, None, {"hidden": hidden}),
                "độ rộng cột")
        _text(ws, f"{col}{EVIDENCE_HEADER_ROW}", header, st["th"])
    for row in range(EVIDENCE_FIRST_ROW, last + 1):
        formulas = evidence_formulas(plan.lay, row)
        for role in ("order", "key", "base", "reused", "status"):
            col = EVIDENCE_CHECKS[role][0]
            fmt = st["formula_text"] if role == "status" else st["plain"]
            checked(ws.write_formula(f"{col}{row}", formulas[role], fmt, blank[role]), "công thức kiểm tra")
    status = EVIDENCE_CHECKS["status"][0]
    checked(ws.conditional_format(f"A{EVIDENCE_FIRST_ROW}:{status}{last}", {
        "type": "formula", "format": st["red"],
        "criteria": f'=AND(${status}{EVIDENCE_FIRST_ROW}<>"",${status}{EVIDENCE_FIRST_ROW}<>"{EVIDENCE_OK}")'}),
        "tô đỏ dòng minh chứng không được tính")


def write_bonus_sheet(ws: Worksheet, st: Styles, plan: Plan, code_source: str | None) -> None:
    """Bonus justification: code, name, the five fields, document, computed completeness."""
    cols = plan.lay.bonus_columns
    last = BONUS_FIRST_ROW + BONUS_ROWS - 1
    end_col = cols["complete"]
    widths = {"code": 10, "name": 26, "doc": 22, "complete": 16}
    checked(ws.set_column("A:A", 5), "độ rộng cột")
    for role, col in cols.items():
        checked(ws.set_column(f"{col}:{col}", widths.get(role, 22)), "độ rộng cột")
    _bonus_intro(ws, st, plan.setup.table, end_col)
    headers = _bonus_headers(plan.setup.table)
    checked(ws.set_row(BONUS_HEADER_ROW - 1, 48), "chiều cao dòng")
    _text(ws, f"A{BONUS_HEADER_ROW}", "TT", st["th"])
    for role, col in cols.items():
        _text(ws, f"{col}{BONUS_HEADER_ROW}", headers[role], st["th"])
    for row in range(BONUS_FIRST_ROW, last + 1):
        checked(ws.write_number(f"A{row}", row - BONUS_FIRST_ROW + 1, st["num"]), "số thứ tự")
        for role in plan.lay.bonus_inputs:
            fmt = st["input" if role == "code" else "input_text"]
            checked(ws.write_blank(f"{cols[role]}{row}", None, fmt), "ô nhập")
        checked(ws.write_formula(f"{end_col}{row}", plan.bonus_formulas[row], st["formula_text"], ""),
                "công thức đủ thuyết minh")
    _bonus_validations(ws, plan, headers, code_source)
    checked(ws.conditional_format(f"A{BONUS_FIRST_ROW}:{end_col}{last}", {
        "type": "formula", "format": st["red"],
        "criteria": f'=AND(${end_col}{BONUS_FIRST_ROW}<>"",${end_col}{BONUS_FIRST_ROW}<>"{BONUS_COMPLETE}")'}),
        "tô đỏ thuyết minh không được tính")
    page_setup(ws, (BONUS_HEADER_ROW, BONUS_HEADER_ROW))
    protect(ws)


def _bonus_intro(ws: Worksheet, st: Styles, table: CriteriaTable, end_col: str) -> None:
    labels = [f.label.lower() for f in table.justification_fields]
    _merge(ws, f"A1:{end_col}1", "THUYẾT MINH ĐIỂM THƯỞNG", st["sheet_title"])
    _merge(ws, f"A2:{end_col}2",
           f"Mỗi mục điểm thưởng chỉ được tính khi có thuyết minh đủ {len(labels)} yêu cầu: {'; '.join(labels)}; "
           "và có minh chứng (số, ký hiệu văn bản).", st["sheet_hint"])
    _merge(ws, f"A3:{end_col}3",
           "Mỗi mô hình, cách làm, thành tích ghi một dòng (mục tính theo số lượng: mỗi đơn vị tính một dòng). "
           f"Cột cuối tự hiện “{BONUS_COMPLETE}” (được tính), “{BONUS_INCOMPLETE}” hoặc “{BONUS_REUSED}” "
           "(văn bản đã là minh chứng phần cơ bản).", st["sheet_hint"])
    checked(ws.set_row(1, 33), "chiều cao dòng")
    checked(ws.set_row(2, 33), "chiều cao dòng")


def _bonus_headers(table: CriteriaTable) -> dict[str, str]:
    headers = {"code": "Mã tiêu chí", "name": "Tên mô hình, cách làm, thành tích",
               "doc": "Minh chứng (số, ký hiệu văn bản)", "complete": "Được tính?"}
    headers.update({f.key: f.label for f in table.justification_fields})
    return headers


def _bonus_validations(ws: Worksheet, plan: Plan, headers: dict[str, str], code_source: str | None) -> None:
    table, cols = plan.setup.table, plan.lay.bonus_columns
    bonus = table.sections_of("bonus")[0]
    last = BONUS_FIRST_ROW + BONUS_ROWS - 1
    for role in plan.lay.bonus_inputs:
        cells = f"{cols[role]}{BONUS_FIRST_ROW}:{cols[role]}{last}"
        if role == "code":
            options = list_validation("Mã tiêu chí thưởng", f"Chọn mã mục điểm thưởng (phần {bonus.code}).",
                                      [c.code for c in bonus.criteria], code_source)
        else:
            options = text_validation(headers[role], f"Ghi nội dung “{headers[role]}” của mục điểm thưởng.")
        add_validation(ws, cells, options)


def write_meta_sheet(ws: Worksheet, st: Styles, values: dict[str, str], lists: dict[str, list[str]]) -> None:
    """Hidden meta sheet: keys in column A, values in column B; long drop-down lists in column D onwards."""
    for i, key in enumerate(META_KEYS):
        row = META_FIRST_ROW + i
        _text(ws, f"A{row}", key, st["plain"])
        _text(ws, f"B{row}", values[key], st["plain"])
    for j, items in enumerate(lists.values()):
        col = col_letter(col_index(META_LIST_COLUMN) + j)
        for i, item in enumerate(items):
            _text(ws, f"{col}{i + 1}", item, st["plain"])
    ws.very_hidden()
    protect(ws)


def list_sources(plan: Plan, meta_sheet: str) -> tuple[dict[str, list[str]], dict[str, str | None]]:
    """Drop-down lists (evidence codes, bonus codes) and where each lives: None = literal list, else a range."""
    table = plan.setup.table
    lists = {"evidence": [c.code for c in table.criteria],
             "bonus": [c.code for s in table.sections_of("bonus") for c in s.criteria]}
    long_lists = {k: v for k, v in lists.items() if not literal_list_fits(v)}
    sources: dict[str, str | None] = {k: None for k in lists}
    for j, (key, items) in enumerate(long_lists.items()):
        col = col_letter(col_index(META_LIST_COLUMN) + j)
        sources[key] = absolute(meta_sheet, f"{col}1:{col}{len(items)}")
    return long_lists, sources


def write_guide_sheet(ws: Worksheet, st: Styles, plan: Plan, form: DeptForm) -> None:
    """Short Vietnamese instructions, deadline, and the disclaimer for a reconstructed criteria table."""
    checked(ws.set_column("A:A", 4), "độ rộng cột")
    checked(ws.set_column("B:B", 120), "độ rộng cột")
    cfg, table = plan.setup.config, plan.setup.table
    title = f"HƯỚNG DẪN TỰ CHẤM ĐIỂM THI ĐUA “{plan.movement.upper()}” NĂM {cfg.year}"
    _merge(ws, "A1:B1", title, st["guide_title"])
    checked(ws.set_row(0, 40), "chiều cao dòng")
    _merge(ws, "A2:B2", form.texts["unit_line"], st["guide_head"])
    row = 4
    for number, text in guide_lines(plan):
        _text(ws, f"A{row}", number, st["guide_head"])
        _text(ws, f"B{row}", text, st["wrap"])
        checked(ws.set_row(row - 1, row_height([(text, 120)])), "chiều cao dòng")
        row += 1
    row += 1
    if not table.official:
        note = (f"LƯU Ý: {table.disclaimer} Bảng tiêu chí mặc định trong biểu mẫu này là bản tái dựng để chạy "
                "thử; UBND phường sẽ thay bằng bảng tiêu chí chính thức của Ban Vì sự tiến bộ của phụ nữ và "
                "Bình đẳng giới và gửi lại biểu mẫu mới.")
        _merge(ws, f"A{row}:B{row}", note, st["guide_note"])
        checked(ws.set_row(row - 1, row_height([(note, 124)])), "chiều cao dòng")
        row += 1
    info = f"Mẫu: {table.template_id}, phiên bản {table.version}; ngày phát hành {fmt_date(cfg.issue_date)}."
    _merge(ws, f"A{row}:B{row}", info, st["sheet_hint"])
    page_setup(ws)
    protect(ws)
    ws.activate()


def guide_lines(plan: Plan) -> list[tuple[str, str]]:
    """Numbered instruction lines (adapted from domain-vi §7.1)."""
    cfg, table = plan.setup.config, plan.setup.table
    fields = "; ".join(f.label.lower() for f in table.justification_fields)
    bonus, penalty = table.sections_of("bonus")[0], table.sections_of("penalty")[0]
    deadline = (f"chậm nhất ngày {fmt_date(cfg.department_deadline)}" if cfg.department_deadline
                else "theo thời hạn Thường trực Ban thông báo")
    contact = cfg.contact or "Thường trực Ban"
    lines = [
        f"Trang “{SHEET_INFO}”: ghi họ tên, chức vụ người lập biểu, số điện thoại, email, họ tên thủ trưởng và "
        "ngày tự chấm. Không sửa mã đơn vị, tên đơn vị.",
        f"Trang “{SHEET_SCORE}”: chỉ nhập vào ô màu vàng. Tiêu chí Có/Không: chọn “Có” hoặc “Không”; tiêu chí tỷ "
        "lệ: chỉ tiêu do Ban giao (ô khóa; ô vàng thì đơn vị đăng ký, không thấp hơn mức Ban giao), nhập số Thực "
        "hiện; tiêu chí nhập %: gõ tỷ lệ kèm dấu %, ví dụ 85%; tiêu chí đếm: nhập số lần (số nguyên). Điểm tự tính; "
        "cột “Điểm được tính” là điểm phường sẽ tính; không sửa công thức, không chèn hoặc xóa dòng, cột.",
        f"Tiêu chí có điểm phải có minh chứng ở trang “{SHEET_EVIDENCE}”: mã tiêu chí và số, ký hiệu, ngày văn "
        "bản (ví dụ: KH số 12/KH-HPN ngày 05/5/2024) hoặc tên tệp (ví dụ kehoach.pdf); gửi kèm bản chụp. Ghi “x”, "
        "“có”, “-” không phải minh chứng. Cột “Minh chứng cần có” ghi loại minh chứng bảng tiêu chí yêu cầu.",
        "Mỗi hoạt động, kết quả chỉ kê ở MỘT tiêu chí phù hợp nhất, không kê lặp; số văn bản ghi hai lần sẽ tô đỏ.",
        f"Tiêu chí không thuộc chức năng của đơn vị: chỉ chọn “Không áp dụng” ở ô còn mở (Ban cho phép; ô ghi "
        f"“Áp dụng” là tiêu chí đơn vị phải thực hiện); điểm cơ bản được quy đổi về thang {table.base_max} điểm"
        + (f", nhưng mỗi phần tính ít nhất {number_text(table.na_min_applicable_pct)}% điểm tối đa của phần."
           if table.na_min_applicable_pct else "."),
        f"Điểm thưởng (phần {bonus.code}, tối đa {bonus.max} điểm): chỉ kê khi có thuyết minh đủ "
        f"{len(table.justification_fields)} yêu cầu: {fields}, ở trang “{SHEET_BONUS}”, và có minh chứng.",
        f"Điểm trừ (phần {penalty.code}, tối đa {penalty.max} điểm): tự kê trung thực số lần vi phạm.",
        f"Trước khi gửi: xem trang “{SHEET_CHECK}” — tổng điểm phường sẽ tính và mọi vấn đề cùng cách sửa; sửa đến "
        f"khi không còn dòng tô đỏ; cột cuối trang “{SHEET_BONUS}” phải hiện “Đủ” ở mọi dòng đã kê.",
        f"In, ký, đóng dấu (nếu có); gửi tệp Excel này (giữ nguyên tệp, không chép sang tệp khác) và bản scan về "
        f"{cfg.aggregator_name or 'UBND phường'} ({contact}) {deadline}. UBND phường tổng hợp gửi "
        f"{cfg.sends_to or 'cấp trên'} chậm nhất ngày {fmt_date(cfg.district_deadline)}.",
    ]
    return [(f"{i}.", text) for i, text in enumerate(lines, start=1)]
