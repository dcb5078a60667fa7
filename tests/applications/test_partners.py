"""Partner councils on a bid (docs/bids.md, "Partner councils"): naming them,
their council leads confirming or declining, the rule on sending, an
officer's letter, and documents shared with partners."""

from __future__ import annotations

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from applications import services
from applications.models import ApplicationState, PartnerConfirmation, PartnerStatus
from programmes.notices.models import Notice
from programmes.permissions import SYSTEM
from programmes.roles import APPLICANT
from tests import pdfs
from tests.applications.bids import bid_completed
from tests.factories import CouncilFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gloucestershire(db):
    return CouncilFactory(name="Gloucestershire County Council", short_name="Gloucestershire")


@pytest.fixture
def worcestershire(db):
    return CouncilFactory(name="Worcestershire County Council", short_name="Worcestershire")


@pytest.fixture
def glos_lead(gloucestershire):
    return UserFactory(
        username="glos-lead", council=gloucestershire, role=APPLICANT, is_council_lead=True
    )


@pytest.fixture
def glos_colleague(gloucestershire):
    return UserFactory(username="glos-colleague", council=gloucestershire, role=APPLICANT)


@pytest.fixture
def worcs_lead(worcestershire):
    return UserFactory(
        username="worcs-lead", council=worcestershire, role=APPLICANT, is_council_lead=True
    )


def _name(application, actor, *councils):
    return services.application_section_save(
        application=application,
        actor=actor,
        section="councils",
        answers={"partner_councils": list(councils)},
        version=application.version,
    )


@pytest.fixture
def bid(
    experts_call, council_a, applicant_a, gloucestershire, worcestershire, glos_lead, worcs_lead
):
    """Allerdale's complete draft naming Gloucestershire and Worcestershire."""
    application = bid_completed(experts_call, council_a, applicant_a)
    return _name(application, applicant_a, gloucestershire, worcestershire)


def _confirmation(bid, council) -> PartnerConfirmation:
    return PartnerConfirmation.objects.get(application=bid, council=council)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Naming partners -------------------------------------------------------------


def test_naming_partners_asks_each_one_and_tells_its_council_lead(bid, glos_colleague):
    answers = PartnerConfirmation.objects.filter(application=bid)
    assert sorted(answers.values_list("council__short_name", "status")) == [
        ("Gloucestershire", PartnerStatus.PENDING),
        ("Worcestershire", PartnerStatus.PENDING),
    ]
    notices = Notice.objects.filter(audience="partner").order_by("recipient")
    # The lead of each council, not its other users.
    assert [n.recipient for n in notices] == ["glos-lead@example.org", "worcs-lead@example.org"]
    assert "names your council as a partner" in notices[0].subject
    assert "Bids naming your council as a partner" in notices[0].body


def test_a_partner_taken_off_loses_its_answer_and_is_asked_again_when_named_again(
    bid, applicant_a, gloucestershire, worcestershire, glos_lead
):
    services.partner_answer(
        confirmation=_confirmation(bid, gloucestershire),
        actor=glos_lead,
        confirmed=False,
        reason="Not in our plans",
    )
    bid = _name(bid, applicant_a, worcestershire)
    assert not PartnerConfirmation.objects.filter(application=bid, council=gloucestershire)
    bid = _name(bid, applicant_a, worcestershire, gloucestershire)
    assert _confirmation(bid, gloucestershire).status == PartnerStatus.PENDING
    assert _confirmation(bid, worcestershire).status == PartnerStatus.PENDING


# The rule on sending ----------------------------------------------------------


def test_the_bid_cannot_be_sent_until_every_partner_has_answered(
    bid, applicant_a, gloucestershire, worcestershire, glos_lead, worcs_lead
):
    with pytest.raises(ValidationError) as refused:
        services.application_submit(application=bid, actor=applicant_a)
    assert refused.value.messages == [
        "Every partner council must confirm or decline before you send the bid. "
        "Still to answer: Gloucestershire County Council, Worcestershire County Council"
    ]
    services.partner_answer(
        confirmation=_confirmation(bid, gloucestershire), actor=glos_lead, confirmed=True
    )
    with pytest.raises(
        ValidationError, match=r"Still to answer: Worcestershire County Council'\]$"
    ):
        services.application_submit(application=bid, actor=applicant_a)
    services.partner_answer(
        confirmation=_confirmation(bid, worcestershire),
        actor=worcs_lead,
        confirmed=False,
        reason="We are buying this service elsewhere",
    )
    # A council that declined is taken off before the bid goes.
    with pytest.raises(ValidationError, match="Worcestershire County Council declined"):
        services.application_submit(application=bid, actor=applicant_a)
    bid.refresh_from_db()
    assert bid.state == ApplicationState.DRAFT
    bid = _name(bid, applicant_a, gloucestershire)
    sent = services.application_submit(application=bid, actor=applicant_a)
    assert sent.state == ApplicationState.SUBMITTED


def test_the_declaration_page_says_which_partners_are_still_to_answer(bid, applicant_a):
    client = _client(applicant_a)
    response = client.post(f"/bids/{bid.reference}/declaration/", {"confirm": "on"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert (
        "Still to answer: Gloucestershire County Council, Worcestershire County Council"
        in response.content.decode()
    )
    bid.refresh_from_db()
    assert bid.state == ApplicationState.DRAFT


def test_the_task_list_and_check_answers_name_the_partners_still_to_answer(
    bid, applicant_a, gloucestershire, glos_lead
):
    services.partner_answer(
        confirmation=_confirmation(bid, gloucestershire), actor=glos_lead, confirmed=True
    )
    client = _client(applicant_a)
    for page in ("", "check-your-answers/"):
        html = client.get(f"/bids/{bid.reference}/{page}").content.decode()
        assert "Still to answer: Worcestershire County Council." in html, page
        assert "Confirmed" in html
    check = client.get(f"/bids/{bid.reference}/check-your-answers/").content.decode()
    assert "Continue to the declaration" not in check


# The partner's pages -----------------------------------------------------------


def test_the_partner_lead_sees_the_bid_in_their_list_and_confirms_it(
    bid, glos_lead, gloucestershire
):
    client = _client(glos_lead)
    home = client.get("/bids/").content.decode()
    assert "Bids naming your council as a partner" in home
    assert bid.reference in home
    page = client.get(f"/bids/{bid.reference}/partner/")
    assert page.status_code == 200
    assert "Renegotiating our four largest contracts" in page.content.decode()
    # Not confirmed yet: the bid itself is not theirs to open.
    assert client.get(f"/bids/{bid.reference}/").status_code == 404
    response = client.post(f"/bids/{bid.reference}/partner/", {"answer": "confirm"})
    assert response.status_code == 302
    assert response["Location"] == f"/bids/{bid.reference}/"
    confirmation = _confirmation(bid, gloucestershire)
    assert confirmation.status == PartnerStatus.CONFIRMED
    assert confirmation.answered_by == glos_lead
    overview = client.get(f"/bids/{bid.reference}/").content.decode()
    assert "Your council is a partner on this bid" in overview
    assert "Withdraw this bid" not in overview
    # The lead council hears of it on its bid's timeline and by email.
    assert bid.events.filter(description=f"{gloucestershire.name} confirmed it is a partner")
    assert Notice.objects.filter(audience="council", subject__contains="confirmed it is a partner")


def test_declining_without_a_reason_is_an_error_on_the_page_and_nothing_is_saved(
    bid, glos_lead, gloucestershire
):
    client = _client(glos_lead)
    response = client.post(f"/bids/{bid.reference}/partner/", {"answer": "decline", "reason": " "})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter why your council declines to be a partner on this bid" in html
    assert _confirmation(bid, gloucestershire).status == PartnerStatus.PENDING
    response = client.post(f"/bids/{bid.reference}/partner/", {})
    assert "Select whether your council is a partner on this bid" in response.content.decode()
    assert _confirmation(bid, gloucestershire).status == PartnerStatus.PENDING


def test_a_council_that_declined_no_longer_sees_the_bid(
    bid, glos_lead, gloucestershire, applicant_a
):
    client = _client(glos_lead)
    response = client.post(
        f"/bids/{bid.reference}/partner/", {"answer": "decline", "reason": "Not for us this year"}
    )
    assert response.status_code == 302
    confirmation = _confirmation(bid, gloucestershire)
    assert (confirmation.status, confirmation.reason) == (
        PartnerStatus.DECLINED,
        "Not for us this year",
    )
    assert client.get(f"/bids/{bid.reference}/partner/").status_code == 404
    assert client.get(f"/bids/{bid.reference}/").status_code == 404
    assert bid.reference not in client.get("/bids/").content.decode()
    # The lead council sees the reason.
    lead_page = _client(applicant_a).get(f"/bids/{bid.reference}/").content.decode()
    assert "Not for us this year" in lead_page


def test_only_the_partners_council_lead_answers(bid, glos_colleague, gloucestershire):
    client = _client(glos_colleague)
    page = client.get(f"/bids/{bid.reference}/partner/")
    assert page.status_code == 200
    assert "Your council lead confirms or declines this bid" in page.content.decode()
    assert client.post(f"/bids/{bid.reference}/partner/", {"answer": "confirm"}).status_code == 403
    with pytest.raises(PermissionDenied, match="council lead"):
        services.partner_answer(
            confirmation=_confirmation(bid, gloucestershire), actor=glos_colleague, confirmed=True
        )
    assert _confirmation(bid, gloucestershire).status == PartnerStatus.PENDING


def test_an_answer_is_final(bid, glos_lead, gloucestershire):
    confirmation = _confirmation(bid, gloucestershire)
    services.partner_answer(confirmation=confirmation, actor=glos_lead, confirmed=True)
    with pytest.raises(ValidationError, match="has already confirmed"):
        services.partner_answer(
            confirmation=confirmation, actor=glos_lead, confirmed=False, reason="Changed our mind"
        )


def test_answers_are_audited(bid, glos_lead, gloucestershire):
    confirmation = _confirmation(bid, gloucestershire)
    services.partner_answer(confirmation=confirmation, actor=glos_lead, confirmed=True)
    entries = LogEntry.objects.get_for_object(confirmation).order_by("pk")
    assert entries.last().changes_dict["status"] == ["pending", "confirmed"]


# An officer records a letter ----------------------------------------------------


def test_an_officer_records_a_confirmation_given_by_letter_in_the_admin(
    bid, officer_client, officer, worcestershire
):
    confirmation = _confirmation(bid, worcestershire)
    url = f"/admin/applications/partnerconfirmation/{confirmation.pk}/change/"
    page = officer_client.get(url)
    assert page.status_code == 200
    refused = officer_client.post(url, {"letter_reason": "  "})
    assert refused.status_code == 200
    assert "Enter the letter the council confirmed in" in refused.content.decode()
    assert _confirmation(bid, worcestershire).status == PartnerStatus.PENDING
    response = officer_client.post(
        url, {"letter_reason": "Letter from the chief executive, 3 March"}
    )
    assert response.status_code == 302
    confirmation.refresh_from_db()
    assert confirmation.status == PartnerStatus.CONFIRMED
    assert confirmation.by_letter
    assert confirmation.answered_by == officer
    assert confirmation.letter_reason == "Letter from the chief executive, 3 March"
    entry = LogEntry.objects.get_for_object(confirmation).order_by("pk").last()
    assert entry.actor == officer
    # Answered: the letter cannot be recorded again.
    with pytest.raises(ValidationError, match="has already confirmed"):
        services.partner_confirm_by_letter(confirmation=confirmation, actor=officer, reason="Again")


def test_a_letter_needs_a_reason_and_an_officer(bid, worcestershire, worcs_lead, officer):
    confirmation = _confirmation(bid, worcestershire)
    with pytest.raises(ValidationError):
        services.partner_confirm_by_letter(confirmation=confirmation, actor=officer, reason="")
    with pytest.raises(PermissionDenied):
        services.partner_confirm_by_letter(
            confirmation=confirmation, actor=worcs_lead, reason="Our own letter"
        )
    assert _confirmation(bid, worcestershire).status == PartnerStatus.PENDING


# Documents shared with partners ----------------------------------------------------


def test_partners_download_only_the_documents_the_lead_shares(
    bid, applicant_a, glos_lead, gloucestershire
):
    private, shared = (
        services.document_add(
            application=bid,
            actor=applicant_a,
            upload=SimpleUploadedFile(name, pdfs.PDF, content_type="application/pdf"),
        )
        for name in ("budget.pdf", "plan.pdf")
    )
    services.partner_answer(
        confirmation=_confirmation(bid, gloucestershire), actor=glos_lead, confirmed=True
    )
    lead = _client(applicant_a)
    assert lead.get(f"/bids/{bid.reference}/documents/{shared.pk}/share/").status_code == 200
    response = lead.post(f"/bids/{bid.reference}/documents/{shared.pk}/share/")
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.shared_with_partners
    partner = _client(glos_lead)
    assert partner.get(f"/bids/{bid.reference}/documents/{shared.pk}/").status_code == 200
    assert partner.get(f"/bids/{bid.reference}/documents/{private.pk}/").status_code == 404
    overview = partner.get(f"/bids/{bid.reference}/").content.decode()
    assert "plan.pdf" in overview
    assert "budget.pdf" not in overview
    # A partner cannot share (the page is the lead's): 404.
    assert partner.post(f"/bids/{bid.reference}/documents/{private.pk}/share/").status_code == 404
    private.refresh_from_db()
    assert not private.shared_with_partners
    # The lead stops sharing it.
    lead.post(f"/bids/{bid.reference}/documents/{shared.pk}/share/")
    assert partner.get(f"/bids/{bid.reference}/documents/{shared.pk}/").status_code == 404


def test_the_portal_may_record_a_partners_answer_on_a_sent_bid(
    experts_call, council_a, gloucestershire
):
    bid = bid_completed(experts_call, council_a, SYSTEM)
    bid = _name(bid, SYSTEM, gloucestershire)
    bid = services.application_submit(application=bid, actor=SYSTEM, notify=False)
    confirmation = services.partner_answer(
        confirmation=_confirmation(bid, gloucestershire), actor=SYSTEM, confirmed=True
    )
    assert confirmation.status == PartnerStatus.CONFIRMED
    assert confirmation.answered_by is None
    # No email for the portal's own records.
    assert not Notice.objects.filter(audience="partner")


def test_a_partner_that_declined_gets_no_share_of_the_award(
    experts_call, council_a, gloucestershire, worcestershire
):
    bid = _name(
        bid_completed(experts_call, council_a, SYSTEM), SYSTEM, gloucestershire, worcestershire
    )
    services.partner_answer(
        confirmation=_confirmation(bid, gloucestershire), actor=SYSTEM, confirmed=True
    )
    services.partner_answer(
        confirmation=_confirmation(bid, worcestershire),
        actor=SYSTEM,
        confirmed=False,
        reason="Buying it elsewhere",
    )
    # The portal (an import) may send it as it stands; people take Worcestershire off first.
    bid = services.application_submit(application=bid, actor=SYSTEM, notify=False)
    bid = services.application_assessment_start(application=bid, actor=SYSTEM, notify=False)
    services.application_approve(
        application=bid, actor=SYSTEM, award_amount=Decimal("9000"), notify=False
    )
    assert sorted(bid.shares.values_list("council__short_name", "amount")) == [
        ("Allerdale", Decimal("4500.00")),
        ("Gloucestershire", Decimal("4500.00")),
    ]
