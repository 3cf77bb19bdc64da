"""Untrusted-xlsx reading: the only code that opens returned files. A returned workbook or ward master
is checked as a zip container within limits, its XML parsed defused, and only the cells the layout
contract issued are taken out, as raw values with their addresses, for the collector to judge."""
