"""The public open-data downloads: approved awards as valid 360Giving data."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationState, Call
from programmes.board import selectors
from tests.board.open_data_schema import package_errors


def test_the_demo_awards_download_as_valid_360giving_json_and_csv(demo, client, settings):
    settings.OPEN_DATA_PREFIX = "360G-lgaproductivity-"
    response = client.get(reverse("opendata:json"))
    assert response.status_code == 200
    data = json.loads(_body(response))
    assert package_errors(data) == []
    grants = {grant["id"]: grant for grant in data["grants"]}
    # The seven Productivity Experts appointments are approved awards (para 8).
    experts = [g for g in grants.values() if g["grantProgramme"][0]["code"] == "experts"]
    assert len(experts) == 7
    assert sum(g["amountAwarded"] for g in experts) == 46000
    assert all(g["id"].startswith("360G-lgaproductivity-PE-") for g in experts)
    allerdale = next(g for g in experts if g["recipientOrganization"][0]["id"] == "GB-LAE-ALL")
    assert allerdale["fundingOrganization"][0]["name"] == "Local Government Association"

    response = client.get(reverse("opendata:csv"))
    body = _body(response).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
    assert {row["Identifier"] for row in rows} == set(grants)


def test_with_no_awards_the_json_package_is_404_not_an_invalid_file(client, db):
    assert client.get(reverse("opendata:json")).status_code == 404
    assert (
        "No awards have been published yet"
        in client.get(reverse("opendata:index")).content.decode()
    )


# What the downloads sent before they were streamed (issue 16): main's views,
# copied verbatim, so the streamed files can be held to the same bytes.
def _before_json(records, issued) -> bytes:
    from django.http import JsonResponse

    from programmes.board.opendata import package

    data = package(records, issued=issued)
    return JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False}).content


def _before_csv(records) -> bytes:
    # The whole file written at once (grants_csv), with as many groups of
    # beneficiary location columns as the grant serving most councils needs.
    from programmes.board.opendata import grants_csv

    return ("\ufeff" + grants_csv(records)).encode("utf-8")


def _body(response) -> bytes:
    # Streamed (issue 16): the web worker never holds the whole file.
    assert response.streaming
    return b"".join(response.streaming_content)


def test_the_downloads_are_byte_for_byte_what_they_were_before_streaming(demo, client):
    records = list(selectors.grant_records())
    assert len(records) > 7
    json_response = client.get(reverse("opendata:json"))
    assert json_response["Content-Type"] == "application/json"
    assert json_response["Content-Disposition"] == (
        'attachment; filename="lga-productivity-grants.json"'
    )
    body = _body(json_response)
    before = _before_json(records, timezone.localdate())
    assert json.loads(body) == json.loads(before)
    assert body == before

    csv_response = client.get(reverse("opendata:csv"))
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert _body(csv_response) == _before_csv(records)


@pytest.mark.django_db
def test_a_grant_with_non_ascii_text_and_pennies_streams_as_before(client, strands, council_a):
    now = timezone.now()
    call = Call.objects.create(
        strand=strands["experts"],
        title="Experts round",
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=1),
    )
    for n, title in enumerate(["Café “review” – Ælfred's £ savings", ""]):
        Application.objects.create(
            call=call,
            lead_council=council_a,
            reference=f"PE-2013-01{n:02d}",
            title=title,
            summary='Line one\nline "two"\t\\ end',
            state=ApplicationState.APPROVED,
            award_amount=Decimal("1234.56"),
            amount_requested=Decimal("2000.10"),
            decided_at=now,
        )
    records = list(selectors.grant_records())
    body = _body(client.get(reverse("opendata:json")))
    assert body == _before_json(records, timezone.localdate())
    assert "Café “review”".encode() in body
    assert package_errors(json.loads(body)) == []
    assert _body(client.get(reverse("opendata:csv"))) == _before_csv(records)


def test_the_index_counts_the_awards_in_one_query(demo, client, django_assert_num_queries):
    expected = len(list(selectors.grant_records()))
    with django_assert_num_queries(1) as queries:
        response = client.get(reverse("opendata:index"))
    assert f"{expected} awards published." in response.content.decode()
    # A count, not every award's row (and its call, strand and council) read to be counted.
    assert queries.captured_queries[0]["sql"].startswith("SELECT COUNT(*)")
