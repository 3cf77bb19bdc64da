"""The ward master: the signed report workbook of one collection (report page, appendix, findings,
evidence, bonus, files, chart, review sheet, hidden data) and its CSV/JSON exports, written atomically."""
