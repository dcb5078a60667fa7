"""The open-data files are prepared by the worker when grants change and sent
from disk (docs/open-data.md, "Prepared by the worker"): what a downloader and
an officer approving a bid see."""

import gzip
import json
import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from applications import services
from programmes.board import opendata_files, tasks
from programmes.board.models import OpenDataChange, OpenDataRelease
from programmes.services import council_update
from tests.applications.bids import bid_in_assessment


@pytest.fixture(autouse=True)
def _embedded(settings):
    """The embedded default (no broker: the build runs after commit, in
    process), even where the suite runs with a broker configured, as CI does;
    the worker's own case says otherwise."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _grants(response) -> dict:
    return {grant["id"]: grant for grant in json.loads(_body(response))["grants"]}


@pytest.fixture
def awarded(experts_call, council_a, applicant_a, officer, django_capture_on_commit_callbacks):
    """One approved award, committed (its after-commit build run)."""
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(application=bid, actor=officer, award_amount=Decimal(5000))
    return bid


def _approve_another(experts_call, council_a, applicant_a, officer, capture):
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    with capture(execute=True):
        services.application_approve(application=bid, actor=officer, award_amount=Decimal(7000))
    return bid


def test_an_approval_is_in_the_download_once_it_has_committed(
    client,
    awarded,
    experts_call,
    council_a,
    applicant_a,
    officer,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    assert len(_grants(client.get(reverse("opendata:json")))) == 1
    bid = _approve_another(
        experts_call, council_a, applicant_a, officer, django_capture_on_commit_callbacks
    )
    # The build after the commit published it: nothing is left behind ...
    assert not OpenDataChange.objects.exists()
    # ... and a download sends the prepared file, reading no bids: the
    # release and the oldest change, two indexed lookups.
    with django_assert_max_num_queries(2):
        json_response = client.get(reverse("opendata:json"))
    with django_assert_max_num_queries(2):
        csv_response = client.get(reverse("opendata:csv"))
    grants = _grants(json_response)
    assert grants[f"360G-lgaproductivity-{bid.reference}"]["amountAwarded"] == 7000
    assert len(grants) == 2
    assert bid.reference in _body(csv_response).decode()


def test_a_conditional_get_is_answered_304_until_the_grants_change(
    client, awarded, experts_call, council_a, applicant_a, officer,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    first = client.get(reverse("opendata:json"))
    assert first.status_code == 200
    etag, modified = first["ETag"], first["Last-Modified"]
    assert first["Cache-Control"] == "public, no-cache"
    again = client.get(reverse("opendata:json"), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    since = client.get(reverse("opendata:json"), HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304
    csv_first = client.get(reverse("opendata:csv"))
    assert csv_first["ETag"] != etag
    assert (
        client.get(reverse("opendata:csv"), HTTP_IF_NONE_MATCH=csv_first["ETag"]).status_code == 304
    )

    _approve_another(
        experts_call, council_a, applicant_a, officer, django_capture_on_commit_callbacks
    )
    changed = client.get(reverse("opendata:json"), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert len(_grants(changed)) == 2


def test_a_client_that_accepts_gzip_gets_the_same_file_gzipped(client, awarded):
    plain = client.get(reverse("opendata:json"))
    zipped = client.get(reverse("opendata:json"), HTTP_ACCEPT_ENCODING="br, gzip;q=0.8")
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert zipped["Content-Type"] == "application/json"
    assert zipped["Content-Disposition"] == 'attachment; filename="lga-productivity-grants.json"'
    packed = _body(zipped)
    assert int(zipped["Content-Length"]) == len(packed)
    body = _body(plain)
    assert gzip.decompress(packed) == body
    assert zipped["ETag"] != plain["ETag"]  # another set of bytes
    refused = client.get(reverse("opendata:csv"), HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
    assert "Content-Encoding" not in refused
    csv_body = _body(refused)
    assert csv_body.startswith("\ufeffIdentifier,".encode())
    csv_zipped = client.get(reverse("opendata:csv"), HTTP_ACCEPT_ENCODING="gzip")
    assert gzip.decompress(_body(csv_zipped)) == csv_body


def test_on_first_start_the_download_builds_the_files_once_and_says_so(
    client, experts_call, council_a, applicant_a, officer, caplog
):
    OpenDataRelease.objects.all().delete()  # a new deployment
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    services.application_approve(application=bid, actor=officer, award_amount=Decimal(5000))
    assert not OpenDataRelease.objects.exists()  # the after-commit build never ran
    with caplog.at_level(logging.INFO, logger="programmes.board.opendata_files"):
        response = client.get(reverse("opendata:csv"))
    assert "no prepared files (first start?): building them in this request" in caplog.text
    assert bid.reference in _body(response).decode()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="programmes.board.opendata_files"):
        client.get(reverse("opendata:json"))
    assert caplog.text == ""  # built once, for both files


def test_with_a_worker_a_change_is_published_by_it_and_never_left_stale(
    client, settings, awarded, experts_call, council_a, applicant_a, officer,
    django_capture_on_commit_callbacks, monkeypatch, caplog,
):  # fmt: skip
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(tasks.open_data_prepare, "delay", lambda: queued.append(1))
    before = client.get(reverse("opendata:json"))
    bid = _approve_another(
        experts_call, council_a, applicant_a, officer, django_capture_on_commit_callbacks
    )
    assert queued  # a build asked for once the approval committed
    # The worker's few seconds: the files before the change are sent.
    during = client.get(reverse("opendata:json"))
    assert during["ETag"] == before["ETag"]
    # The worker runs the task.
    assert tasks.open_data_prepare() is True
    assert bid.reference in _body(client.get(reverse("opendata:csv"))).decode()

    # A change whose task was lost: once it is older than a worker takes,
    # the download builds the files itself rather than send them stale.
    council_update(council=council_a, data={"name": "Allerdale Renamed Council"}, actor=officer)
    OpenDataChange.objects.update(marked_at=timezone.now() - opendata_files.STALE_AFTER)
    with caplog.at_level(logging.WARNING, logger="programmes.board.opendata_files"):
        grants = _grants(client.get(reverse("opendata:json")))
    assert "not in the prepared files yet (is the worker running?)" in caplog.text
    names = {grant["recipientOrganization"][0]["name"] for grant in grants.values()}
    assert names == {"Allerdale Renamed Council"}


def test_while_another_build_holds_the_lease_the_download_is_streamed_live(
    client, experts_call, council_a, applicant_a, officer
):
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    services.application_approve(application=bid, actor=officer, award_amount=Decimal(5000))
    OpenDataRelease.objects.all().delete()
    OpenDataRelease.objects.create(pk=1, lease_until=timezone.now() + timedelta(minutes=5))
    response = client.get(reverse("opendata:json"))
    assert response.status_code == 200
    assert "ETag" not in response  # live, not a file
    assert list(_grants(response)) == [f"360G-lgaproductivity-{bid.reference}"]


def test_a_new_day_or_new_settings_build_the_files_again(client, settings, awarded):
    first = client.get(reverse("opendata:json"))
    OpenDataRelease.objects.update(issued=timezone.localdate() - timedelta(days=1))
    assert json.loads(_body(client.get(reverse("opendata:json"))))["issued"] == (
        timezone.localdate().isoformat()
    )
    settings.OPEN_DATA_PREFIX = "360G-another-"
    grants = _grants(client.get(reverse("opendata:json")))
    assert all(key.startswith("360G-another-") for key in grants)
    assert first["Last-Modified"] <= http_date(OpenDataRelease.objects.get().built_at.timestamp())


def test_old_files_are_removed_and_no_half_written_file_is_left(
    settings, awarded, experts_call, council_a, applicant_a, officer,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    folder = settings.PRIVATE_STORAGE_ROOT / opendata_files.FOLDER
    for _ in range(3):
        _approve_another(
            experts_call, council_a, applicant_a, officer, django_capture_on_commit_callbacks
        )
    release = OpenDataRelease.objects.get()
    names = sorted(path.name for path in folder.iterdir())
    # The release's files and the one before's (a download may be reading
    # them), each with its gzip; nothing older, no temporary file.
    assert len(names) == 8
    assert {release.json_name.split("/")[-1], release.csv_name.split("/")[-1]} <= set(names)
    assert not [name for name in names if name.startswith(".tmp")]
