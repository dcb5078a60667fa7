"""Approved awards as open data in the 360Giving Data Standard (version 1.4).

The exporter works on `GrantRecord`s, which the selectors build from approved
bids; it knows nothing of the bid models. Identifiers:
- grants: `<OPEN_DATA_PREFIX><bid reference>`, e.g. `360G-lgaproductivity-PE-2013-0042`;
- councils: `GB-LAE-<register code>` (docs/open-data.md says where codes come
  from), or `<prefix>council-<GSS code>` where a council has no register code;
- the funder: the LGA, `OPEN_DATA_FUNDER_ID` (by default under our prefix,
  until the LGA's own org-id is confirmed).

Streaming (docs/open-data.md): the views send both files as they are written, from an
iterator over the awards, so a download's memory does not grow with the
number of grants. `package_json_chunks` writes byte for byte what
`json.dumps(package(...), indent=2, ensure_ascii=False)` writes (the package
header, then each grant indented as json.dumps would nest it, then the
footer); `csv_lines` writes the CSV a row at a time. docs/open-data.md says why
streaming rather than files prepared by the worker.

JSON numbers: amounts are Decimal pounds to the penny; they are written as
JSON numbers through float only at the last step, which is exact for any
amount below £10 trillion with two decimal places (the shortest repr of the
float is the decimal itself; `grant()` checks the round trip).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from programmes.spreadsheets import spreadsheet_row

STANDARD_VERSION = "1.4"
CSV_COLUMNS = [
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Applied For",
    "Amount Awarded",
    "Award Date",
    "Planned Dates:Start Date",
    "Planned Dates:End Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Recipient Org:Location:Name",
    "Recipient Org:Location:Geographic Code",
    "Recipient Org:Location:Geographic Code Type",
    "Recipient Org:Location:Country Code",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Grant Programme:Code",
    "Grant Programme:Title",
    "From An Open Call?",
    "Last Modified",
    "Data Source",
]
# Each beneficiary location (a council the grant serves) is a group of these
# columns, numbered from 0 as the standard's flattened form numbers a list:
# "Beneficiary Location:0:Geographic Code". The file has as many groups as
# the grant serving most councils needs (`csv_columns`).
LOCATION_COLUMNS = (
    "Name",
    "Geographic Code",
    "Geographic Code Type",
    "Country Code",
    "Description",
)
LOCATION_KEYS = ("name", "geoCode", "geoCodeType", "countryCode", "description")


def csv_columns(locations: int = 1) -> list[str]:
    """The CSV's column titles, with `locations` groups of beneficiary location columns."""
    return CSV_COLUMNS + [
        f"Beneficiary Location:{n}:{title}" for n in range(locations) for title in LOCATION_COLUMNS
    ]


# The 360Giving codelist geoCodeType (ONS entity codes, codelists/geoCodeType.csv
# of the standard), by the first three characters of a council's GSS code:
# unitary authorities, non-metropolitan districts, metropolitan districts,
# London boroughs, counties (England); unitary authorities (Wales); council
# areas (Scotland).
GEO_CODE_TYPES = {
    "E06": "UA",
    "E07": "NMD",
    "E08": "MD",
    "E09": "LONB",
    "E10": "CTY",
    "W06": "UA",
    "S12": "CA",
}


def geo_code_type(gss_code: str) -> str | None:
    return GEO_CODE_TYPES.get(gss_code[:3])


@dataclass(frozen=True)
class Beneficiary:
    """A council a grant serves: its name, GSS code and share of the grant."""

    name: str
    gss_code: str
    lead: bool = False
    share: Decimal | None = None


@dataclass(frozen=True)
class GrantRecord:
    reference: str
    title: str
    description: str
    amount_awarded: Decimal
    award_date: date
    recipient_name: str
    recipient_register_code: str
    recipient_gss_code: str
    programme_code: str
    programme_title: str
    modified: datetime
    amount_applied_for: Decimal | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    # The councils the grant serves, the lead first (docs/open-data.md,
    # "Where the money went"); none given: the recipient alone.
    beneficiaries: tuple[Beneficiary, ...] = ()


def _number(amount: Decimal) -> int | float:
    if amount == amount.to_integral_value():
        return int(amount)
    as_float = float(amount)
    if Decimal(repr(as_float)) != amount:
        raise ValueError(f"{amount} cannot be written exactly as a JSON number")
    return as_float


def funder() -> dict:
    return {"id": settings.OPEN_DATA_FUNDER_ID, "name": settings.OPEN_DATA_FUNDER_NAME}


def recipient_id(record: GrantRecord) -> str:
    if record.recipient_register_code:
        return f"GB-LAE-{record.recipient_register_code}"
    return f"{settings.OPEN_DATA_PREFIX}council-{record.recipient_gss_code}"


def location(*, name: str, gss_code: str, description: str = "") -> dict:
    """A 360Giving Location for a council's area: its GSS code and the code's
    type from the standard's codelist."""
    data: dict = {"name": name, "geoCode": gss_code}
    kind = geo_code_type(gss_code)
    if kind:
        data["geoCodeType"] = kind
    data["countryCode"] = "GB"
    if description:
        data["description"] = description
    return data


def beneficiaries(record: GrantRecord) -> tuple[Beneficiary, ...]:
    return record.beneficiaries or (
        Beneficiary(name=record.recipient_name, gss_code=record.recipient_gss_code, lead=True),
    )


def _beneficiary_location(beneficiary: Beneficiary) -> dict:
    role = "Lead council" if beneficiary.lead else "Partner council"
    share = (
        "" if beneficiary.share is None else f"; its share of the grant £{beneficiary.share:,.2f}"
    )
    return location(
        name=beneficiary.name, gss_code=beneficiary.gss_code, description=f"{role}{share}"
    )


def planned_dates(record: GrantRecord) -> dict:
    """When the grant's work runs: from the round's support window or the
    award's reporting years (the selector), never starting before the award
    date (a window that opened before the award starts on the award date);
    an end before the start is left out."""
    start = max(record.planned_start or record.award_date, record.award_date)
    dates = {"startDate": start.isoformat()}
    if record.planned_end is not None and record.planned_end >= start:
        dates["endDate"] = record.planned_end.isoformat()
    return dates


def grant(record: GrantRecord) -> dict:
    recipient = {
        "id": recipient_id(record),
        "name": record.recipient_name,
        "location": [location(name=record.recipient_name, gss_code=record.recipient_gss_code)],
    }
    data: dict = {
        "id": f"{settings.OPEN_DATA_PREFIX}{record.reference}",
        "title": record.title[:140],
        "description": record.description or record.title,
        "currency": "GBP",
        "amountAwarded": _number(record.amount_awarded),
        "awardDate": record.award_date.isoformat(),
        "plannedDates": [planned_dates(record)],
        "recipientOrganization": [recipient],
        "beneficiaryLocation": [_beneficiary_location(item) for item in beneficiaries(record)],
        "fundingOrganization": [funder()],
        "grantProgramme": [{"code": record.programme_code, "title": record.programme_title}],
        "fromOpenCall": "Yes",
        "dateModified": record.modified.isoformat(timespec="seconds"),
        "dataSource": settings.OPEN_DATA_SOURCE_URL,
    }
    if record.amount_applied_for is not None:
        data["amountAppliedFor"] = _number(record.amount_applied_for)
    return data


def _package_header(*, issued: date) -> dict:
    return {
        "version": STANDARD_VERSION,
        "title": "LGA Productivity Programme awards",
        "description": (
            "Awards made by the Local Government Association to councils through "
            "the Productivity Programme's strands."
        ),
        "issued": issued.isoformat(),
        "publisher": {"name": settings.OPEN_DATA_FUNDER_NAME},
        "license": "https://creativecommons.org/licenses/by/4.0/",
    }


def package(records: Iterable[GrantRecord], *, issued: date) -> dict:
    """A 360Giving data package. The standard wants at least one grant."""
    return {**_package_header(issued=issued), "grants": [grant(record) for record in records]}


def _json(data: dict) -> str:
    # What the JSON view has always written: JsonResponse's encoder, indent 2, UTF-8 as is.
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


def json_head(*, issued: date) -> str:
    """The package's text up to the opening of its grants list."""
    empty = _json({**_package_header(issued=issued), "grants": []})
    # The grants are the last key, so the text ends with their empty list.
    return empty.removesuffix("[]\n}") + "["


def json_grant(record: GrantRecord, *, first: bool) -> str:
    """One grant's text, nested two levels down, with the comma before it
    unless it is the first."""
    # Inside a JSON string a newline is escaped, so every raw newline is
    # between tokens: indenting them nests the grant two levels down.
    return ("\n    " if first else ",\n    ") + _json(grant(record)).replace("\n", "\n    ")


def json_tail(*, grants: bool) -> str:
    """The package's text after its grants (an empty list closes on its line)."""
    return "\n  ]\n}" if grants else "]\n}"


def package_json_chunks(records: Iterable[GrantRecord], *, issued: date) -> Iterator[str]:
    """`package()` as JSON text, a piece at a time: the header first (before
    any grant is read), then one piece per grant, then the footer. Joined, the
    pieces are exactly `_json(package(records, issued=issued))`."""
    yield json_head(issued=issued)
    first = True
    for record in records:
        yield json_grant(record, first=first)
        first = False
    yield json_tail(grants=not first)


class _Line:
    """A file for csv.writer whose write() hands back the line it was given."""

    def write(self, line: str) -> str:
        return line


def csv_writer() -> Any:
    """A csv.writer whose writerow() hands back the line it wrote."""
    return csv.writer(_Line())


def csv_head(writer: Any, *, locations: int = 1) -> str:
    return writer.writerow(csv_columns(locations))


def csv_line(writer: Any, record: GrantRecord, *, locations: int = 1) -> str:
    """One grant as a line of 360Giving's flattened CSV, with `locations`
    groups of beneficiary location columns (blank past the grant's own)."""
    data = grant(record)
    planned = data["plannedDates"][0]
    where = data["recipientOrganization"][0]["location"][0]
    served = [[item.get(key, "") for key in LOCATION_KEYS] for item in data["beneficiaryLocation"]]
    blank = ["" for _ in LOCATION_KEYS]
    served += [blank] * (locations - len(served))
    return writer.writerow(
        spreadsheet_row(
            [
                data["id"],
                data["title"],
                data["description"],
                data["currency"],
                "" if record.amount_applied_for is None else record.amount_applied_for,
                record.amount_awarded,
                data["awardDate"],
                planned.get("startDate", ""),
                planned.get("endDate", ""),
                data["recipientOrganization"][0]["id"],
                data["recipientOrganization"][0]["name"],
                where.get("name", ""),
                where.get("geoCode", ""),
                where.get("geoCodeType", ""),
                where.get("countryCode", ""),
                data["fundingOrganization"][0]["id"],
                data["fundingOrganization"][0]["name"],
                record.programme_code,
                record.programme_title,
                data["fromOpenCall"],
                data["dateModified"],
                data["dataSource"],
                *[cell for group in served[:locations] for cell in group],
            ]
        )
    )


def csv_lines(records: Iterable[GrantRecord], *, locations: int = 1) -> Iterator[str]:
    """The same grants as 360Giving's flattened CSV (its column titles), a
    line at a time (the header first, before any grant is read); `locations`:
    the most councils any of the grants serves (`selectors.grant_locations_max`)."""
    writer = csv_writer()
    yield csv_head(writer, locations=locations)
    for record in records:
        yield csv_line(writer, record, locations=locations)


def grants_csv(records: Iterable[GrantRecord]) -> str:
    listed = list(records)
    most = max((len(beneficiaries(record)) for record in listed), default=1)
    return "".join(csv_lines(listed, locations=most))
