"""Cells for the CSV files the portal writes, made safe to open in a spreadsheet.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
read by Excel, LibreOffice and Google Sheets as a formula, so a bid title such
as `=HYPERLINK("http://evil.example/","Click")` would become a live link (or
worse) on the desk of whoever opens the public open-data file. OWASP's "CSV
Injection" page recommends prefixing such cells with a single quote, which
spreadsheets show as text. Every CSV writer in the portal passes its cells
through `spreadsheet_cell`, so the rule is kept in one place.

Real numbers (int, Decimal, float) are the portal's own figures and stay
numbers, negative ones included. A string is always text, even one that looks
like "-1250.00": it came from someone's typing, and is quoted like any other.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """The value as it should be written to a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def spreadsheet_row(values: Iterable[object]) -> list[object]:
    return [spreadsheet_cell(value) for value in values]


def xlsx_bytes(rows: Iterable[Iterable[object]], *, title: str) -> bytes:
    """A one-sheet workbook of `rows` (the first is the header, in bold and
    frozen), every cell made safe as in a CSV file."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None, "a new workbook has a sheet"
    sheet.title = title
    for row in rows:
        sheet.append(spreadsheet_row(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
