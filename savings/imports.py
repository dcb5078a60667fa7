"""Reading investment and savings from a CSV or XLSX file, row by row.

Officers import spreadsheets in the admin. Every row is checked before
anything is written; a file with any bad row imports nothing and the page
lists each bad row with what is wrong (docs/savings.md "Imports").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from programmes.models import Council, Strand
from savings.models import InvestmentSource, Recurrence, SavingsKind
from savings.years import validate_financial_year

MAX_ROWS = 5000

INVESTMENT = "investment"
SAVINGS = "savings"
COLUMNS = {
    INVESTMENT: ["strand", "council_gss_code", "financial_year", "amount", "source"],
    SAVINGS: ["strand", "council_gss_code", "financial_year", "amount", "kind"],
}
OPTIONAL = {
    INVESTMENT: ["description", "bid_reference"],
    SAVINGS: ["recurrence", "evidence", "bid_reference", "verified"],
}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


@dataclass
class RowError:
    row: int  # the spreadsheet's own row number (the header is row 1)
    messages: list[str]


@dataclass
class ImportPreview:
    record: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors


def read_table(upload: UploadedFile) -> list[dict[str, str]]:
    """The file's rows as dicts keyed by lower-cased header; ValidationError if unreadable."""
    name = (upload.name or "").lower()
    if name.endswith(".csv"):
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The CSV file must be saved as UTF-8") from None
        raw = list(csv.reader(io.StringIO(text)))
    elif name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(upload, read_only=True, data_only=True).worksheets[0]
        except Exception:  # openpyxl raises many kinds for a damaged file
            raise ValidationError("The XLSX file could not be read: is it a spreadsheet?") from None
        raw = [["" if cell is None else str(cell) for cell in row] for row in sheet.values]
    else:
        raise ValidationError("The selected file must be a CSV or XLSX file")
    if not raw:
        raise ValidationError("The selected file is empty")
    header = [cell.strip().lower().replace(" ", "_") for cell in raw[0]]
    rows = [dict(zip(header, (cell.strip() for cell in row), strict=False)) for row in raw[1:]]
    rows = [row for row in rows if any(row.values())]
    if len(rows) > MAX_ROWS:
        raise ValidationError(
            f"The file has {len(rows):,} rows; import at most {MAX_ROWS:,} at once"
        )
    return rows


def _money(value: str) -> Decimal:
    try:
        amount = Decimal(value.replace(",", "").removeprefix("£"))
    except InvalidOperation:
        raise ValueError(f"amount {value!r} is not an amount of money, like 1250.50") from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"amount {value!r} must be 0 or more, to the penny")
    return amount


def _choice(value: str, choices: type, column: str) -> str:
    value = value.strip().lower()
    if value not in choices.values:
        raise ValueError(f"{column} {value!r} must be one of: {', '.join(choices.values)}")
    return value


def preview(record: str, table: list[dict[str, str]]) -> ImportPreview:
    """Check every row; nothing is written."""
    result = ImportPreview(record=record)
    if not table:
        result.errors.append(RowError(1, ["The file has a header row but no data rows"]))
        return result
    missing = [column for column in COLUMNS[record] if column not in table[0]]
    if missing:
        result.errors.append(RowError(1, [f"Missing column: {column}" for column in missing]))
        return result
    strands = {strand.key: strand for strand in Strand.objects.all()}
    codes = {row.get("council_gss_code", "").upper() for row in table}
    councils = {c.gss_code: c for c in Council.objects.filter(gss_code__in=codes)}
    references = {row.get("bid_reference", "") for row in table} - {""}
    bids = {}
    if references:
        application = apps.get_model("applications", "Application")
        bids = {a.reference: a for a in application.objects.filter(reference__in=references)}
    lookups = _Lookups(strands=strands, councils=councils, bids=bids)
    for number, row in enumerate(table, start=2):
        cleaned, messages = _check_row(record, row, lookups)
        if messages:
            result.errors.append(RowError(number, messages))
        else:
            result.rows.append(cleaned)
    return result


@dataclass
class _Lookups:
    strands: dict[str, Strand]
    councils: dict[str, Council]
    bids: dict[str, Any]

    def strand(self, value: str) -> Strand:
        if value.lower() not in self.strands:
            raise ValueError(f"strand {value!r} must be one of: {', '.join(self.strands)}")
        return self.strands[value.lower()]

    def council(self, value: str) -> Council:
        if value.upper() not in self.councils:
            raise ValueError(f"no council has the GSS code {value!r}")
        return self.councils[value.upper()]

    def bid(self, value: str) -> Any:
        if not value:
            return None
        if value not in self.bids:
            raise ValueError(f"no bid has the reference {value!r}")
        return self.bids[value]


def _year(value: str) -> str:
    validate_financial_year(value)
    return value


def _check_row(
    record: str, row: dict[str, str], lookups: _Lookups
) -> tuple[dict[str, Any], list[str]]:
    messages = [f"{column} is empty" for column in COLUMNS[record] if not row.get(column)]
    if messages:
        return {}, messages
    cleaned: dict[str, Any] = {}
    checks = [
        ("strand", lookups.strand, row["strand"]),
        ("council", lookups.council, row["council_gss_code"]),
        ("financial_year", _year, row["financial_year"]),
        ("amount", _money, row["amount"]),
        ("application", lookups.bid, row.get("bid_reference", "")),
    ]
    if record == INVESTMENT:
        checks.append(("source", lambda v: _choice(v, InvestmentSource, "source"), row["source"]))
        cleaned["description"] = row.get("description", "")[:300]
    else:
        checks.append(("kind", lambda v: _choice(v, SavingsKind, "kind"), row["kind"]))
        checks.append(
            (
                "recurrence",
                lambda v: _choice(v or Recurrence.ONE_OFF, Recurrence, "recurrence"),
                row.get("recurrence", ""),
            )
        )
        cleaned["evidence"] = row.get("evidence", "")
    for name, parse, value in checks:
        try:
            cleaned[name] = parse(value)
        except ValidationError as error:
            messages.append(error.messages[0])
        except ValueError as error:
            messages.append(str(error))
    if record == SAVINGS:
        verified = row.get("verified", "").lower()
        if verified not in YES | NO:
            messages.append(f"verified {verified!r} must be yes or no")
        elif verified in YES and cleaned.get("kind") != SavingsKind.REALISED:
            messages.append("only realised savings can be marked verified")
        cleaned["verified"] = verified in YES
    return cleaned, messages
