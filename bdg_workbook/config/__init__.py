"""Setup loading: the YAML templates (criteria table, departments, season config) read with a line for
every value, checked with located problems, and the ward's working folder (``init``). The default
templates live in the top-level ``templates/`` folder and ship in the wheel as ``bdg_workbook.templates``."""
