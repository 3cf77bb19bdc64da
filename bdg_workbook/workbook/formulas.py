"""Excel formula text for every computed cell: the spreadsheet mirror of ``scoring.py``.

Pure strings (no spreadsheet library), so the generator writes them and the collector compares a
returned file's formulas against them to detect edited locked content.
"""

from __future__ import annotations

from bdg_workbook.layout.department import (BONUS_COMPLETE, BONUS_INCOMPLETE, COL_CODE, COL_EVIDENCE, COL_MAX, COL_NA, COL_PCT, COL_POINTS,
                     COL_TARGET, COL_VALUE, Layout)
from bdg_workbook.domain.model import Criterion
from bdg_workbook.domain.scoring import NOT_APPLICABLE, YES


def _num(value: object) -> str:
    text = format(value, "f") if value is not None else "0"
    return text.rstrip("0").rstrip(".") if "." in text else text


def criterion_formulas(lay: Layout, crit: Criterion) -> dict[str, str]:
    """Formulas of one criterion row: completion % (I), points (J), evidence count (K)."""
    r = lay.criterion_rows[crit.code]
    g, f, c = f"{COL_VALUE}{r}", f"{COL_TARGET}{r}", f"{COL_MAX}{r}"
    na = f'{COL_NA}{r}="{NOT_APPLICABLE}"' if crit.allow_na else None
    if crit.method == "yesno":
        pct = f'IF({g}="{YES}",100,0)'
        pts = f'IF({g}="{YES}",{c},0)'
    elif crit.method == "ratio":
        guard = f"OR(NOT(ISNUMBER({g})),NOT(ISNUMBER({f}))," + f"N({f})<=0)"
        pct = f"IF({guard},0,ROUND(MIN(1,MAX(0,{g})/{f})*100,2))"
        pts = f"IF({guard},0,ROUND({c}*MIN(1,MAX(0,{g})/{f}),2))"
    elif crit.method == "percent":
        pct = f"IF(ISNUMBER({g}),MIN(100,MAX(0,{g})),0)"
        pts = f"IF(ISNUMBER({g}),ROUND({c}*MIN(100,MAX(0,{g}))/100,2),0)"
    else:
        each = _num(crit.points_each)
        pts = f"IF(ISNUMBER({g}),ROUND(MIN({c},MAX(0,{g})*{each}),2),0)"
        pct = f"ROUND({COL_POINTS}{r}*100/{c},2)"
    if na:
        pct, pts = f"IF({na},0,{pct})", f"IF({na},0,{pts})"
    evidence = f'COUNTIFS(ev_code,{COL_CODE}{r},ev_doc,"<>")'
    return {"pct": "=" + pct, "pts": "=" + pts, "evcount": "=" + evidence}


def section_formula(lay: Layout, section: str) -> str:
    """Capped subtotal of a section."""
    sec = lay.table.section(section)
    return f"=MIN({_num(sec.max)},SUM({lay.section_range(section, COL_POINTS)}))"


def applicable_max_expr(lay: Layout, section: str) -> str:
    """Max of a section's applicable items: section max minus the max of items marked not applicable."""
    sec = lay.table.section(section)
    if not any(c.allow_na for c in sec.criteria):
        return _num(sec.max)
    return (f'({_num(sec.max)}-SUMIF({lay.section_range(section, COL_NA)},"{NOT_APPLICABLE}",'
            f"{lay.section_range(section, COL_MAX)}))")


def totals_formulas(lay: Layout) -> dict[str, str]:
    """Formulas of the totals block, by name (plus ``bonus_raw`` and ``penalty_raw``)."""
    table = lay.table
    t = {name: f"{COL_POINTS}{row}" for name, row in lay.totals_rows.items()}
    base_secs = [s.code for s in table.sections_of("base")]
    bonus = table.sections_of("bonus")[0]
    penalty = table.sections_of("penalty")[0]
    sec_cell = {code: f"{COL_POINTS}{row}" for code, row in lay.section_rows.items()}
    app = "+".join(applicable_max_expr(lay, s) for s in base_secs)
    base_max = _num(table.base_max)
    out = {
        "base_raw": "=" + "+".join(sec_cell[s] for s in base_secs),
        "applicable_max": "=" + app,
        "base": (f"=IF({t['applicable_max']}<=0,0,IF({t['applicable_max']}={base_max},{t['base_raw']},"
                 f"ROUND({t['base_raw']}*{base_max}/{t['applicable_max']},2)))"),
        "bonus_raw": f"=SUM({lay.section_range(bonus.code, COL_POINTS)})",
        "bonus": f"={sec_cell[bonus.code]}",
        "penalty_raw": f"=SUM({lay.section_range(penalty.code, COL_POINTS)})",
        "penalty": f"={sec_cell[penalty.code]}",
        "total": f"=MAX(0,ROUND({t['base']}+{t['bonus']}-{t['penalty']},2))",
    }
    out["rating"] = "=" + rating_expr(lay, t["total"])
    return out


def top_condition_expr(lay: Layout) -> str:
    """The top band's extra conditions as one boolean expression ("TRUE" when there are none)."""
    table = lay.table
    parts = [f"{lay.cell(COL_POINTS, code)}=0" for code in table.top_no_deductions_in]
    if table.top_section_min:
        code, pct = table.top_section_min
        sec_cell = f"{COL_POINTS}{lay.section_rows[code]}"
        parts.append(f"{sec_cell}>={applicable_max_expr(lay, code)}*{_num(pct)}/100")
    if not parts:
        return "TRUE()"
    return parts[0] if len(parts) == 1 else f"AND({','.join(parts)})"


def rating_expr(lay: Layout, total: str) -> str:
    """Nested IF over the rating bands, top band guarded by its conditions."""
    bands = lay.table.bands
    expr = f'"{bands[-1].label}"'
    for i in range(len(bands) - 2, -1, -1):
        test = f"{total}>={_num(bands[i].min)}"
        if i == 0:
            test = f"AND({test},{top_condition_expr(lay)})"
        expr = f'IF({test},"{bands[i].label}",{expr})'
    return expr


def bonus_complete_formula(lay: Layout, row: int) -> str:
    """Completeness flag of one bonus claim row: every justification field and the evidence filled."""
    cols = lay.bonus_columns
    needed = [cols[f.key] for f in lay.table.justification_fields] + [cols["doc"]]
    tests = ",".join(f'LEN(TRIM({c}{row}))>0' for c in needed)
    return f'=IF({cols["code"]}{row}="","",IF(AND({tests}),"{BONUS_COMPLETE}","{BONUS_INCOMPLETE}"))'


def all_formulas(lay: Layout) -> dict[str, str]:
    """Every formula of the scoring sheet by cell address (e.g. ``J14``)."""
    out: dict[str, str] = {}
    for crit in lay.table.criteria:
        r = lay.criterion_rows[crit.code]
        f = criterion_formulas(lay, crit)
        out[f"{COL_PCT}{r}"] = f["pct"]
        out[f"{COL_POINTS}{r}"] = f["pts"]
        out[f"{COL_EVIDENCE}{r}"] = f["evcount"]
    for code, row in lay.section_rows.items():
        out[f"{COL_POINTS}{row}"] = section_formula(lay, code)
    tot = totals_formulas(lay)
    for name, row in lay.totals_rows.items():
        out[f"{COL_POINTS}{row}"] = tot[name]
    out[f"{COL_PCT}{lay.totals_rows['bonus']}"] = tot["bonus_raw"]
    out[f"{COL_PCT}{lay.totals_rows['penalty']}"] = tot["penalty_raw"]
    return out
