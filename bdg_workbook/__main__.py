"""``python -m bdg_workbook``."""

from bdg_workbook.cli.main import main

main()
