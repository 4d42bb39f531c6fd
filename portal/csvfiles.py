"""CSV files the portal hands out, safe to open in a spreadsheet.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (`=HYPERLINK(...)`, `=cmd|...`), and a person's free text can begin
with one. Every such cell is neutralised with a leading `'`, as OWASP's guidance on CSV injection
says; the csv module then quotes what needs quoting. Numbers the portal itself writes are left as
they are (a number cannot carry a formula). Every CSV export uses `writer`, so none forgets.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, text: str, /) -> int: ...


def cell(value: object) -> str | int | float:
    """The value as a CSV cell: text that a spreadsheet would take for a formula gets a leading `'`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    written = "" if value is None else str(value)
    return "'" + written if written.startswith(FORMULA_STARTS) else written


class SafeWriter:
    """csv.writer with every cell passed through `cell`."""

    def __init__(self, out: _Writable) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: _Writable) -> SafeWriter:
    return SafeWriter(out)
