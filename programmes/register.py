"""The council register's data file: reading it into entries (docs/councils.md).

`programmes/data/councils.csv` holds every council the portal knows, with
its GSS code, kind, region, dates and successors. This module only reads
and checks a file; `programmes.services.councils_load` writes what it
says, and `manage.py councils_load` and the demo call that.

Columns: `gss_code`, `name`, `short_name`, `kind` and `region` are required;
`register_code`, `created_on`, `abolished_on` (ISO dates, YYYY-MM-DD),
`abolition_note` and `successors` (the successors' GSS codes, separated by
spaces) are optional, and a column the file leaves out leaves that field as
it is. Other columns (`role_in_paper`, `note`) are for people reading it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from programmes.models import CouncilKind, Region
from programmes.validators import GSS_CODE_RE

REGISTER_CSV = Path(__file__).parent / "data" / "councils.csv"

REQUIRED = ("gss_code", "name", "short_name", "kind", "region")
OPTIONAL = ("register_code", "created_on", "abolished_on", "abolition_note")
DATES = ("created_on", "abolished_on")

# The file says a council's kind as the board paper's table does ("London
# borough"); the model's values and labels are accepted too.
KIND_BY_WORD = {
    "county": CouncilKind.COUNTY,
    "district": CouncilKind.DISTRICT,
    "unitary": CouncilKind.UNITARY,
    "metropolitan borough": CouncilKind.METROPOLITAN,
    "london borough": CouncilKind.LONDON,
    **{value: CouncilKind(value) for value in CouncilKind.values},
    **{str(label).lower(): CouncilKind(value) for value, label in CouncilKind.choices},
}
REGION_BY_WORD = {
    **{str(label).lower(): Region(value) for value, label in Region.choices},
    **{value: Region(value) for value in Region.values},
}


@dataclass(frozen=True)
class CouncilEntry:
    """One row of the file: the council's fields as the file gives them
    (only the columns it has), and its successors' GSS codes (None when the
    file has no `successors` column)."""

    line: int
    gss_code: str
    data: dict[str, Any]
    successors: tuple[str, ...] | None = None


class RegisterFileError(ValueError):
    """The file cannot be loaded; `problems` says where and why, a line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class _Reader:
    problems: list[str] = field(default_factory=list)

    def date(self, line: int, column: str, text: str) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.problems.append(f"line {line}: {column} {text!r} is not a date like 2023-04-01")
            return None

    def choice(self, line: int, column: str, text: str, words: dict[str, Any]) -> Any:
        value = words.get(text.lower())
        if value is None:
            self.problems.append(f"line {line}: {column} {text!r} is not one the portal knows")
        return value

    def code(self, line: int, column: str, text: str) -> str:
        if not GSS_CODE_RE.match(text):
            self.problems.append(f"line {line}: {column} {text!r} is not a GSS code like E07000026")
        return text


def register_parse(
    rows: Iterable[dict[str, str | None]], columns: Iterable[str]
) -> list[CouncilEntry]:
    """Entries from a CSV's rows (as csv.DictReader gives them); raises
    RegisterFileError listing every problem, so nothing is loaded from a file
    with any."""
    columns = [column.strip() for column in columns]
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        raise RegisterFileError([f"the file has no {', '.join(missing)} column"])
    present = [column for column in OPTIONAL if column in columns]
    has_successors = "successors" in columns
    reader = _Reader()
    entries: list[CouncilEntry] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        text = {key.strip(): (value or "").strip() for key, value in row.items() if key}
        if not any(text.values()):
            continue
        code = reader.code(line, "gss_code", text["gss_code"])
        if code in seen:
            reader.problems.append(f"line {line}: {code} is already on line {seen[code]}")
        seen[code] = line
        data: dict[str, Any] = {
            "gss_code": code,
            "name": text["name"],
            "short_name": text["short_name"],
            "kind": reader.choice(line, "kind", text["kind"], KIND_BY_WORD),
            "region": reader.choice(line, "region", text["region"], REGION_BY_WORD),
        }
        for column in present:
            value = text.get(column, "")
            data[column] = reader.date(line, column, value) if column in DATES else value
        for column in REQUIRED:
            if not text[column]:
                reader.problems.append(f"line {line}: {column} is empty")
        successors = None
        if has_successors:
            successors = tuple(
                reader.code(line, "successor", word)
                for word in text.get("successors", "").replace(";", " ").split()
            )
        entries.append(CouncilEntry(line=line, gss_code=code, data=data, successors=successors))
    if reader.problems:
        raise RegisterFileError(reader.problems)
    return entries


def register_read(path: Path | str = REGISTER_CSV) -> list[CouncilEntry]:
    """The entries of a register file (the repository's by default)."""
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        rows = csv.DictReader(handle)
        return register_parse(rows, rows.fieldnames or [])
