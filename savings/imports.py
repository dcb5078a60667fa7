"""Reading investment and savings from a CSV or XLSX file, row by row.

Officers import spreadsheets in the admin. Every row is checked before
anything is written; a file with any bad row imports nothing and the page
lists each bad row with what is wrong (docs/savings.md "Imports").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Choices

from programmes.models import Council, Strand
from savings.models import Investment, InvestmentSource, Recurrence, SavingsEntry, SavingsKind
from savings.years import validate_financial_year

MAX_ROWS = 5000
PENNY = Decimal("0.01")
# The model's amount: 14 digits, 2 of them pence, so under £1,000,000,000,000.
_AMOUNT = SavingsEntry._meta.get_field("amount")
MONEY_LIMIT = Decimal(10) ** (_AMOUNT.max_digits - _AMOUNT.decimal_places)

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


@dataclass
class Row:
    number: int  # the spreadsheet's own row number (the header is row 1)
    values: dict[str, str]
    unreadable: str = ""  # why the row could not be read at all


@dataclass
class Table:
    header: list[str]
    rows: list[Row]


def _csv_rows(upload: UploadedFile) -> list[tuple[list[str], str]]:
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The CSV file must be saved as UTF-8") from None
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[list[str], str]] = []
    while True:
        try:
            rows.append((next(reader), ""))
        except StopIteration:
            return rows
        except csv.Error as error:
            # The reader refuses one row (a cell over its size limit, say)
            # and goes on with the next, so every row keeps its number.
            rows.append(([], _unreadable(error)))


def _unreadable(error: csv.Error) -> str:
    if "field limit" in str(error):
        return (
            f"a value is longer than {csv.field_size_limit():,} characters, "
            "the most one cell may hold: shorten it"
        )
    return f"the row could not be read as CSV ({error})"


def _xlsx_rows(upload: UploadedFile) -> list[tuple[list[str], str]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(upload, read_only=True, data_only=True).worksheets[0]
        # Read-only sheets are parsed lazily: a damaged file fails here too.
        return [(["" if cell is None else str(cell) for cell in row], "") for row in sheet.values]
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise ValidationError("The XLSX file could not be read: is it a spreadsheet?") from None


def read_table(upload: UploadedFile) -> Table:
    """The file's rows keyed by lower-cased header; ValidationError if unreadable."""
    name = (upload.name or "").lower()
    if name.endswith(".csv"):
        raw = _csv_rows(upload)
    elif name.endswith(".xlsx"):
        raw = _xlsx_rows(upload)
    else:
        raise ValidationError("The selected file must be a CSV or XLSX file")
    if not raw:
        raise ValidationError("The selected file is empty")
    cells, unreadable = raw[0]
    if unreadable:
        raise ValidationError(
            f"The first row, which names the columns, is unreadable: {unreadable}"
        )
    header = [cell.strip().lower().replace(" ", "_") for cell in cells]
    rows = [
        Row(number, dict(zip(header, (cell.strip() for cell in cells), strict=False)), unreadable)
        for number, (cells, unreadable) in enumerate(raw[1:], start=2)
    ]
    rows = [row for row in rows if row.unreadable or any(row.values.values())]
    if len(rows) > MAX_ROWS:
        raise ValidationError(
            f"The file has {len(rows):,} rows; import at most {MAX_ROWS:,} at once"
        )
    return Table(header=header, rows=rows)


def _shown(value: str) -> str:
    """A cell as quoted in a message: escaped, and cut short if long."""
    return repr(value if len(value) <= 40 else value[:40] + "…")


def _money(value: str) -> Decimal:
    not_money = f"amount {_shown(value)} is not an amount of money, like 1250.50"
    try:
        amount = Decimal(value.replace(",", "").removeprefix("£"))
    except InvalidOperation:
        raise ValueError(not_money) from None
    # NaN, sNaN and Infinity are Decimals too, but no sum of money.
    if not amount.is_finite():
        raise ValueError(not_money)
    if amount < 0:
        raise ValueError(f"amount {_shown(value)} must be 0 or more")
    if amount >= MONEY_LIMIT:
        raise ValueError(f"amount {_shown(value)} must be less than £{MONEY_LIMIT:,}")
    pence = amount.quantize(PENNY)
    if amount != pence:
        raise ValueError(f"amount {_shown(value)} must be to the penny, like 1250.50")
    # 1.500 and 1e2 are pounds and pence too, once written with two places.
    return pence


def _choice(value: str, choices: type[Choices], column: str) -> str:
    value = value.strip().lower()
    if value not in choices.values:
        raise ValueError(f"{column} {_shown(value)} must be one of: {', '.join(choices.values)}")
    return value


def preview(record: str, table: Table) -> ImportPreview:
    """Check every row exactly as the import will; nothing is written.

    Each row is parsed, then built into the model instance the service will
    save and fully cleaned (field limits, validators, constraints), so a file
    the preview accepts always imports.
    """
    result = ImportPreview(record=record)
    if not table.rows:
        result.errors.append(RowError(1, ["The file has a header row but no data rows"]))
        return result
    missing = [column for column in COLUMNS[record] if column not in table.header]
    if missing:
        result.errors.append(RowError(1, [f"Missing column: {column}" for column in missing]))
        return result
    values = [row.values for row in table.rows]
    strands = {strand.key: strand for strand in Strand.objects.all()}
    codes = {row.get("council_gss_code", "").upper() for row in values}
    councils = {c.gss_code: c for c in Council.objects.filter(gss_code__in=codes)}
    references = {row.get("bid_reference", "") for row in values} - {""}
    bids = {}
    if references:
        application = apps.get_model("applications", "Application")
        bids = {a.reference: a for a in application.objects.filter(reference__in=references)}
    lookups = _Lookups(strands=strands, councils=councils, bids=bids)
    cleaned: dict[str, Any]
    messages: list[str]
    for row in table.rows:
        if row.unreadable:
            cleaned, messages = {}, [row.unreadable]
        else:
            cleaned, messages = _check_row(record, row.values, lookups)
        if not messages:
            messages = _model_errors(record, cleaned)
        if messages:
            result.errors.append(RowError(row.number, messages))
        else:
            result.rows.append(cleaned)
    return result


# The model's field names as the file's columns, for messages.
COLUMN_OF_FIELD = {"council": "council_gss_code", "application": "bid_reference"}


def _model_errors(record: str, cleaned: dict[str, Any]) -> list[str]:
    """What the service's own full_clean() would refuse in this row."""
    if record == INVESTMENT:
        instance: Investment | SavingsEntry = Investment(**cleaned)
    else:
        # Verification is set by the service from the officer importing.
        instance = SavingsEntry(**{k: v for k, v in cleaned.items() if k != "verified"})
    try:
        # The related rows were just read from the database by their keys,
        # so their existence checks (a query each per row) are left out.
        instance.full_clean(exclude=["strand", "council", "application"])
    except ValidationError as error:
        return [
            message if name == NON_FIELD_ERRORS else f"{COLUMN_OF_FIELD.get(name, name)}: {message}"
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return []


@dataclass
class _Lookups:
    strands: dict[str, Strand]
    councils: dict[str, Council]
    bids: dict[str, Any]

    def strand(self, value: str) -> Strand:
        if value.lower() not in self.strands:
            raise ValueError(f"strand {_shown(value)} must be one of: {', '.join(self.strands)}")
        return self.strands[value.lower()]

    def council(self, value: str) -> Council:
        if value.upper() not in self.councils:
            raise ValueError(f"no council has the GSS code {_shown(value)}")
        return self.councils[value.upper()]

    def bid(self, value: str) -> Any:
        if not value:
            return None
        if value not in self.bids:
            raise ValueError(f"no bid has the reference {_shown(value)}")
        return self.bids[value]


def _year(value: str) -> str:
    validate_financial_year(value)
    return value


def _check_row(
    record: str, row: dict[str, str], lookups: _Lookups
) -> tuple[dict[str, Any], list[str]]:
    # PostgreSQL cannot store a NUL character in text; no column needs one.
    messages = [
        f"{column} contains a NUL character (\\x00), which cannot be stored: remove it"
        for column, value in row.items()
        if "\x00" in value
    ]
    messages += [f"{column} is empty" for column in COLUMNS[record] if not row.get(column)]
    if messages:
        return {}, messages
    cleaned: dict[str, Any] = {}
    checks: list[tuple[str, Callable[[str], Any], str]] = [
        ("strand", lookups.strand, row["strand"]),
        ("council", lookups.council, row["council_gss_code"]),
        ("financial_year", _year, row["financial_year"]),
        ("amount", _money, row["amount"]),
        ("application", lookups.bid, row.get("bid_reference", "")),
    ]
    if record == INVESTMENT:
        checks.append(("source", lambda v: _choice(v, InvestmentSource, "source"), row["source"]))
        cleaned["description"] = row.get("description", "")
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
            messages.append(f"verified {_shown(verified)} must be yes or no")
        elif verified in YES and cleaned.get("kind") != SavingsKind.REALISED:
            messages.append("only realised savings can be marked verified")
        cleaned["verified"] = verified in YES
    return cleaned, messages
