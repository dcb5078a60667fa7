"""Retention: `manage.py anonymise` and the monthly task remove personal data
from bids declined or withdrawn long ago and from deactivated accounts, and
leave the programme's figures exactly as they were."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from applications import retention, services, workflow
from applications.models import Application, ApplicationState, Call, Document
from applications.tasks import retention_anonymise
from programmes.board import selectors
from programmes.models import Council, Strand
from programmes.notices.models import Notice, NoticeStatus
from programmes.permissions import RETENTION
from programmes.retention import REMOVED
from programmes.roles import APPLICANT
from savings import rollups
from savings.models import Rollup
from tests.applications.bids import bid_completed, bid_submitted
from tests.factories import UserFactory
from tests.pdfs import minimal_pdf

SUMMARY = "Jane Example, our head of contracts (jane@example.gov.uk), will lead."
NOTE = "Spoke to Jane Example on 01632 960000."


def _with_document(application, actor, name="jane-example-cv.pdf") -> Document:
    return services.document_add(
        application=application, actor=actor, upload=SimpleUploadedFile(name, minimal_pdf())
    )


def _backdate(application: Application, years: int) -> None:
    """Move a bid's history back, as if it had happened `years` ago."""
    back = timezone.now() - timedelta(days=365 * years + 5)
    application.events.update(at=back)
    if application.decided_at:
        Application.objects.filter(pk=application.pk).update(decided_at=back)


def _declined(call, council, applicant, officer, *, years: int) -> Application:
    application = bid_completed(call, council, applicant)
    application = services.application_section_save(
        application=application,
        actor=applicant,
        section="about",
        answers={"title": "Renegotiating our contracts", "summary": SUMMARY},
        version=application.version,
    )
    _with_document(application, applicant)
    application = services.application_submit(application=application, actor=applicant)
    application = services.application_assessment_start(application=application, actor=officer)
    if not workflow.scoring_complete(application):
        # The call's default assessors have not scored: the lead closes scoring.
        services.scoring_close(application=application, actor=officer, reason="Panel met")
    services.assessment_save(application=application, actor=officer, scores={}, notes=NOTE)
    application = services.application_decline(
        application=application, actor=officer, reasons="Not evidenced, says Jane Example."
    )
    _backdate(application, years)
    application.refresh_from_db()
    return application


def _withdrawn(call, council, applicant, *, years=7) -> Application:
    application = bid_submitted(call, council, applicant)
    application = services.application_withdraw(
        application=application, actor=applicant, note="Jane Example has left."
    )
    _backdate(application, years)
    application.refresh_from_db()
    return application


def _person(council):
    return UserFactory(
        username="jane.example",
        first_name="Jane",
        last_name="Example",
        email="jane@example.gov.uk",
        council=council,
        role=APPLICANT,
    )


def _deactivate(user, *, unused_for=timedelta(days=60)):
    user.is_active = False
    user.last_login = timezone.now() - unused_for
    user.save()


def _open_experts_call() -> Call:
    return next(call for call in Call.objects.filter(strand__key="experts") if call.is_open())


def _entries(obj, pk: int | None = None) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=pk or obj.pk
        )
    )


def _without_nonces(page: bytes) -> str:
    """A page's text without what differs on every request: CSP nonces, the
    CSRF token and the charts' random element ids."""
    return re.sub(
        r'nonce="[^"]*"|csrfmiddlewaretoken" value="[^"]*"|chart-[0-9a-f-]{36}', "", page.decode()
    )


def _without_ids(row: dict) -> dict:
    return {key: value for key, value in row.items() if key not in ("id", "computed_at")}


def _rollup_values() -> list[dict]:
    return [_without_ids(row) for row in Rollup.objects.order_by("scope_key").values()]


def _figures(client) -> dict:
    """Everything the totals feed: rollup rows, the board's tables and pages,
    and the open data."""
    councils = list(Council.objects.order_by("pk"))
    strands = list(Strand.objects.order_by("pk"))
    pages = [reverse("board:overview"), reverse("board:papers")]
    pages += [reverse("board:strand", args=[strand.key]) for strand in strands]
    pages += [reverse("board:council", args=[council.pk]) for council in councils]
    return {
        "rollups": list(Rollup.objects.order_by("scope_key").values()),
        "overview": selectors.programme_overview().tables,
        "strands": [selectors.strand_page(strand=strand).tables for strand in strands],
        "councils": [selectors.council_page(council=council).tables for council in councils],
        "pages": {path: _without_nonces(client.get(path).content) for path in pages},
        "json": client.get("/open-data/grants.json").getvalue(),
        "csv": client.get("/open-data/grants.csv").getvalue(),
    }


@pytest.mark.usefixtures("demo")
def test_old_closed_bids_and_deactivated_accounts_lose_their_personal_data_not_the_figures(
    board_client, officer, settings
):
    call = _open_experts_call()
    hackney, surrey, leeds = (
        Council.objects.get(short_name=name) for name in ("Hackney", "Surrey", "Leeds")
    )
    applicant = UserFactory(council=hackney, role=APPLICANT)
    declined = _declined(call, hackney, applicant, officer, years=7)
    document = declined.documents.get()
    stored = settings.PRIVATE_STORAGE_ROOT / document.stored_name
    assert stored.exists()
    withdrawn = _withdrawn(call, surrey, UserFactory(council=surrey, role=APPLICANT), years=7)
    declined_lately = _declined(
        call, leeds, UserFactory(council=leeds, role=APPLICANT), officer, years=5
    )
    # The person who leaves sent a bid that is still open: it stays, and the
    # trail keeps that they worked on it, not their email or address.
    leaver = _person(hackney)
    with set_actor(leaver, remote_addr="203.0.113.7"):
        recent = bid_submitted(call, hackney, leaver)
    _deactivate(leaver)
    TOTPDevice.objects.create(user=leaver, name="phone", confirmed=True)
    AccessAttempt.objects.create(
        username="jane.example",
        ip_address="203.0.113.7",
        user_agent="x",
        http_accept="*/*",
        path_info="/sign-in/",
        get_data="",
        post_data="",
        failures_since_start=1,
    )
    approved = set(
        Application.objects.filter(state=ApplicationState.APPROVED).values_list("pk", "summary")
    )
    rollups.drain()
    before = _figures(board_client)

    out = StringIO()
    call_command("anonymise", stdout=out)

    assert _figures(board_client) == before
    # And the facts themselves are untouched: a rebuild gives the same rows.
    rollups.recompute_all()
    assert _rollup_values() == [_without_ids(row) for row in before["rollups"]]
    # The demo's 2013 declined and withdrawn bids, and the two made here.
    assert "Anonymised 4 bids" in out.getvalue()
    assert "(1 documents deleted) and 1 deactivated accounts" in out.getvalue()

    declined.refresh_from_db()
    assert declined.anonymised_at is not None
    assert declined.summary == "" and declined.assessment_notes == ""
    assert declined.title == "Renegotiating our contracts"
    assert declined.state == ApplicationState.DECLINED
    assert declined.strand_detail().expert_role == ""
    assert not declined.documents.exists()
    assert not stored.exists()
    assert all(event.note == "" for event in declined.events.all())
    assert all(n.recipient == REMOVED for n in Notice.objects.filter(application=declined))
    withdrawn.refresh_from_db()
    assert withdrawn.anonymised_at is not None
    assert all(event.note == "" for event in withdrawn.events.all())

    trail = " ".join(str(entry.changes) + entry.object_repr for entry in _entries(declined))
    trail += " ".join(
        str(entry.changes) + entry.object_repr for entry in _entries(declined.strand_detail())
    )
    trail += " ".join(str(entry.changes) + entry.object_repr for entry in _entries(document))
    assert "Jane" not in trail and "jane-example-cv" not in trail
    assert REMOVED in trail
    # The anonymisation is itself on the trail, as retention's doing.
    latest = max(_entries(declined), key=lambda entry: entry.pk)
    assert latest.additional_data["through"] == "retention"
    assert latest.changes["summary"] == [REMOVED, ""]
    # The fact of the change, and money, stay.
    assert any("amount_requested" in (entry.changes or {}) for entry in _entries(declined))

    leaver.refresh_from_db()
    assert leaver.username == f"anonymised-{leaver.pk}"
    assert (leaver.first_name, leaver.last_name, leaver.email) == ("", "", "")
    assert not leaver.has_usable_password()
    assert not TOTPDevice.objects.filter(user=leaver).exists()
    assert not AccessAttempt.objects.filter(username="jane.example").exists()
    their_entries = LogEntry.objects.filter(actor=leaver)
    assert their_entries.exists()
    assert not their_entries.exclude(actor_email=None).exists()
    assert not their_entries.exclude(remote_addr=None).exists()

    for untouched in (recent, declined_lately):
        untouched.refresh_from_db()
        assert untouched.anonymised_at is None
        assert untouched.summary
    assert (
        set(
            Application.objects.filter(state=ApplicationState.APPROVED).values_list("pk", "summary")
        )
        == approved
    )
    applicant.refresh_from_db()
    assert applicant.is_active and applicant.email

    # The pages still open for an anonymised bid.
    board_client.force_login(officer)
    admin_page = board_client.get(
        reverse("admin:applications_application_change", args=[declined.pk])
    )
    assert admin_page.status_code == 200
    assert "Personal data removed" in admin_page.content.decode()
    history = board_client.get(
        reverse("admin:applications_application_history", args=[declined.pk])
    )
    assert history.status_code == 200
    assert "Jane" not in history.content.decode()
    board_client.force_login(applicant)
    page = board_client.get(declined.get_absolute_url())
    assert page.status_code == 200
    assert "we removed this bid's summary, answers and documents" in page.content.decode()

    # A second run finds nothing to do and changes nothing.
    entries = list(LogEntry.objects.order_by("pk").values())
    again = StringIO()
    call_command("anonymise", stdout=again)
    assert "Anonymised 0 bids" in again.getvalue()
    assert "0 audit entries scrubbed" in again.getvalue()
    assert list(LogEntry.objects.order_by("pk").values()) == entries


@pytest.fixture
def old_declined(experts_call, council_a, applicant_a, officer) -> Application:
    return _declined(experts_call, council_a, applicant_a, officer, years=7)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("anonymise", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_reports_what_a_run_would_do_and_changes_nothing(old_declined, settings):
    document = old_declined.documents.get()
    stored = settings.PRIVATE_STORAGE_ROOT / document.stored_name
    entries = list(LogEntry.objects.order_by("pk").values())

    out = _run("--dry-run")

    assert "Would anonymise 1 bids" in out
    assert "(1 documents to delete)" in out
    assert "Dry run: nothing was changed." in out
    old_declined.refresh_from_db()
    assert old_declined.summary == SUMMARY and old_declined.anonymised_at is None
    assert stored.exists() and old_declined.documents.exists()
    assert list(LogEntry.objects.order_by("pk").values()) == entries
    scrubbed = re.search(r"(\d+) audit entries to scrub", out).group(1)
    assert int(scrubbed) > 0

    out = _run()
    assert "Anonymised 1 bids" in out
    assert f"{scrubbed} audit entries scrubbed" in out
    assert not stored.exists()


def test_bids_closed_within_the_retention_period_are_kept(old_declined, settings):
    settings.RETENTION_YEARS = 8
    assert "Anonymised 0 bids declined or withdrawn more than 8 years ago" in _run()
    old_declined.refresh_from_db()
    assert old_declined.summary == SUMMARY

    assert "Anonymised 1 bids declined or withdrawn more than 6 years ago" in _run("--years", "6")
    old_declined.refresh_from_db()
    assert old_declined.summary == ""


def test_the_years_must_be_at_least_one():
    with pytest.raises(CommandError, match="--years must be 1 or more"):
        _run("--years", "0")


def test_open_and_approved_bids_are_never_anonymised_however_old(
    experts_call, council_a, applicant_a, officer
):
    submitted = bid_submitted(experts_call, council_a, applicant_a)
    _backdate(submitted, 10)
    assert "Anonymised 0 bids" in _run()
    submitted.refresh_from_db()
    assert submitted.summary and submitted.anonymised_at is None


def test_a_recently_deactivated_account_waits_for_the_grace_period(council_a, applicant_a):
    person = _person(council_a)
    _deactivate(person, unused_for=timedelta(days=10))

    assert "and 0 deactivated accounts" in _run()
    person.refresh_from_db()
    assert person.username == "jane.example" and person.email == "jane@example.gov.uk"

    applicant_a.refresh_from_db()
    assert applicant_a.is_active and applicant_a.username == "applicant-a"


def test_notices_to_an_anonymised_account_lose_the_address_and_are_not_sent(
    experts_call, council_a, applicant_a
):
    person = _person(council_a)
    bid_submitted(experts_call, council_a, applicant_a)
    notice = Notice.objects.create(
        recipient="jane@example.gov.uk", subject="Your bid", body="Dear Jane Example"
    )
    _deactivate(person)

    _run()

    notice.refresh_from_db()
    assert (notice.recipient, notice.body) == (REMOVED, REMOVED)
    assert notice.status == NoticeStatus.FAILED


def test_documents_the_council_removed_earlier_leave_the_trail_too(
    experts_call, council_a, applicant_a, officer
):
    draft = bid_completed(experts_call, council_a, applicant_a)
    removed = _with_document(draft, applicant_a, name="jane-example-old-cv.pdf")
    removed_pk = removed.pk
    services.document_remove(document=removed, actor=applicant_a)
    assert "jane-example-old-cv" in str([entry.changes for entry in _entries(removed, removed_pk)])
    _declined(experts_call, council_a, applicant_a, officer, years=7)

    _run()

    entries = _entries(removed, removed_pk)
    trail = " ".join(str(entry.changes) + entry.object_repr for entry in entries)
    assert "jane-example-old-cv" not in trail
    assert len(entries) == 2  # its upload and its removal are still there


def test_a_bid_that_fails_halfway_is_left_whole_and_done_by_the_next_run(
    old_declined, settings, monkeypatch
):
    stored = settings.PRIVATE_STORAGE_ROOT / old_declined.documents.get().stored_name

    def broken(**kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(retention.core, "audit_scrub", broken)
    with pytest.raises(OperationalError):
        _run()
    old_declined.refresh_from_db()
    assert old_declined.summary == SUMMARY and old_declined.anonymised_at is None
    assert old_declined.documents.exists()
    # The file went first, so nothing is left that no row points at.
    assert not stored.exists()

    monkeypatch.undo()
    assert "Anonymised 1 bids" in _run()
    old_declined.refresh_from_db()
    assert old_declined.summary == "" and not old_declined.documents.exists()


def test_only_officers_and_the_system_may_anonymise(officer, applicant_a):
    with pytest.raises(PermissionDenied):
        retention.anonymise(actor=applicant_a)
    with pytest.raises(PermissionDenied):
        retention.anonymise(actor=None)
    assert retention.anonymise(actor=officer).bids == 0
    assert retention.anonymise(actor=RETENTION).bids == 0


def test_the_monthly_task_runs_the_same_anonymisation(old_declined):
    result = retention_anonymise.apply().get()
    assert result["bids"] == 1 and result["documents"] == 1 and not result["dry_run"]
    # Retried or run twice, it finds nothing left to do.
    assert retention_anonymise.apply().get()["bids"] == 0


def test_the_invitation_that_made_an_anonymised_account_loses_the_name_and_address(
    council_a, officer
):
    from programmes import accounts

    invitation = accounts.invitation_create(
        actor=officer,
        first_name="Jane",
        last_name="Example",
        email="jane@example.gov.uk",
        role=APPLICANT,
        council=council_a,
        site_url="http://testserver",
    )
    person = _person(council_a)
    invitation.user = person
    invitation.save()
    _deactivate(person)

    _run()

    invitation.refresh_from_db()
    assert (invitation.first_name, invitation.last_name) == (REMOVED, REMOVED)
    assert "jane" not in invitation.email
    trail = " ".join(str(entry.changes) + entry.object_repr for entry in _entries(invitation))
    assert "Jane" not in trail and "jane@example.gov.uk" not in trail
    # The invitation itself stays: who invited, when, for which council.
    assert (invitation.council, invitation.invited_by) == (council_a, officer)


def test_an_anonymised_account_leaves_its_returns_without_its_name(council_a, strands):
    """The returns a person signed keep their figures and lose the name they
    were signed with, in the return and in its audit trail."""
    from programmes.returns.models import SavingsReturn
    from programmes.returns.services import return_submit
    from tests.savings.returns import award, first_return, line

    person = _person(council_a)
    savings_return = first_return(award(council_a, strand=strands["experts"]))
    line(savings_return, amount="2500")
    with set_actor(person):
        return_submit(
            actor=person,
            savings_return=savings_return,
            declaration_name="Jane Example",
            confirmed=True,
        )
    assert "Jane Example" in str([entry.changes for entry in _entries(savings_return)])
    _deactivate(person)

    _run()

    signed = SavingsReturn.objects.get(pk=savings_return.pk)
    assert signed.declaration_name == REMOVED
    assert signed.lines.get().amount == 2500
    assert "Jane Example" not in str([entry.changes for entry in _entries(signed)])
