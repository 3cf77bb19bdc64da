"""``python -m bdg_workbook``."""

from .cli import main

main()
