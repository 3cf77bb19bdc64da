"""``python -m bdg_workbook``."""

from bdg_workbook.cli.main import main

if __name__ == "__main__":   # a spawned worker (Windows, macOS) imports this module without running the program
    main()
