"""Breaks found by people trying the council journey, each held by a test:
one draft per council per call, abolished councils, stale-edit versions,
answers kept while uploading, what the council sent, and the way back."""

import re
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection
from django.utils import timezone

from applications import services
from applications.models import Application, ApplicationState
from tests import pdfs
from tests.applications.bids import (
    bid_completed,
    bid_in_assessment,
    bid_more_information,
    bid_submitted,
    projections,
)

pytestmark = pytest.mark.django_db
PDF = pdfs.PDF


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# One draft per council per call -------------------------------------------------


def test_starting_a_bid_where_the_council_has_a_draft_goes_to_that_draft(
    applicant_a_client, experts_call, council_a
):
    first = applicant_a_client.post(f"/bids/calls/{experts_call.pk}/start/")
    second = applicant_a_client.post(f"/bids/calls/{experts_call.pk}/start/", follow=True)
    assert Application.objects.filter(call=experts_call, lead_council=council_a).count() == 1
    assert second.redirect_chain[0][0] == first["Location"]
    assert "already has a draft bid on this call" in _text(second)


def test_a_council_can_start_a_new_draft_once_its_last_one_is_sent(
    experts_call, council_a, applicant_a
):
    sent = bid_submitted(experts_call, council_a, applicant_a)
    draft = services.application_create(call=experts_call, council=council_a, actor=applicant_a)
    assert draft.pk != sent.pk and draft.created


def test_the_database_refuses_a_second_draft_for_the_same_council_and_call(
    experts_call, council_a, applicant_a
):
    from django.db import IntegrityError, transaction

    draft = services.application_create(call=experts_call, council=council_a, actor=applicant_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            call=experts_call, lead_council=council_a, reference="PE-2099-9999"
        )
    assert Application.objects.filter(lead_council=council_a).get() == draft


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent row locks: PostgreSQL only"
)
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_starts_make_one_draft(experts_call, council_a, applicant_a):
    barrier = threading.Barrier(4)
    references, errors = [], []

    def start() -> None:
        try:
            barrier.wait()
            bid = services.application_create(
                call=experts_call, council=council_a, actor=applicant_a
            )
            references.append(bid.reference)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(references)) == 1
    assert Application.objects.filter(call=experts_call, lead_council=council_a).count() == 1


# Abolished councils ---------------------------------------------------------------


def test_an_abolished_council_cannot_start_a_bid(applicant_a_client, experts_call, council_a):
    council_a.abolished_on = date(2023, 4, 1)
    council_a.save()
    page = _text(applicant_a_client.get(f"/bids/calls/{experts_call.pk}/start/"))
    assert "was abolished on 1 April 2023: it cannot start new bids" in page
    assert "Start a bid" not in page
    response = applicant_a_client.post(f"/bids/calls/{experts_call.pk}/start/")
    assert response.status_code == 400
    assert "abolished on 1 April 2023" in _text(response)
    assert not Application.objects.filter(lead_council=council_a).exists()


def test_an_abolished_council_gets_no_award_dated_after_abolition(
    experts_call, council_a, applicant_a, officer
):
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    council_a.abolished_on = timezone.localdate() - timedelta(days=1)
    council_a.save()
    with pytest.raises(ValidationError, match="abolished on"):
        services.application_approve(application=bid, actor=officer, award_amount=Decimal("5000"))
    bid.refresh_from_db()
    assert bid.state == ApplicationState.IN_ASSESSMENT
    assert bid.award_amount is None


def test_an_award_dated_before_abolition_is_history_and_stays(
    experts_call, council_a, applicant_a, officer
):
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    council_a.abolished_on = timezone.localdate() + timedelta(days=30)
    council_a.save()
    services.application_approve(application=bid, actor=officer, award_amount=Decimal("5000"))
    assert Application.objects.get(pk=bid.pk).state == ApplicationState.APPROVED


# Stale edits --------------------------------------------------------------------


@pytest.mark.parametrize("version", ["abc", "", "\x00", "1e3", " 1", "1.0", "١", None])
def test_a_save_without_a_proper_version_is_a_stale_edit(
    applicant_a_client, experts_call, council_a, applicant_a, version
):
    bid = services.application_create(call=experts_call, council=council_a, actor=applicant_a)
    data = {"title": "A new title", "summary": "Typed", "continue": ""}
    if version is not None:
        data["version"] = version
    response = applicant_a_client.post(f"/bids/{bid.reference}/questions/about/", data)
    page = _text(response)
    assert response.status_code == 200
    assert "after you opened this page" in page
    assert 'value="A new title"' in page  # the user's input is kept
    bid.refresh_from_db()
    assert bid.title == ""


# The Productivity Experts savings page --------------------------------------------


def test_the_experts_savings_page_asks_for_each_years_projection(
    applicant_a_client, experts_call, council_a, applicant_a
):
    bid = services.application_create(call=experts_call, council=council_a, actor=applicant_a)
    years = list(projections(experts_call, 1, 2, 3))
    page = _text(applicant_a_client.get(f"/bids/{bid.reference}/questions/savings/"))
    assert "Projected savings by financial year" in page
    for name in years:
        assert f'name="{name}"' in page
    response = applicant_a_client.post(
        f"/bids/{bid.reference}/questions/savings/",
        {"version": bid.version, years[0]: "250,000", "savings_target": "£400,000"},
    )
    assert response.status_code == 302
    detail = Application.objects.get(pk=bid.pk).experts_detail
    assert detail.savings_target == Decimal("400000")
    assert list(detail.projections.values_list("amount", flat=True)) == [Decimal("250000")]


def test_saving_for_later_keeps_a_target_without_projections(
    applicant_a_client, experts_call, council_a, applicant_a
):
    bid = services.application_create(call=experts_call, council=council_a, actor=applicant_a)
    response = applicant_a_client.post(
        f"/bids/{bid.reference}/questions/savings/",
        {"version": bid.version, "savings_target": "400000", "later": ""},
    )
    assert response.status_code == 302
    assert Application.objects.get(pk=bid.pk).experts_detail.savings_target == Decimal("400000")


# Answering a request for more information -----------------------------------------


def test_uploading_a_document_keeps_the_answer_typed_so_far(
    applicant_a_client, experts_call, council_a, applicant_a, officer
):
    bid = bid_more_information(experts_call, council_a, applicant_a, officer)
    url = f"/bids/{bid.reference}/respond/"
    page = _text(applicant_a_client.get(url))
    assert "document_list" not in page and f"/bids/{bid.reference}/documents/" not in page
    response = applicant_a_client.post(
        url,
        {
            "note": "Our four partners have agreed",
            "file": SimpleUploadedFile("letters.pdf", PDF, content_type="application/pdf"),
            "upload": "",
        },
    )
    page = _text(response)
    assert response.status_code == 200
    assert "letters.pdf has been uploaded" in page
    assert "Our four partners have agreed</textarea>" in page
    bid.refresh_from_db()
    assert bid.state == ApplicationState.MORE_INFORMATION
    response = applicant_a_client.post(url, {"note": "Our four partners have agreed", "send": ""})
    assert response.status_code == 302
    bid.refresh_from_db()
    assert bid.state == ApplicationState.IN_ASSESSMENT
    assert bid.documents.get().original_name == "letters.pdf"
    assert bid.events.last().note == "Our four partners have agreed"


def test_a_refused_upload_keeps_the_answer_and_sends_nothing(
    applicant_a_client, experts_call, council_a, applicant_a, officer
):
    bid = bid_more_information(experts_call, council_a, applicant_a, officer)
    response = applicant_a_client.post(
        f"/bids/{bid.reference}/respond/",
        {
            "note": "Here is our answer",
            "file": SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="x/y"),
            "send": "",
        },
    )
    page = _text(response)
    assert response.status_code == 200
    assert "There is a problem" in page and "The selected file must be" in page
    assert "Here is our answer</textarea>" in page
    bid.refresh_from_db()
    assert bid.state == ApplicationState.MORE_INFORMATION
    assert not bid.documents.exists()


def test_upload_without_a_file_says_to_choose_one(
    applicant_a_client, experts_call, council_a, applicant_a, officer
):
    bid = bid_more_information(experts_call, council_a, applicant_a, officer)
    response = applicant_a_client.post(
        f"/bids/{bid.reference}/respond/", {"note": "Draft", "upload": ""}
    )
    assert "Select a file to upload" in _text(response)


def test_the_request_for_information_is_a_banner_with_its_date_to_answer_by(
    applicant_a_client, experts_call, council_a, applicant_a, officer
):
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    due = timezone.localdate() + timedelta(days=10)
    services.application_information_request(
        application=bid, actor=officer, message="Which partners have agreed?", respond_by=due
    )
    page = _text(applicant_a_client.get(f"/bids/{bid.reference}/"))
    banner = page[page.index("govuk-notification-banner") : page.index("<h1")]
    assert f"We need more information by {due:%-d %B %Y}" in banner
    assert "Which partners have agreed?" in banner
    assert f"/bids/{bid.reference}/respond/" in banner


def test_the_officer_cannot_ask_for_an_answer_by_a_past_date(
    experts_call, council_a, applicant_a, officer
):
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    with pytest.raises(ValidationError, match="must be in the future"):
        services.application_information_request(
            application=bid,
            actor=officer,
            message="Which partners?",
            respond_by=timezone.localdate(),
        )


# What the council sent, and the way back ------------------------------------------


def test_a_sent_bid_shows_every_answer_read_only_and_can_be_printed(
    applicant_a_client, experts_call, council_a, applicant_a
):
    bid = bid_submitted(experts_call, council_a, applicant_a)
    page = _text(applicant_a_client.get(f"/bids/{bid.reference}/"))
    assert "What you sent" in page
    for text in (
        "Renegotiating our four largest contracts",
        "Contract negotiation",
        "£8,000.00",
        "£1,000,000.00",
        "£1,200,000.00",
    ):
        assert text in page
    assert "/questions/" not in page  # read only: no Change links
    assert 'data-module="pp-print"' in page and "js/print.js" in page


def test_change_from_check_your_answers_comes_back_to_it(
    applicant_a_client, experts_call, council_a, applicant_a
):
    bid = bid_completed(experts_call, council_a, applicant_a)
    url = f"/bids/{bid.reference}/questions/about/?return=check"
    page = _text(applicant_a_client.get(url))
    check = f"/bids/{bid.reference}/check-your-answers/"
    assert f'<a href="{check}" class="govuk-back-link">Back to check your answers</a>' in page
    response = applicant_a_client.post(
        url, {"version": bid.version, "title": "New", "summary": "S", "continue": ""}
    )
    assert response["Location"] == check


def test_signing_out_says_so(applicant_a_client):
    response = applicant_a_client.post("/sign-out/", follow=True)
    page = _text(response)
    assert '<h1 class="govuk-heading-l">You have signed out</h1>' in page
    assert "Sign in again" in page


def test_two_documents_with_the_same_name_are_told_apart(
    applicant_a_client, experts_call, council_a, applicant_a
):
    bid = services.application_create(call=experts_call, council=council_a, actor=applicant_a)
    for body in (PDF, PDF + b"% a longer second version\n" * 40):
        services.document_add(
            application=bid,
            actor=applicant_a,
            upload=SimpleUploadedFile("plan.pdf", body, content_type="application/pdf"),
        )
    first, second = bid.documents.order_by("pk")
    second.uploaded_at = first.uploaded_at + timedelta(days=1)
    second.save()
    page = _text(applicant_a_client.get(f"/bids/{bid.reference}/documents/"))
    for document in (first, second):
        assert f"{document.size_display}, uploaded {document.uploaded_at:%-d %B %Y}" in page
    assert first.size_display != second.size_display


@pytest.mark.parametrize("value", ["99999999999999999999", "abc", "-1", "\x00"])
def test_a_partner_council_that_cannot_be_one_is_an_error_on_the_page(
    applicant_a_client, experts_call, council_a, applicant_a, value
):
    bid = services.application_create(call=experts_call, council=council_a, actor=applicant_a)
    response = applicant_a_client.post(
        f"/bids/{bid.reference}/questions/councils/",
        {"version": bid.version, "partner_councils": [value], "continue": ""},
    )
    assert response.status_code == 200
    assert "There is a problem" in _text(response)
    assert not Application.objects.get(pk=bid.pk).partner_councils.exists()
