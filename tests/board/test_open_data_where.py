"""Open data says where the money went (issue 24): each grant's beneficiary
locations are the councils it served (GSS codes, names, the code's type),
the recipient has its location, every grant has planned dates that start on
or after its award date, the programme is named and the source recorded.
The files stay valid 360Giving and round-trip through flattentool."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from programmes.board.opendata import GEO_CODE_TYPES, Beneficiary, package
from tests.board.open_data_schema import SCHEMAS, package_errors
from tests.board.test_opendata import record

# The standard's geoCodeType codelist (codelists/geoCodeType.csv): the codes
# a council's area can have.
CODELIST = {"UA", "NMD", "MD", "LONB", "CTY", "CA"}


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return b"".join(response)


def _demo_package(client) -> dict:
    return json.loads(_body(client.get(reverse("opendata:json"))))


def test_every_demo_grant_says_where_the_money_went(demo, client, settings):
    settings.OPEN_DATA_SOURCE_URL = "https://portal.example.org/open-data/"
    data = _demo_package(client)
    assert package_errors(data) == []
    assert len(data["grants"]) > 7
    for grant in data["grants"]:
        where = grant["beneficiaryLocation"]
        assert where, grant["id"]
        assert all(place["geoCode"][:3] in GEO_CODE_TYPES for place in where)
        assert {place["geoCodeType"] for place in where} <= CODELIST
        recipient = grant["recipientOrganization"][0]["location"][0]
        assert recipient["geoCode"] == where[0]["geoCode"]  # the lead first
        assert grant["plannedDates"][0]["startDate"] >= grant["awardDate"], grant["id"]
        end = grant["plannedDates"][0].get("endDate")
        assert end is None or end >= grant["plannedDates"][0]["startDate"]
        assert grant["grantProgramme"][0]["title"]
        assert grant["dataSource"] == "https://portal.example.org/open-data/"


def test_a_shared_appointment_names_both_councils_and_their_shares(demo, client):
    grants = _demo_package(client)["grants"]
    herts = next(g for g in grants if g["recipientOrganization"][0]["id"] == "GB-LAE-HRT")
    assert [
        (place["name"], place["geoCode"], place["geoCodeType"])
        for place in herts["beneficiaryLocation"]
    ] == [
        ("Hertfordshire County Council", "E10000015", "CTY"),
        ("Essex County Council", "E10000012", "CTY"),
    ]
    assert herts["beneficiaryLocation"][1]["description"] == (
        "Partner council; its share of the grant £3,750.00"
    )
    # The ten councils the seven appointments serve.
    experts = [g for g in grants if g["grantProgramme"][0]["code"] == "experts"]
    served = {place["geoCode"] for g in experts for place in g["beneficiaryLocation"]}
    assert len(served) == 10


def test_a_grant_never_starts_before_its_award():
    early = record(award_date=date(2013, 10, 2), planned_start=date(2013, 9, 1))
    grant = package([early], issued=date(2013, 10, 2))["grants"][0]
    assert grant["plannedDates"] == [{"startDate": "2013-10-02"}]
    window = record(
        award_date=date(2013, 8, 20),
        planned_start=date(2013, 9, 1),
        planned_end=date(2014, 2, 28),
    )
    grant = package([window], issued=date(2013, 10, 2))["grants"][0]
    assert grant["plannedDates"] == [{"startDate": "2013-09-01", "endDate": "2014-02-28"}]
    # With nothing known of the work's dates, it starts on the award date.
    grant = package([record()], issued=date(2013, 10, 2))["grants"][0]
    assert grant["plannedDates"] == [{"startDate": "2013-05-14"}]


def test_the_csv_has_a_group_of_columns_per_council_served():
    shared = record(
        beneficiaries=(
            Beneficiary(name="Hackney", gss_code="E09000012", lead=True),
            Beneficiary(name="Camden", gss_code="E09000007"),
        )
    )
    from programmes.board.opendata import grants_csv

    rows = list(csv.DictReader(io.StringIO(grants_csv([record(), shared]))))
    assert rows[1]["Beneficiary Location:1:Geographic Code"] == "E09000007"
    assert rows[1]["Beneficiary Location:1:Geographic Code Type"] == "LONB"
    assert rows[0]["Beneficiary Location:0:Geographic Code"] == "E07000026"
    assert rows[0]["Beneficiary Location:1:Geographic Code"] == ""
    assert rows[0]["Recipient Org:Location:Geographic Code Type"] == "NMD"


# Round trips through flattentool (the 360Giving tools' converter) ---------------


def _without_empty(value):
    """JSON as flattentool gives it back: empty strings and lists are left out."""
    if isinstance(value, dict):
        kept = {key: _without_empty(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in ("", [], {}, None)}
    if isinstance(value, list):
        return [_without_empty(item) for item in value]
    return value


def _unflatten(folder: Path, input_format: str) -> list[dict]:
    flattentool = pytest.importorskip("flattentool")
    output = folder.parent / f"{folder.name}.json"
    flattentool.unflatten(
        str(folder),
        input_format=input_format,
        output_name=str(output),
        root_list_path="grants",
        schema=str(SCHEMAS / "360-giving-schema.json"),
        convert_titles=True,
        id_name="id",
    )
    return json.loads(output.read_text())["grants"]


@pytest.mark.filterwarnings("ignore")
def test_the_json_round_trips_through_flattentool(demo, client, tmp_path):
    flattentool = pytest.importorskip("flattentool")
    data = _demo_package(client)
    source = tmp_path / "grants.json"
    source.write_text(json.dumps(data))
    flattentool.flatten(
        str(source),
        schema=str(SCHEMAS / "360-giving-schema.json"),
        output_name=str(tmp_path / "flat"),
        output_format="csv",
        root_list_path="grants",
        main_sheet_name="grants",
        use_titles=True,
    )
    back = _unflatten(tmp_path / "flat", "csv")
    assert back == _without_empty(data["grants"])
    assert package_errors({**data, "grants": back}) == []


@pytest.mark.filterwarnings("ignore")
def test_the_csv_download_unflattens_to_the_json_download(demo, client, tmp_path):
    data = _demo_package(client)
    folder = tmp_path / "download"
    folder.mkdir()
    text = _body(client.get(reverse("opendata:csv"))).decode("utf-8").removeprefix("\ufeff")
    (folder / "grants.csv").write_text(text)
    back = _unflatten(folder, "csv")
    assert back == _without_empty(data["grants"])
    assert package_errors({**data, "grants": back}) == []
