"""Council savings returns: applicants report realised savings on their own awards."""

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationState, Call
from programmes.permissions import SYSTEM
from savings import rollups
from savings.models import InvestmentSource, OutboxMarker, SavingsEntry
from savings.selectors import rollup_for
from savings.services import investment_record
from tests import pdfs

D = Decimal


def make_award(strand, council, reference):
    now = timezone.now()
    call = Call.objects.create(
        strand=strand, title="Experts round", opens_at=now, closes_at=now + timedelta(days=30)
    )
    bid = Application.objects.create(
        call=call,
        lead_council=council,
        reference=reference,
        title="Contracts renegotiation",
        state=ApplicationState.APPROVED,
        award_amount=D("6000"),
    )
    return investment_record(
        actor=SYSTEM,
        strand=strand,
        council=council,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2012/13",
        amount=D("6000"),
        application=bid,
    )


@pytest.fixture
def award_a(strands, council_a):
    return make_award(strands["experts"], council_a, "PE-2013-0001")


@pytest.fixture
def award_b(strands, council_b):
    return make_award(strands["experts"], council_b, "PE-2013-0002")


def good_return(**extra) -> dict:
    return {
        "submission": str(uuid4()),  # the form's one-time token, fresh each time
        "financial_year": "2012/13",
        "amount": "£2,300,000",
        "recurrence": "one_off",
        "evidence": "Four largest contracts renegotiated; savings in the 2012/13 outturn.",
        **extra,
    }


@pytest.mark.django_db
def test_applicant_sees_only_their_own_councils_awards(applicant_a_client, award_a, award_b):
    page = applicant_a_client.get(reverse("savings:award_list")).content.decode()
    assert "PE-2013-0001" in page
    assert "PE-2013-0002" not in page


@pytest.mark.django_db
def test_another_councils_award_is_404(applicant_a_client, award_b):
    assert (
        applicant_a_client.get(reverse("savings:award_detail", args=[award_b.pk])).status_code
        == 404
    )
    response = applicant_a_client.post(
        reverse("savings:return_create", args=[award_b.pk]), good_return()
    )
    assert response.status_code == 404
    assert not SavingsEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["officer_client", "board_client"])
def test_other_roles_get_403(request, persona, award_a):
    client = request.getfixturevalue(persona)
    assert client.get(reverse("savings:award_list")).status_code == 403
    assert client.get(reverse("savings:return_create", args=[award_a.pk])).status_code == 403


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, award_a):
    response = client.get(reverse("savings:award_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_return_is_shown_apart_until_an_officer_verifies_it(
    applicant_a_client, applicant_a, award_a, officer
):
    from savings.services import savings_entries_verify

    response = applicant_a_client.post(
        reverse("savings:return_create", args=[award_a.pk]),
        good_return(document=SimpleUploadedFile("outturn.pdf", pdfs.PDF)),
        follow=True,
    )
    assert "Your savings return has been sent for verification" in response.content.decode()
    assert "Awaiting verification" in response.content.decode()
    entry = SavingsEntry.objects.get()
    assert (entry.kind, entry.amount, entry.reported_by) == ("realised", D("2300000"), applicant_a)
    assert entry.document.name.endswith(".pdf")
    # The one scope is marked (once for each write to it: markers are only inserted).
    assert OutboxMarker.objects.values_list("council", "financial_year").distinct().count() == 1
    rollups.drain()
    assert rollup_for().realised == 0
    assert rollup_for().realised_unverified == D("2300000")
    savings_entries_verify(entries=[entry], actor=officer)
    rollups.drain()
    # £2,300,000 realised on £6,000 invested.
    assert rollup_for().realised == D("2300000")
    assert rollup_for().realised_roi == D("383.33")


@pytest.mark.django_db
def test_bad_input_is_explained_and_nothing_is_saved(applicant_a_client, award_a):
    response = applicant_a_client.post(
        reverse("savings:return_create", args=[award_a.pk]),
        {"financial_year": "2013-14", "amount": "lots", "evidence": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "govuk-error-summary" in page
    assert "Enter a financial year as the year it starts and the next, like 2013/14" in page
    assert "Enter the amount saved as a number of pounds, like 250000" in page
    assert "Select whether the saving is one-off or recurring" in page
    assert "Describe the evidence for this saving" in page
    assert 'value="2013-14"' in page  # what was typed is kept
    assert not SavingsEntry.objects.exists()


@pytest.mark.django_db
def test_an_unexpected_file_type_is_refused(applicant_a_client, award_a):
    response = applicant_a_client.post(
        reverse("savings:return_create", args=[award_a.pk]),
        good_return(document=SimpleUploadedFile("run.exe", b"MZ")),
    )
    assert (
        "The selected file must be a PDF, DOCX, XLSX, ODT or CSV file" in response.content.decode()
    )
    assert not SavingsEntry.objects.exists()


@pytest.mark.django_db
def test_a_file_renamed_to_pdf_is_refused_by_its_content(applicant_a_client, award_a):
    response = applicant_a_client.post(
        reverse("savings:return_create", args=[award_a.pk]),
        good_return(document=SimpleUploadedFile("outturn.pdf", b"MZ not a pdf at all")),
    )
    assert "is not a real PDF file" in response.content.decode()
    assert not SavingsEntry.objects.exists()


@pytest.fixture
def evidence(applicant_a_client, award_a):
    applicant_a_client.post(
        reverse("savings:return_create", args=[award_a.pk]),
        good_return(document=SimpleUploadedFile("outturn.pdf", pdfs.PDF)),
    )
    return SavingsEntry.objects.get()


@pytest.mark.django_db
def test_evidence_is_stored_under_a_random_name(evidence):
    assert "outturn" not in evidence.document.name
    assert evidence.document.name.startswith("returns/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("applicant_a", 200),
        ("applicant_b", 404),
        ("officer", 200),
        ("board_member", 403),
        (None, 302),
    ],
)
def test_evidence_downloads_only_to_its_council_and_officers(
    request, client, evidence, persona, status
):
    client.logout()  # the evidence fixture signed in as applicant A
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("savings:evidence_download", args=[evidence.pk]))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == pdfs.PDF
        assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_the_admin_links_to_the_checked_download_not_a_file_url(evidence, officer_client):
    page = officer_client.get(
        reverse("admin:savings_savingsentry_change", args=[evidence.pk])
    ).content.decode()
    assert reverse("savings:evidence_download", args=[evidence.pk]) in page
    assert evidence.document.name not in page


@pytest.mark.django_db(transaction=True)
def test_a_return_saved_while_the_broker_is_down_still_succeeds(
    settings, client, strands, council_a, applicant_a
):
    award = make_award(strands["experts"], council_a, "PE-2013-0009")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6399/0"  # nothing listens here
    client.force_login(applicant_a)
    response = client.post(reverse("savings:return_create", args=[award.pk]), good_return())
    assert response.status_code == 302
    assert SavingsEntry.objects.count() == 1
    # The marker keeps the scope for the sweep once the broker is back.
    assert OutboxMarker.objects.filter(council=council_a).exists()


@pytest.mark.django_db
def test_the_awards_list_runs_a_constant_number_of_queries(
    applicant_a_client, strands, council_a, django_assert_max_num_queries
):
    for number in range(5):
        make_award(strands["experts"], council_a, f"PE-2013-01{number:02d}")
    # The session, user, groups and two-factor device; the council; the page's
    # COUNT (programmes.pagination) and the page of awards; the returns due
    # (the oldest overdue and the next one; a count only when more are overdue
    # than the banner names).
    with django_assert_max_num_queries(9):
        applicant_a_client.get(reverse("savings:award_list"))


@pytest.mark.django_db
def test_the_awards_list_is_a_page_at_a_time_with_flat_queries(
    applicant_a_client, strands, council_a, award_b, django_assert_max_num_queries
):
    from programmes.pagination import PER_PAGE

    for number in range(PER_PAGE + 2):
        make_award(strands["experts"], council_a, f"PE-2013-02{number:02d}")
    url = reverse("savings:award_list")
    # As above: 7, and 2 for the returns due.
    with django_assert_max_num_queries(9):
        first = applicant_a_client.get(url).content.decode()
    with django_assert_max_num_queries(9):
        last = applicant_a_client.get(url, {"page": "2"}).content.decode()
    assert first.count("PE-2013-02") == PER_PAGE and last.count("PE-2013-02") == 2
    assert f"Showing awards {PER_PAGE + 1} to {PER_PAGE + 2} of {PER_PAGE + 2}" in last
    assert 'aria-label="Page 2" aria-current="page"' in last
    assert "PE-2013-0002" not in first + last  # council B's award
