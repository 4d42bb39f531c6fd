"""CSV files the portal hands out, safe to open in a spreadsheet.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (`=HYPERLINK(...)`, `=cmd|...`), and a person's free text can begin
with one. Every such cell is neutralised with a leading `'`, as OWASP's guidance on CSV injection
says; the csv module then quotes what needs quoting. Numbers the portal itself writes are left as
they are (a number cannot carry a formula): an int, a float, or text marked as the portal's `Number`. Every CSV export uses `writer`, so none forgets.

The files open in columns in a Latvian- or Russian-locale spreadsheet as they are: cells are
separated by `;` (where the decimal separator is a comma, Excel and LibreOffice split CSV at `;`),
numbers have a decimal comma (`decimal`), and a BOM says UTF-8.

A long export is streamed (`streamed`, `attachment`): its rows are written a batch at a time as
they come from the database's cursor, so the whole file is never in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Protocol

from starlette.responses import StreamingResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DELIMITER = ";"
BOM = "\ufeff"  # first in the file: Excel then reads it as UTF-8 (ā, š, ž, я)
ROWS_PER_CHUNK = 500


class _Writable(Protocol):
    def write(self, text: str, /) -> int: ...


class Number(str):
    """A number the portal itself wrote as text ("-1,00"): left as it is, though it may begin with a minus."""


def decimal(text: str) -> Number:
    """A number written with a decimal point ("5.11"), as the Latvian and Russian locales write it ("5,11")."""
    return Number(text.replace(".", ","))


def cell(value: object) -> str | int:
    """The value as a CSV cell: text that a spreadsheet would take for a formula gets a leading `'`; a
    fraction gets a decimal comma."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Number):  # the portal's own figure: a minus is a sign, not a formula
        return str(value)
    if isinstance(value, float):
        return decimal(repr(value))
    written = "" if value is None else str(value)
    return "'" + written if written.startswith(FORMULA_STARTS) else written


class SafeWriter:
    """csv.writer with every cell passed through `cell`."""

    def __init__(self, out: _Writable) -> None:
        self._writer = csv.writer(out, delimiter=DELIMITER)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: _Writable) -> SafeWriter:
    return SafeWriter(out)


async def streamed(header: Iterable[object], rows: AsyncIterable[Iterable[object]], *,
                   rows_per_chunk: int = ROWS_PER_CHUNK) -> AsyncIterator[bytes]:
    """The CSV file in UTF-8 with a BOM, a chunk of `rows_per_chunk` rows at a time, every cell through
    `cell`. Only one chunk is in memory at once."""
    out = io.StringIO()
    out.write(BOM)
    safe = writer(out)
    safe.writerow(header)
    written = 0
    async for row in rows:
        safe.writerow(row)
        written += 1
        if written % rows_per_chunk == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def attachment(filename: str, chunks: AsyncIterable[bytes]) -> StreamingResponse:
    """A CSV download sent as it is written; never kept by a cache (it holds people's data)."""
    return StreamingResponse(chunks, media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
