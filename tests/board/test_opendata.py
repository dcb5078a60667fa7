"""Awards export as valid 360Giving data, with councils' GB-LAE identifiers."""

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from programmes.board.opendata import (
    GrantRecord,
    csv_lines,
    grants_csv,
    package,
    package_json_chunks,
)
from tests.board.open_data_schema import package_errors


def record(**overrides) -> GrantRecord:
    fields = {
        "reference": "PE-2013-0001",
        "title": "A contracts negotiator for our four largest contracts",
        "description": "An expert with commercial acumen to renegotiate contracts.",
        "amount_awarded": Decimal("7500"),
        "award_date": date(2013, 5, 14),
        "recipient_name": "Allerdale Borough Council",
        "recipient_register_code": "ALL",
        "recipient_gss_code": "E07000026",
        "programme_code": "experts",
        "programme_title": "Productivity Experts",
        "modified": datetime(2013, 5, 14, 10, 0, tzinfo=timezone.get_current_timezone()),
    }
    return GrantRecord(**{**fields, **overrides})


def test_a_package_of_awards_is_valid_360giving():
    data = package(
        [record(), record(reference="EGA-2013-0002", amount_awarded=Decimal("1234.56"))],
        issued=date(2013, 9, 1),
    )
    assert package_errors(data) == []


def test_the_validator_catches_a_grant_without_an_award_date():
    data = package([record()], issued=date(2013, 9, 1))
    del data["grants"][0]["awardDate"]
    assert package_errors(data) != []


def test_identifiers_use_the_prefix_and_gb_lae(settings):
    settings.OPEN_DATA_PREFIX = "360G-test-"
    grant = package([record()], issued=date(2013, 9, 1))["grants"][0]
    assert grant["id"] == "360G-test-PE-2013-0001"
    assert grant["recipientOrganization"] == [
        {
            "id": "GB-LAE-ALL",
            "name": "Allerdale Borough Council",
            "location": [
                {
                    "name": "Allerdale Borough Council",
                    "geoCode": "E07000026",
                    "geoCodeType": "NMD",
                    "countryCode": "GB",
                }
            ],
        }
    ]
    assert grant["fundingOrganization"][0]["name"] == "Local Government Association"


def test_a_council_without_a_register_code_gets_an_identifier_under_our_prefix(settings):
    settings.OPEN_DATA_PREFIX = "360G-test-"
    grant = package([record(recipient_register_code="")], issued=date(2013, 9, 1))["grants"][0]
    assert grant["recipientOrganization"][0]["id"] == "360G-test-council-E07000026"


def test_amounts_are_exact_numbers():
    grant = package([record(amount_awarded=Decimal("1234.56"))], issued=date(2013, 9, 1))
    assert grant["grants"][0]["amountAwarded"] == 1234.56
    with pytest.raises(ValueError, match="cannot be written exactly"):
        package([record(amount_awarded=Decimal("123456789012345678.91"))], issued=date(2013, 9, 1))


def test_the_csv_uses_360giving_column_titles():
    rows = list(csv.DictReader(io.StringIO(grants_csv([record()]))))
    assert rows[0]["Identifier"].endswith("PE-2013-0001")
    assert rows[0]["Amount Awarded"] == "7500"
    assert rows[0]["Recipient Org:Identifier"] == "GB-LAE-ALL"


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_streamed_json_is_exactly_the_package_as_json_dumps_writes_it(count):
    records = [
        record(reference=f"PE-2013-000{n}", description=f'"Quoted"\nline {n} — £')
        for n in range(count)
    ]
    issued = date(2013, 9, 1)
    streamed = "".join(package_json_chunks(records, issued=issued))
    assert streamed == json.dumps(package(records, issued=issued), indent=2, ensure_ascii=False)


def test_the_files_header_is_written_before_any_grant_is_read():
    def records():
        raise AssertionError("a grant was read before the header was sent")
        yield record()

    assert next(package_json_chunks(records(), issued=date(2013, 9, 1))).startswith("{")
    assert next(csv_lines(records())).startswith("Identifier,Title,")
