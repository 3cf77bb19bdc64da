"""bdg-workbook: the ward's gender-equality emulation scoring, run through Excel workbooks."""

__version__ = "0.1.0"
