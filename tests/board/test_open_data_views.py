"""The public open-data downloads: approved awards as valid 360Giving data."""

import csv
import io
import json

from django.urls import reverse

from tests.board.open_data_schema import package_errors


def test_the_demo_awards_download_as_valid_360giving_json_and_csv(demo, client, settings):
    settings.OPEN_DATA_PREFIX = "360G-lgaproductivity-"
    response = client.get(reverse("opendata:json"))
    assert response.status_code == 200
    data = json.loads(response.content)
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
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
    assert {row["Identifier"] for row in rows} == set(grants)


def test_with_no_awards_the_json_package_is_404_not_an_invalid_file(client, db):
    assert client.get(reverse("opendata:json")).status_code == 404
    assert (
        "No awards have been published yet"
        in client.get(reverse("opendata:index")).content.decode()
    )
