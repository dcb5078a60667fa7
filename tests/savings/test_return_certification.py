"""Certified savings returns (issue 24): a call that asks for certification,
the council's finance officer who certifies or sends back, separation of
duties, what the LGA receives, access, and the demo."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from programmes.models import Invitation, User
from programmes.notices.models import Notice
from programmes.permissions import SYSTEM
from programmes.returns import selectors
from programmes.returns import services as return_services
from programmes.returns.models import ReminderStage, ReturnState
from programmes.returns.selectors import returns_summary
from programmes.roles import APPLICANT
from savings import rollups
from savings.models import Withheld
from savings.selectors import rollup_for as _rollup_for
from tests.factories import UserFactory
from tests.pages import duplicate_ids, labels_without_field
from tests.savings.returns import award, first_return, line

D = Decimal
DECLARATION = {"declaration_name": "Avery Sample", "confirmed": "on"}


def rollup_for():
    rollups.drain()
    return _rollup_for()


@pytest.fixture
def finance_a(council_a):
    return UserFactory(
        username="finance-a",
        first_name="Fen",
        last_name="Specimen",
        council=council_a,
        role=APPLICANT,
        is_finance_officer=True,
    )


@pytest.fixture
def finance_b(council_b):
    return UserFactory(
        username="finance-b", council=council_b, role=APPLICANT, is_finance_officer=True
    )


@pytest.fixture
def certified_award(council_a, strands):
    return award(council_a, strand=strands["experts"], returns_need_certification=True)


@pytest.fixture
def return_a(certified_award):
    return first_return(certified_award)


def prepare(savings_return, preparer, amount="5000"):
    line(savings_return, amount)
    return return_services.return_submit(
        actor=preparer,
        savings_return=savings_return,
        declaration_name="Avery Sample",
        confirmed=True,
    )


def client_for(client, user):
    client.force_login(user)
    return client


# The services ------------------------------------------------------------------


def test_a_prepared_return_waits_for_the_finance_officer_and_counts_nowhere(
    return_a, applicant_a, finance_a, officer
):
    prepared = prepare(return_a, applicant_a)
    assert prepared.state == ReturnState.AWAITING_CERTIFICATION
    assert (prepared.prepared_by, prepared.submitted_at) == (applicant_a, None)
    assert prepared.lines.get().withheld == Withheld.DRAFT
    assert rollup_for().realised_unverified == 0
    # The finance officer is told; the LGA is not.
    assert Notice.objects.filter(recipient=finance_a.email, subject__contains="certification")
    assert not Notice.objects.filter(recipient=officer.email).exists()
    # The LGA has not received it: it is still owed, and overdue.
    summary = returns_summary()
    assert summary.received == 0
    assert summary.overdue == 5


def test_a_certified_return_reaches_the_lga(return_a, applicant_a, finance_a, officer):
    prepare(return_a, applicant_a)
    certified = return_services.return_certify(
        actor=finance_a, savings_return=return_a, confirmed=True
    )
    assert certified.state == ReturnState.SUBMITTED
    assert certified.certified_by == finance_a and certified.submitted_by == finance_a
    assert certified.submitted_at == certified.certified_at
    assert certified.prepared_by == applicant_a
    assert rollup_for().realised_unverified == D("5000")
    assert returns_summary().received == 1
    assert Notice.objects.filter(recipient=officer.email, subject__contains="has arrived").count()
    told = Notice.objects.get(recipient=applicant_a.email, subject__contains="certified")
    assert return_a.reference in told.subject
    # Certified twice (a second tab): nothing more happens.
    again = return_services.return_certify(actor=finance_a, savings_return=return_a, confirmed=True)
    assert again.certified_at == certified.certified_at
    assert Notice.objects.filter(recipient=officer.email).count() == 1
    # The audit trail says who certified, and when.
    entries = LogEntry.objects.get_for_object(return_a)
    assert any(
        entry.actor_id == finance_a.pk or "certified_by" in entry.changes_dict for entry in entries
    )


def test_the_finance_officer_must_tick_the_certificate(return_a, applicant_a, finance_a):
    prepare(return_a, applicant_a)
    with pytest.raises(ValidationError) as refused:
        return_services.return_certify(actor=finance_a, savings_return=return_a, confirmed=False)
    assert "chief finance officer" in refused.value.message_dict["confirmed"][0]
    return_a.refresh_from_db()
    assert return_a.state == ReturnState.AWAITING_CERTIFICATION


def test_sent_back_with_a_reason_the_preparer_corrects_and_sends_again(
    return_a, applicant_a, finance_a
):
    prepare(return_a, applicant_a)
    with pytest.raises(ValidationError, match="Say why"):
        return_services.return_send_back_to_preparer(
            actor=finance_a, savings_return=return_a, reason="  "
        )
    back = return_services.return_send_back_to_preparer(
        actor=finance_a, savings_return=return_a, reason="The invoices are for 2012/13"
    )
    assert back.state == ReturnState.NOT_CERTIFIED and back.is_open
    notice = Notice.objects.get(recipient=applicant_a.email, subject__contains="sent your return")
    assert "The invoices are for 2012/13" in notice.body
    # Corrected and sent again: back to the finance officer, then certified.
    changed = return_services.return_line_change(
        actor=applicant_a,
        line=return_a.lines.get(),
        financial_year="2013/14",
        kind="realised",
        amount=D("4000"),
        evidence="The 2013/14 invoices",
    )
    assert changed.withheld == Withheld.DRAFT
    again = return_services.return_submit(
        actor=applicant_a, savings_return=return_a, declaration_name="Avery Sample", confirmed=True
    )
    assert again.state == ReturnState.AWAITING_CERTIFICATION
    certified = return_services.return_certify(
        actor=finance_a, savings_return=return_a, confirmed=True
    )
    assert certified.state == ReturnState.SUBMITTED
    assert certified.not_certified_reason == ""
    assert rollup_for().realised_unverified == D("4000")


def test_nobody_certifies_a_return_they_prepared(return_a, finance_a, council_a):
    prepare(return_a, finance_a)
    with pytest.raises(ValidationError, match="another of your council's finance officers"):
        return_services.return_certify(actor=finance_a, savings_return=return_a, confirmed=True)
    with pytest.raises(ValidationError, match="another of your council's finance officers"):
        return_services.return_send_back_to_preparer(
            actor=finance_a, savings_return=return_a, reason="Mine"
        )
    assert list(selectors.returns_to_certify(user=finance_a)) == []
    deputy = UserFactory(council=council_a, role=APPLICANT, is_finance_officer=True)
    assert list(selectors.returns_to_certify(user=deputy)) == [return_a]
    certified = return_services.return_certify(
        actor=deputy, savings_return=return_a, confirmed=True
    )
    assert certified.state == ReturnState.SUBMITTED


def test_only_the_councils_finance_officer_may_certify(
    return_a, applicant_a, finance_b, officer, council_a
):
    prepare(return_a, applicant_a)
    colleague = UserFactory(council=council_a, role=APPLICANT)
    for actor in (colleague, finance_b, officer):
        with pytest.raises(PermissionDenied):
            return_services.return_certify(actor=actor, savings_return=return_a, confirmed=True)
    return_a.refresh_from_db()
    assert return_a.state == ReturnState.AWAITING_CERTIFICATION


def test_the_preparer_may_take_back_a_return_awaiting_certification(
    return_a, applicant_a, finance_a
):
    prepare(return_a, applicant_a)
    reopened = return_services.return_reopen(actor=applicant_a, savings_return=return_a)
    assert reopened.state == ReturnState.DUE
    with pytest.raises(ValidationError, match="so you cannot certify it"):
        return_services.return_certify(actor=finance_a, savings_return=return_a, confirmed=True)


def test_a_call_without_certification_sends_straight_to_the_lga(
    council_a, strands, applicant_a, finance_a
):
    plain = first_return(award(council_a, strand=strands["experts"]))
    sent = prepare(plain, applicant_a)
    assert sent.state == ReturnState.SUBMITTED
    assert (sent.prepared_by, sent.submitted_by, sent.certified_by) == (
        applicant_a,
        applicant_a,
        None,
    )
    assert not Notice.objects.filter(recipient=finance_a.email, subject__contains="certif")


def test_a_return_awaiting_certification_is_still_reminded_as_overdue(return_a, applicant_a):
    prepare(return_a, applicant_a)
    sent = return_services.return_reminders_send(actor=SYSTEM, today=date(2014, 2, 6))
    assert (return_a.reference, ReminderStage.OVERDUE) in [
        (item.savings_return.reference, item.stage) for item in sent
    ]
    notice = Notice.objects.get(recipient=applicant_a.email, subject__contains="overdue")
    assert "waiting for your council's finance officer to certify it" in notice.body


# The pages: the council's journey through certification --------------------


def test_the_council_prepares_and_its_finance_officer_certifies(
    client, applicant_a, finance_a, return_a, officer
):
    line(return_a, "120000")
    preparer = client_for(client, applicant_a)
    check = reverse("savings:return_check", args=[return_a.pk])
    page = preparer.get(check).content.decode()
    assert "section 151 officer" in page and "Fen Specimen" in page
    response = preparer.post(check, DECLARATION, follow=True)
    page = response.content.decode()
    assert "Savings return sent for certification" in page
    assert "your council's finance officer" in page
    detail = preparer.get(reverse("savings:return_detail", args=[return_a.pk])).content.decode()
    assert "Awaiting certification" in detail
    # The preparer is no finance officer: the certify pages are not theirs.
    certify = reverse("savings:return_certify", args=[return_a.pk])
    assert preparer.get(certify).status_code == 403
    assert preparer.get(reverse("savings:certify_list")).status_code == 403

    certifier = client_for(client, finance_a)
    listing = certifier.get(reverse("savings:certify_list")).content.decode()
    assert "Returns awaiting your certification" in listing
    assert return_a.reference in listing and "Avery Sample" in listing
    page = certifier.get(certify).content.decode()
    assert "£120,000.00" in page and "Invoices checked by the finance team" in page
    assert "I certify as the council's chief finance officer (section 151 officer)" in page
    assert "/lines/" not in page  # read-only: no change or remove links
    # Without the box: an error summary, the same page, nothing changed.
    response = certifier.post(certify, {})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Confirm that you certify the return" in html
    return_a.refresh_from_db()
    assert return_a.state == ReturnState.AWAITING_CERTIFICATION
    # Certified: back to the list, which is now empty.
    response = certifier.post(certify, {"certify-confirmed": "on"}, follow=True)
    html = response.content.decode()
    assert f"{return_a.reference} is certified and has been sent to the LGA" in html
    assert "There are no returns awaiting your certification" in html
    # The same form sent again: no error, and officers told once.
    response = certifier.post(certify, {"certify-confirmed": "on"}, follow=True)
    assert response.status_code == 200
    assert Notice.objects.filter(recipient=officer.email, subject__contains="arrived").count() == 1
    return_a.refresh_from_db()
    assert (return_a.state, return_a.certified_by) == (ReturnState.SUBMITTED, finance_a)
    detail = certifier.get(reverse("savings:return_detail", args=[return_a.pk])).content.decode()
    assert "Certified" in detail and "Fen Specimen" in detail


def test_the_finance_officer_sends_back_with_a_reason_the_preparer_sees(
    client, applicant_a, finance_a, return_a
):
    prepare(return_a, applicant_a)
    certifier = client_for(client, finance_a)
    send_back = reverse("savings:return_not_certified", args=[return_a.pk])
    response = certifier.post(send_back, {"send_back-reason": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "Say why you are sending the return back" in html
    response = certifier.post(send_back, {"send_back-reason": "x" * 1001})
    assert "1,000 characters or fewer" in response.content.decode()
    response = certifier.post(
        send_back, {"send_back-reason": "The amount is the contract's value"}, follow=True
    )
    assert "has been sent back to the person who prepared it" in response.content.decode()
    # A second sending of the form: the return is already sent back.
    response = certifier.post(send_back, {"send_back-reason": "Again"}, follow=True)
    assert response.status_code == 200
    return_a.refresh_from_db()
    assert return_a.not_certified_reason == "The amount is the contract's value"
    # Certifying it now is refused with why, never a 500.
    response = certifier.post(
        reverse("savings:return_certify", args=[return_a.pk]),
        {"certify-confirmed": "on"},
        follow=True,
    )
    assert "so you cannot certify it" in response.content.decode()
    preparer = client_for(client, applicant_a)
    detail = preparer.get(reverse("savings:return_detail", args=[return_a.pk])).content.decode()
    assert "finance officer sent this return back" in detail
    assert "The amount is the contract&#x27;s value" in detail
    assert "Continue to check and send" in detail


def test_a_finance_officer_who_prepared_sees_why_they_cannot_certify(client, finance_a, return_a):
    prepare(return_a, finance_a)
    page = client_for(client, finance_a).get(reverse("savings:return_certify", args=[return_a.pk]))
    html = page.content.decode()
    assert "You prepared this return" in html
    assert "certify-confirmed" not in html


# Access --------------------------------------------------------------------------


def test_another_councils_finance_officer_gets_404(client, finance_b, return_a, applicant_a):
    prepare(return_a, applicant_a)
    certifier = client_for(client, finance_b)
    for name in ("return_certify", "return_not_certified"):
        url = reverse(f"savings:{name}", args=[return_a.pk])
        assert certifier.get(url).status_code == 404
        assert certifier.post(url, {"certify-confirmed": "on"}).status_code == 404
    assert return_a.reference not in certifier.get(reverse("savings:certify_list")).content.decode()
    return_a.refresh_from_db()
    assert return_a.state == ReturnState.AWAITING_CERTIFICATION


def test_officers_and_board_members_cannot_open_the_certify_pages(
    officer_client, return_a, applicant_a
):
    prepare(return_a, applicant_a)
    assert officer_client.get(reverse("savings:certify_list")).status_code == 403
    url = reverse("savings:return_certify", args=[return_a.pk])
    assert officer_client.post(url, {"certify-confirmed": "on"}).status_code == 403


def test_the_navigation_offers_returns_to_certify_to_finance_officers_only(
    client, finance_a, applicant_a
):
    page = client_for(client, finance_a).get(reverse("savings:certify_list")).content.decode()
    assert "Returns to certify" in page
    page = client_for(client, applicant_a).get(reverse("savings:award_list")).content.decode()
    assert "Returns to certify" not in page


# The LGA's side ---------------------------------------------------------------


def test_the_lga_queue_leaves_out_returns_awaiting_certification(
    officer_client, return_a, applicant_a, finance_a
):
    prepare(return_a, applicant_a)
    url = reverse("admin:returns_savingsreturn_changelist")
    page = officer_client.get(url).content.decode()
    assert "Awaiting verification (0)" in page
    assert "At the council, awaiting certification (1)" in page
    assert "Overdue (5)" in page
    assert return_a.reference not in officer_client.get(url, {"queue": "awaiting"}).content.decode()
    home = officer_client.get(reverse("admin:index")).content.decode()
    assert "Savings returns awaiting verification" in home
    return_services.return_certify(actor=finance_a, savings_return=return_a, confirmed=True)
    page = officer_client.get(url).content.decode()
    assert "Awaiting verification (1)" in page and "Overdue (4)" in page
    assert return_a.reference in officer_client.get(url, {"queue": "awaiting"}).content.decode()


def test_officers_see_who_prepared_and_who_certified(
    officer_client, return_a, applicant_a, finance_a
):
    prepare(return_a, applicant_a)
    return_services.return_certify(actor=finance_a, savings_return=return_a, confirmed=True)
    listing = officer_client.get(reverse("admin:returns_savingsreturn_changelist"))
    html = listing.content.decode()
    assert "Prepared by" in html and "Certified by" in html
    assert applicant_a.display_name in html and "Fen Specimen" in html
    review = officer_client.get(reverse("admin:returns_savingsreturn_change", args=[return_a.pk]))
    html = review.content.decode()
    assert f"by {applicant_a.display_name}; declared by Avery Sample" in html
    assert "by Fen Specimen, as the council's chief finance officer" in html


# The finance officer's invitation --------------------------------------------


def test_a_council_lead_invites_its_finance_officer(client, council_a):
    lead = UserFactory(council=council_a, role=APPLICANT, is_council_lead=True)
    page = client_for(client, lead).post(
        reverse("team_invite"),
        {
            "first_name": "Fen",
            "last_name": "Specimen",
            "email": "fen.specimen@example.gov.uk",
            "is_finance_officer": "on",
        },
    )
    assert page.status_code == 302
    invitation = Invitation.objects.get(email="fen.specimen@example.gov.uk")
    assert invitation.is_finance_officer and not invitation.is_council_lead
    from programmes import accounts

    token = "a-test-token-for-the-finance-officer"
    invitation.token_hash = accounts.token_hash(token)
    invitation.save(update_fields=["token_hash"])
    user = accounts.invitation_accept(token=token, password="a long and unusual passphrase 42")
    assert user.is_finance_officer and not user.is_council_lead
    team = client_for(client, lead).get(reverse("team")).content.decode()
    assert "Fen Specimen (finance officer)" in team


# The demo ------------------------------------------------------------------


def test_the_demo_has_a_finance_officer_who_certified_one_and_sent_one_back(demo):
    finance = User.objects.get(username="demo-finance")
    assert finance.is_finance_officer and finance.council.short_name == "Wyre Forest"
    returns = {r.reference.rsplit("-", 1)[1]: r for r in demo_wyre_forest_returns()}
    assert returns["1"].state == ReturnState.SUBMITTED
    assert returns["1"].certified_by == finance
    assert returns["1"].prepared_by.username == "demo-wyreforest"
    assert returns["3"].state == ReturnState.NOT_CERTIFIED
    assert "contract's value" in returns["3"].not_certified_reason
    assert returns["4"].state == ReturnState.AWAITING_CERTIFICATION
    assert list(selectors.returns_to_certify(user=finance)) == [returns["4"]]
    assert returns["1"].application.call.returns_need_certification


def demo_wyre_forest_returns():
    from programmes.returns.models import SavingsReturn

    return SavingsReturn.objects.filter(
        application__lead_council__short_name="Wyre Forest",
        application__call__strand__key="experts",
        application__call__returns_need_certification=True,
    ).select_related("certified_by", "prepared_by", "application__call")


def test_the_list_to_certify_costs_the_same_queries_however_long(
    client, applicant_a, finance_a, certified_award
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    returns = list(certified_award.savings_returns.order_by("period_start"))
    certifier = client_for(client, finance_a)
    url = reverse("savings:certify_list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert certifier.get(url).status_code == 200
        return len(captured)

    prepare(returns[0], applicant_a)
    one = queries()
    for savings_return in returns[1:]:
        prepare(savings_return, applicant_a)
    page = certifier.get(url).content.decode()
    assert all(savings_return.reference in page for savings_return in returns)
    assert queries() == one


def test_the_certify_page_gives_each_button_its_own_id(client, applicant_a, finance_a, return_a):
    prepare(return_a, applicant_a)
    certifier = client_for(client, finance_a)
    page = certifier.get(reverse("savings:return_certify", args=[return_a.pk])).content.decode()
    assert duplicate_ids(page) == []
    assert labels_without_field(page) == []
    assert 'id="certify-submit"' in page and 'id="send-back-submit"' in page
    assert "Certify and send to the LGA" in page and "Send back to the preparer" in page
    # Shown again with an error, the page still has each id once.
    refused = certifier.post(
        reverse("savings:return_not_certified", args=[return_a.pk]), {"send_back-reason": ""}
    ).content.decode()
    assert "govuk-error-summary" in refused
    assert duplicate_ids(refused) == []
