"""The issued department workbook: the formulas that mirror ``domain.scoring``, the locked content and
its blank-form values, and the xlsxwriter build (strict writer, styles, validations, sheets, fast
per-shape templates). It writes files; it never parses returned ones."""
