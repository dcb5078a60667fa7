"""The core of the demo data set: the board paper's councils, the strands, demo users.

`manage.py load_demo` runs the `demo.load(context)` of every installed app
that has one, in INSTALLED_APPS (layer) order, so each later issue adds its
part of the 2013 programme in its own app.

Demo people are plainly fictional. The board paper's contact officer is never
used: no real person's details go into the product or its demo data.
"""

from __future__ import annotations

import csv
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from programmes.models import Council, CouncilKind, Region, User
from programmes.roles import APPLICANT, BOARD_MEMBER, OFFICER, groups_sync
from programmes.services import council_upsert, strands_sync, user_create

COUNCILS_CSV = Path(__file__).parent / "data" / "councils-2013.csv"

KIND_BY_CSV = {
    "county": CouncilKind.COUNTY,
    "district": CouncilKind.DISTRICT,
    "unitary": CouncilKind.UNITARY,
    "metropolitan borough": CouncilKind.METROPOLITAN,
    "London borough": CouncilKind.LONDON,
}
REGION_BY_LABEL = {label: value for value, label in Region.choices}

# (username, first name, last name, role, council short name)
DEMO_USERS = [
    ("demo-allerdale", "Avery", "Sample", APPLICANT, "Allerdale"),
    ("demo-wyreforest", "Wren", "Example", APPLICANT, "Wyre Forest"),
    ("demo-officer", "Olly", "Placeholder", OFFICER, None),
    ("demo-board", "Bea", "Fictional", BOARD_MEMBER, None),
]


@dataclass
class DemoContext:
    write: Callable[[str], None]
    reset_passwords: bool = False
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _abolished_on(note: str) -> date | None:
    # The CSV says e.g. "abolished 1 April 2023 (now part of Cumberland)".
    return date(2023, 4, 1) if note.startswith("abolished 1 April 2023") else None


def load_councils() -> list[Council]:
    councils = []
    with COUNCILS_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            note = row["note"].strip()
            abolished_on = _abolished_on(note)
            councils.append(
                council_upsert(
                    gss_code=row["gss_code"],
                    name=row["name"],
                    short_name=row["short_name"],
                    kind=KIND_BY_CSV[row["kind"]],
                    region=REGION_BY_LABEL[row["region"]],
                    abolished_on=abolished_on,
                    abolition_note=note if abolished_on else "",
                    register_code=row["register_code"],
                )
            )
    return councils


def load_users(context: DemoContext) -> None:
    for username, first, last, role, council_name in DEMO_USERS:
        council = Council.objects.get(short_name=council_name) if council_name else None
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user_create(
                username=username,
                role=role,
                password=password,
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
                council=council,
            )
        elif context.reset_passwords:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
        else:
            password = "(unchanged: run load_demo --reset-passwords to see a new one)"  # noqa: S105
        label = f"{role}{f', {council.name}' if council else ''}"
        context.logins.append((label, username, password))


def load(context: DemoContext) -> None:
    groups_sync()
    councils = load_councils()
    strands = strands_sync()
    load_users(context)
    context.write(f"Councils: {len(councils)}; strands: {len(strands)}")
