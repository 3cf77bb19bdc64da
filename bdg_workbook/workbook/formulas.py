"""Excel formula text for every computed cell: the spreadsheet mirror of ``scoring.py``.

Pure strings (no spreadsheet library), so the generator writes them and the collector compares a
returned file's formulas against them to detect edited locked content.
"""

from __future__ import annotations

from bdg_workbook.layout.department import (BONUS_COMPLETE, BONUS_INCOMPLETE, BONUS_REUSED, BONUS_UNKNOWN, CHECK_COLUMNS, COL_CODE,
                                            COL_COUNTED, COL_EVIDENCE, COL_ISSUE, COL_MAX, COL_NA, COL_PCT, COL_POINTS,
                                            COL_TARGET, COL_VALUE, EVIDENCE_CHECKS, EVIDENCE_COLUMNS, EVIDENCE_OK, NA_LOCKED,
                                            SHEET_CHECK, Layout, absolute)
from bdg_workbook.domain.model import Criterion
from bdg_workbook.domain.scoring import MIN_DOC_CHARS, NO, NOT_APPLICABLE, YES, applicable_floor


def _num(value: object) -> str:
    text = format(value, "f") if value is not None else "0"
    return text.rstrip("0").rstrip(".") if "." in text else text


def criterion_formulas(lay: Layout, crit: Criterion) -> dict[str, str]:
    """Formulas of one criterion row: completion % (I), points (J), evidence count (K), counted points (L), problems (M).

    Text answers are compared as ``TRIM(cell)="…"`` (``scoring.sheet_equal``). Where the unit may propose its
    own target, the Ban's (a locked number on the check sheet) is the minimum: a lower one is refused.
    """
    minimum = minimum_ref(lay, crit)
    r = lay.criterion_rows[crit.code]
    g, f, c = f"{COL_VALUE}{r}", f"{COL_TARGET}{r}", f"{COL_MAX}{r}"
    na = f'TRIM({COL_NA}{r})="{NOT_APPLICABLE}"' if crit.allow_na else None
    if crit.method == "yesno":
        pct = f'IF(TRIM({g})="{YES}",100,0)'
        pts = f'IF(TRIM({g})="{YES}",{c},0)'
    elif crit.method == "ratio":
        guard = f"OR(NOT(ISNUMBER({g})),NOT(ISNUMBER({f}))," + f"N({f})<=0)"
        pct = f"IF({guard},0,ROUND(MIN(1,MAX(0,{g})/{f})*100,2))"
        pts = f"IF({guard},0,ROUND({c}*MIN(1,MAX(0,{g})/{f}),2))"
    elif crit.method == "percent":   # the cell holds a percentage (85% = 0.85): x100 on both sides
        pct = f"IF(ISNUMBER({g}),MIN(100,MAX(0,{g}*100)),0)"
        pts = f"IF(ISNUMBER({g}),ROUND({c}*MIN(100,MAX(0,{g}*100))/100,2),0)"
    else:
        each = _num(crit.points_each)
        pts = f"IF(ISNUMBER({g}),ROUND(MIN({c},MAX(0,{g})*{each}),2),0)"
        pct = f"ROUND({COL_POINTS}{r}*100/{c},2)"
    if na:
        pct, pts = f"IF({na},0,{pct})", f"IF({na},0,{pts})"
    evidence = f"COUNTIF(ev_order,{lay.order(crit.code)})"
    return {"pct": "=" + pct, "pts": "=" + pts, "evcount": "=" + evidence,
            "counted": "=" + counted_expr(lay, crit, minimum), "issue": "=" + issue_expr(lay, crit, minimum)}


def minimum_ref(lay: Layout, crit: Criterion) -> str | None:
    """The check-sheet cell holding the Ban's target when the unit may propose a higher one."""
    if crit.method != "ratio" or not crit.target_proposable:
        return None
    return absolute(SHEET_CHECK, f"{CHECK_COLUMNS['target']}{lay.check_rows[crit.code]}")


def _refused(lay: Layout, crit: Criterion, minimum: str | None) -> str:
    """True when the collector refuses the answer itself (the criterion then counts 0)."""
    r = lay.criterion_rows[crit.code]
    g, f = f"{COL_VALUE}{r}", f"{COL_TARGET}{r}"
    if crit.method == "percent":
        return f"AND(ISNUMBER({g}),{g}>1)"
    if crit.method == "count":
        return f"AND(ISNUMBER({g}),{g}<>INT({g}))"
    if crit.method == "ratio" and minimum is not None:
        return f"AND(ISNUMBER({f}),{f}<{minimum})"
    return "FALSE()"


def reused_expr(lay: Layout, crit: Criterion) -> str:
    """Evidence rows of the criterion whose document backs an earlier base criterion."""
    return f"COUNTIFS(ev_order,{lay.order(crit.code)},ev_reused,1)"


def claims_expr(lay: Layout, crit: Criterion) -> str:
    """Complete bonus claims of the criterion with their own evidence (``Đủ`` on the bonus sheet)."""
    r = lay.criterion_rows[crit.code]
    return f'SUMPRODUCT((TRIM(bonus_code)={COL_CODE}{r})*(bonus_complete="{BONUS_COMPLETE}"))'


def counted_expr(lay: Layout, crit: Criterion, minimum: str | None = None) -> str:
    """Points the ward counts (``scoring.evidence_decision`` and the bonus rules), without the leading ``=``."""
    r = lay.criterion_rows[crit.code]
    g, c, j, k = f"{COL_VALUE}{r}", f"{COL_MAX}{r}", f"{COL_POINTS}{r}", f"{COL_EVIDENCE}{r}"
    each = _num(crit.points_each)
    head = f"IF(OR({j}<=0,{_refused(lay, crit, minimum)}),0,"
    if crit.section in {s.code for s in lay.table.sections_of("base")}:
        reused = reused_expr(lay, crit)
        if crit.method == "count":
            less = f"ROUND(MIN({c},MAX(0,{g}-{reused})*{each}),2)"
        else:
            less = f"IF({reused}>={k},0,{j})"
        return head + f"IF({k}=0,0,IF({reused}=0,{j},{less})))"
    if crit.section in {s.code for s in lay.table.sections_of("bonus")}:
        claims = claims_expr(lay, crit)
        full = f"ROUND(MIN({c},MIN({g},{claims})*{each}),2)" if crit.method == "count" else j
        return head + f"IF({claims}=0,0,{full}))"
    return head + f"{j})"


def issue_expr(lay: Layout, crit: Criterion, minimum: str | None = None) -> str:
    """The problems the ward will report on this criterion, as one text ("" when none)."""
    r = lay.criterion_rows[crit.code]
    g, f, j, k = f"{COL_VALUE}{r}", f"{COL_TARGET}{r}", f"{COL_POINTS}{r}", f"{COL_EVIDENCE}{r}"
    parts: list[tuple[str, str]] = []
    filled = f'TRIM({g})<>""'
    if crit.allow_na:
        h = f"TRIM({COL_NA}{r})"
        parts.append((f'AND({h}<>"",{h}<>"{NOT_APPLICABLE}",{h}<>"{NA_LOCKED}")',
                      "Ô Không áp dụng chỉ để trống hoặc chọn 'Không áp dụng' trong danh sách. "))
    parts.append((f'TRIM({g})="{NOT_APPLICABLE}"',
                  "Không ghi 'Không áp dụng' vào ô Thực hiện" + ("; chọn ở cột Không áp dụng. " if crit.allow_na
                                                                 else ": Ban không cho phép với tiêu chí này. ")))
    if crit.method == "yesno":
        parts.append((f'AND({filled},TRIM({g})<>"{YES}",TRIM({g})<>"{NO}",TRIM({g})<>"{NOT_APPLICABLE}")',
                      "Chỉ ghi Có hoặc Không. "))
    else:
        parts.append((f'AND({filled},NOT(ISNUMBER({g})),TRIM({g})<>"{NOT_APPLICABLE}")',
                      "Ô Thực hiện phải là số (không phải chữ). "))
        parts.append((f"AND(ISNUMBER({g}),{g}<0)", "Số âm không được tính. "))
    if crit.method == "percent":
        parts.append((f"AND(ISNUMBER({g}),{g}>1)", "Tỷ lệ phải từ 0% đến 100% (gõ kèm dấu %, ví dụ 85%). "))
    if crit.method == "count":
        parts.append((f"AND(ISNUMBER({g}),{g}<>INT({g}))", "Số lần phải là số nguyên. "))
    if crit.method == "ratio":
        parts.append((f"AND(ISNUMBER({g}),OR(NOT(ISNUMBER({f})),N({f})<=0))", "Thiếu chỉ tiêu. "))
        if minimum is not None:
            parts.append((f"AND(ISNUMBER({f}),{f}<{minimum})",
                          f'Chỉ tiêu thấp hơn mức tối thiểu của Ban ("&{minimum}&"). '))
    base = {s.code for s in lay.table.sections_of("base")}
    if crit.section in base:
        reused = reused_expr(lay, crit)
        parts.append((f"AND({j}>0,{k}=0)", "Có điểm nhưng chưa có minh chứng xác định được văn bản (trang Minh chứng). "))
        parts.append((f"{reused}>0", f'"&{reused}&" văn bản đã là minh chứng của tiêu chí trước (chỉ chấm một lần). '))
    elif crit.section in {s.code for s in lay.table.sections_of("bonus")}:
        claims = claims_expr(lay, crit)
        parts.append((f"AND({j}>0,{claims}=0)",
                      "Chưa có dòng thuyết minh đủ 5 yêu cầu với minh chứng riêng (trang Điểm thưởng). "))
        if crit.method == "count":
            parts.append((f"AND({j}>0,{claims}>0,ISNUMBER({g}),{g}>{claims})",
                          f'Chỉ tính "&{claims}&" lần (số dòng thuyết minh hợp lệ). '))
    return "TRIM(" + "&".join(f'IF({test},"{text}","")' for test, text in parts) + ")"


def section_formula(lay: Layout, section: str, column: str = COL_POINTS) -> str:
    """Capped subtotal of a section (self-assessed in J, counted in L)."""
    sec = lay.table.section(section)
    return f"=MIN({_num(sec.max)},SUM({lay.section_range(section, column)}))"


def applicable_max_expr(lay: Layout, section: str) -> str:
    """Max of a section's applicable items (section max less items marked N/A), never below the Ban's floor."""
    sec = lay.table.section(section)
    floor = applicable_floor(lay.table, sec.max) if sec.kind == "base" else 0
    if not any(c.allow_na for c in sec.criteria):
        return _num(sec.max)
    expr = (f"({_num(sec.max)}-SUMPRODUCT((TRIM({lay.section_range(section, COL_NA)})=\"{NOT_APPLICABLE}\")*"
            f"{lay.section_range(section, COL_MAX)}))")
    return f"MAX({_num(floor)},{expr})" if floor else expr


def totals_formulas(lay: Layout, column: str = COL_POINTS) -> dict[str, str]:
    """Formulas of the totals block in one column (J: self-assessed, L: counted), by name, plus ``bonus_raw``
    and ``penalty_raw`` (J only)."""
    table = lay.table
    t = {name: f"{column}{row}" for name, row in lay.totals_rows.items()}
    base_secs = [s.code for s in table.sections_of("base")]
    bonus = table.sections_of("bonus")[0]
    penalty = table.sections_of("penalty")[0]
    sec_cell = {code: f"{column}{row}" for code, row in lay.section_rows.items()}
    app = "+".join(applicable_max_expr(lay, s) for s in base_secs)
    base_max = _num(table.base_max)
    out = {
        "base_raw": "=" + "+".join(sec_cell[s] for s in base_secs),
        "applicable_max": "=" + app if column == COL_POINTS else f"={COL_POINTS}{lay.totals_rows['applicable_max']}",
        "base": (f"=IF({t['applicable_max']}<=0,0,IF({t['applicable_max']}={base_max},{t['base_raw']},"
                 f"ROUND({t['base_raw']}*{base_max}/{t['applicable_max']},2)))"),
        "bonus_raw": f"=SUM({lay.section_range(bonus.code, column)})",
        "bonus": f"={sec_cell[bonus.code]}",
        "penalty_raw": f"=SUM({lay.section_range(penalty.code, column)})",
        "penalty": f"={sec_cell[penalty.code]}",
        "total": f"=MAX(0,ROUND({t['base']}+{t['bonus']}-{t['penalty']},2))",
    }
    out["rating"] = "=" + rating_expr(lay, t["total"], column)
    return out


def top_condition_expr(lay: Layout, column: str = COL_POINTS) -> str:
    """The top band's extra conditions as one boolean expression ("TRUE" when there are none)."""
    table = lay.table
    parts = [f"{lay.cell(column, code)}=0" for code in table.top_no_deductions_in]
    if table.top_section_min:
        code, pct = table.top_section_min
        sec_cell = f"{column}{lay.section_rows[code]}"
        parts.append(f"{sec_cell}>={applicable_max_expr(lay, code)}*{_num(pct)}/100")
    if not parts:
        return "TRUE()"
    return parts[0] if len(parts) == 1 else f"AND({','.join(parts)})"


def rating_expr(lay: Layout, total: str, column: str = COL_POINTS) -> str:
    """Nested IF over the rating bands, top band guarded by its conditions."""
    bands = lay.table.bands
    expr = f'"{bands[-1].label}"'
    for i in range(len(bands) - 2, -1, -1):
        test = f"{total}>={_num(bands[i].min)}"
        if i == 0:
            test = f"AND({test},{top_condition_expr(lay, column)})"
        expr = f'IF({test},"{bands[i].label}",{expr})'
    return expr


def identifies_expr(cell: str) -> str:
    """``scoring.identifies_document`` of a cell: 3+ characters after TRIM with a digit, or a file name."""
    t = f"TRIM({cell})"
    digit = f"SUMPRODUCT(--ISNUMBER(FIND({{0,1,2,3,4,5,6,7,8,9}},{t})))>0"
    dot = f'IFERROR(AND(FIND(".",{t})>1,FIND(".",{t})<LEN({t})),FALSE())'
    return f"AND(LEN({t})>={MIN_DOC_CHARS},OR({digit},{dot}))"


def evidence_formulas(lay: Layout, row: int) -> dict[str, str]:
    """Computed columns of one register row: status, document key, criterion position, base flag, reused flag."""
    code, doc = EVIDENCE_COLUMNS["code"][0], EVIDENCE_COLUMNS["doc"][0]
    col = {role: c for role, (c, _h) in EVIDENCE_CHECKS.items()}
    order = f"SUMPRODUCT((chk_code=TRIM({code}{row}))*chk_order)"
    known = f"{col['order']}{row}>0"
    ident = identifies_expr(f"{doc}{row}")
    first = lay.criterion_rows  # noqa: F841 - rows are named: the register refers to the check sheet
    return {
        "order": f'=IF(AND(TRIM({code}{row})<>"",{ident}),{order},0)',
        "key": f'=IF({known},TRIM({doc}{row}),"")',
        "base": f'=IF({known},IF(SUMPRODUCT((chk_order={col["order"]}{row})*(chk_kind="base"))>0,1,0),0)',
        "reused": (f'=IF({col["base"]}{row}=1,IF(SUMPRODUCT((ev_key={col["key"]}{row})*(ev_base=1)*'
                   f'(ev_order<{col["order"]}{row}))>0,1,0),0)'),
        "status": (f'=IF(AND(TRIM({code}{row})="",TRIM({doc}{row})=""),"",'
                   f'IF(SUMPRODUCT(--(chk_code=TRIM({code}{row})))=0,"Mã tiêu chí không có trong bảng",'
                   f'IF(NOT({ident}),"Không xác định được văn bản: ghi số, ký hiệu, ngày hoặc tên tệp",'
                   f'IF({col["reused"]}{row}=1,"Văn bản đã dùng cho tiêu chí trước","{EVIDENCE_OK}"))))'),
    }


def bonus_complete_formula(lay: Layout, row: int) -> str:
    """Status of one bonus claim row as the collector decides it: ``Đủ`` (counted), ``Thiếu`` (a justification
    field or a document that identifies one is missing), reused base evidence, or a code that is not a bonus item."""
    cols = lay.bonus_columns
    code = f'TRIM({cols["code"]}{row})'
    bonus = [c for s in lay.table.sections_of("bonus") for c in s.criteria]
    required = [c.code for c in bonus if c.requires_justification]
    if len(required) == len(bonus):
        needs = "TRUE()"
    elif not required:
        needs = "FALSE()"
    else:
        needs = "OR(" + ",".join(f'{code}="{c}"' for c in required) + ")"
    tests = ",".join(f'LEN(TRIM({cols[f.key]}{row}))>0' for f in lay.table.justification_fields)
    doc = f"{cols['doc']}{row}"
    known = f'SUMPRODUCT((chk_code={code})*(chk_kind="bonus"))>0'
    reused = f"SUMPRODUCT((ev_key=TRIM({doc}))*(ev_base=1))>0"
    return (f'=IF({code}="","",IF(NOT({known}),"{BONUS_UNKNOWN}",'
            f'IF(AND({needs},NOT(AND({tests},{identifies_expr(doc)}))),"{BONUS_INCOMPLETE}",'
            f'IF({reused},"{BONUS_REUSED}","{BONUS_COMPLETE}"))))')


def all_formulas(lay: Layout) -> dict[str, str]:
    """Every formula of the scoring sheet by cell address (e.g. ``J14``)."""
    out: dict[str, str] = {}
    for crit in lay.table.criteria:
        r = lay.criterion_rows[crit.code]
        f = criterion_formulas(lay, crit)
        out[f"{COL_PCT}{r}"] = f["pct"]
        out[f"{COL_POINTS}{r}"] = f["pts"]
        out[f"{COL_EVIDENCE}{r}"] = f["evcount"]
        out[f"{COL_COUNTED}{r}"] = f["counted"]
        out[f"{COL_ISSUE}{r}"] = f["issue"]
    for column in (COL_POINTS, COL_COUNTED):
        for code, row in lay.section_rows.items():
            out[f"{column}{row}"] = section_formula(lay, code, column)
        tot = totals_formulas(lay, column)
        for name, row in lay.totals_rows.items():
            out[f"{column}{row}"] = tot[name]
    tot = totals_formulas(lay)
    out[f"{COL_PCT}{lay.totals_rows['bonus']}"] = tot["bonus_raw"]
    out[f"{COL_PCT}{lay.totals_rows['penalty']}"] = tot["penalty_raw"]
    return out
