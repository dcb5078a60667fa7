"""Savings returns as a reporting cycle (issue 13): the schedule, the council's
return (lines, check, declaration, confirmation), the officer's verify and
send back, reminders with a fixed clock, and what reaches the rollups."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from programmes.notices.models import Notice
from programmes.permissions import SYSTEM
from programmes.returns import schedule
from programmes.returns import services as return_services
from programmes.returns.models import ReminderStage, ReturnReminder, ReturnState, SavingsReturn
from programmes.returns.selectors import returns_due_for_council, returns_summary
from savings import rollups, services
from savings.models import SavingsEntry, Withheld
from savings.selectors import rollup_for as _rollup_for
from tests.factories import ReportingCallFactory
from tests.savings.returns import AWARDED, award, first_return, line, send

D = Decimal


def rollup_for():
    """The programme's figures once the outbox is drained (the worker's job;
    a test's transaction never commits, so nothing drains by itself)."""
    rollups.drain()
    return _rollup_for()


@pytest.fixture
def award_a(council_a, strands):
    return award(council_a, strand=strands["experts"])


@pytest.fixture
def return_a(award_a):
    return first_return(award_a)


# The schedule ---------------------------------------------------------------


def test_an_approved_award_gets_its_returns_from_the_calls_schedule(award_a):
    returns = list(award_a.savings_returns.order_by("period_start"))
    # Quarterly from the quarter of the award (3 October 2013) for a year.
    assert [(r.period_start, r.period_end, r.due_on) for r in returns] == [
        (date(2013, 10, 1), date(2013, 12, 31), date(2014, 1, 30)),
        (date(2014, 1, 1), date(2014, 3, 31), date(2014, 4, 30)),
        (date(2014, 4, 1), date(2014, 6, 30), date(2014, 7, 30)),
        (date(2014, 7, 1), date(2014, 9, 30), date(2014, 10, 30)),
        (date(2014, 10, 1), date(2014, 12, 31), date(2015, 1, 30)),
    ]
    assert [r.reference for r in returns][:2] == [
        f"RET-{award_a.reference}-1",
        f"RET-{award_a.reference}-2",
    ]
    assert {r.state for r in returns} == {ReturnState.DUE}


def test_generating_again_makes_no_second_return(award_a):
    assert return_services.returns_generate(actor=SYSTEM) == 0
    assert return_services.returns_generate(actor=SYSTEM, application=award_a) == 0
    assert award_a.savings_returns.count() == 5


def test_a_call_without_a_schedule_makes_no_returns(council_a, strands):
    awarded = award(council_a, strand=strands["experts"], return_frequency="")
    assert awarded.savings_returns.count() == 0


@pytest.mark.parametrize(
    ("frequency", "count", "last_due"),
    [("half_yearly", 3, date(2015, 4, 30)), ("annual", 2, date(2015, 4, 30))],
)
def test_other_frequencies(frequency, count, last_due):
    call = ReportingCallFactory.build(return_frequency=frequency)
    periods = schedule.periods(call, AWARDED.date())
    assert len(periods) == count
    assert periods[-1].due_on == last_due


def test_the_admin_explains_an_incomplete_schedule_beside_its_fields(officer_client, strands):
    url = reverse("admin:applications_call_add")
    response = officer_client.post(
        url,
        {
            "strand": strands["experts"].pk,
            "title": "Round with returns",
            "opens_at_0": "01/04/2013",
            "opens_at_1": "09:00",
            "closes_at_0": "31/03/2014",
            "closes_at_1": "17:00",
            "return_frequency": "quarterly",
            "return_due_days": "30",
            "reminder_days_before": "14",
            "overdue_days_after": "7",
            "projection_years_ahead": "3",
            "return_line_limit": "0",
        },
    )
    errors = response.context["adminform"].form.errors
    assert errors["returns_from"] == ["Enter the date the first reporting period starts"]
    assert errors["return_years"] == ["Enter for how many years, at least 1, awards report savings"]
    assert "must be more than £0" in errors["return_line_limit"][0]


# The council's return ------------------------------------------------------


def line_form(**extra) -> dict:
    return {
        "submission": str(uuid4()),
        "kind": "realised",
        "financial_year": "2013/14",
        "amount": "£120,000",
        "recurrence": "one_off",
        "evidence": "The finance team's outturn report",
        **extra,
    }


def test_the_council_adds_lines_checks_declares_and_gets_a_reference(
    applicant_a_client, applicant_a, return_a, officer
):
    detail = reverse("savings:return_detail", args=[return_a.pk])
    add = reverse("savings:return_line_add", args=[return_a.pk])
    assert applicant_a_client.get(detail).status_code == 200
    response = applicant_a_client.post(add, line_form())
    assert response.status_code == 302
    response = applicant_a_client.post(
        add, line_form(kind="projected", financial_year="2014/15", amount="120000.50")
    )
    assert response.status_code == 302
    lines = list(return_a.lines.order_by("pk"))
    assert [(x.amount, x.kind, x.withheld) for x in lines] == [
        (D("120000"), "realised", Withheld.DRAFT),
        (D("120000.50"), "projected", Withheld.DRAFT),
    ]
    # A draft counts nowhere.
    assert rollup_for().realised_unverified == 0
    check = reverse("savings:return_check", args=[return_a.pk])
    page = applicant_a_client.get(check).content.decode()
    assert "£120,000.50" in page and "Declaration" in page
    response = applicant_a_client.post(check, {"declaration_name": "Avery Sample"}, follow=True)
    assert "Confirm that the return is correct" in response.content.decode()
    response = applicant_a_client.post(
        check, {"declaration_name": "Avery Sample", "confirmed": "on"}, follow=True
    )
    page = response.content.decode()
    assert "Savings return sent" in page
    assert return_a.reference in page
    return_a.refresh_from_db()
    assert return_a.state == ReturnState.SUBMITTED
    assert return_a.submitted_by == applicant_a
    assert return_a.declaration_name == "Avery Sample"
    # Officers are told it has arrived.
    notice = Notice.objects.get(recipient=officer.email, subject__contains="has arrived")
    assert return_a.reference in notice.subject
    # Sent: the realised line counts apart until verified, the projection counts.
    assert rollup_for().realised_unverified == D("120000")
    assert rollup_for().projected == D("120000.50")
    # The same declaration sent again (a replay, a second tab) is one return.
    again = applicant_a_client.post(
        check, {"declaration_name": "Avery Sample", "confirmed": "on"}, follow=True
    )
    assert "Savings return sent" in again.content.decode()
    assert Notice.objects.filter(recipient=officer.email, subject__contains="arrived").count() == 1


def test_every_post_to_the_check_page_answers_a_redirect_so_back_never_resubmits(
    applicant_a_client, return_a
):
    """Post/Redirect/Get: the page Back lands on after sending is a GET, never
    a page rendered for a POST (the browser's "Confirm form resubmission")."""
    line(return_a, "5000")
    check = reverse("savings:return_check", args=[return_a.pk])
    # An error: a redirect to the check page, which shows it with what was typed.
    response = applicant_a_client.post(check, {"declaration_name": "Avery Sample"})
    assert response.status_code == 302 and response["Location"] == check
    page = applicant_a_client.get(check)
    html = page.content.decode()
    assert "govuk-error-summary" in html and "Confirm that the return is correct" in html
    assert 'value="Avery Sample"' in html
    assert page.context["form"].errors["confirmed"]
    # Shown once: opening the page again starts afresh.
    assert "govuk-error-summary" not in applicant_a_client.get(check).content.decode()
    response = applicant_a_client.post(check, {"confirmed": "on"})
    assert response.status_code == 302 and response["Location"] == check
    assert "Enter your full name" in applicant_a_client.get(check).content.decode()
    # Corrected and sent: a redirect to the confirmation; sent again, the same.
    declaration = {"declaration_name": "Avery Sample", "confirmed": "on"}
    sent = reverse("savings:return_confirmation", args=[return_a.pk])
    for _ in range(2):
        response = applicant_a_client.post(check, declaration)
        assert response.status_code == 302 and response["Location"] == sent
    return_a.refresh_from_db()
    assert return_a.state == ReturnState.SUBMITTED


def test_a_refusal_by_the_service_is_shown_after_the_redirect_too(
    applicant_a_client, return_a, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError("This return cannot be sent now")

    monkeypatch.setattr(return_services, "return_submit", refuse)
    check = reverse("savings:return_check", args=[return_a.pk])
    declaration = {"declaration_name": "Avery Sample", "confirmed": "on"}
    response = applicant_a_client.post(check, declaration)
    assert response.status_code == 302 and response["Location"] == check
    page = applicant_a_client.get(check)
    assert page.context["form"].non_field_errors() == ["This return cannot be sent now"]
    assert "govuk-error-summary" in page.content.decode()


def test_the_same_line_form_sent_twice_adds_one_line(applicant_a_client, return_a):
    add = reverse("savings:return_line_add", args=[return_a.pk])
    form = line_form()
    applicant_a_client.post(add, form)
    applicant_a_client.post(add, form)
    assert return_a.lines.count() == 1


REFUSED = [
    ({"amount": "1e6"}, "amount", "not as a power of ten"),
    ({"amount": "1,2,3"}, "amount", "commas only between thousands"),
    ({"amount": "999999999999.99"}, "amount", "£1,000,000.00 or less"),
    ({"amount": "1000000.01"}, "amount", "£1,000,000.00 or less"),
    ({"amount": "-5"}, "amount", "£0 or more"),
    ({"amount": "0"}, "amount", "more than £0"),
    ({"amount": "12.345"}, "amount", "nearest penny"),
    # The years are chosen: anything else is a tampered form, refused beside the field.
    ({"financial_year": "0000/01"}, "financial_year", "this award reports on: 2013/14 to 2014/15"),
    ({"financial_year": "2013-14"}, "financial_year", "this award reports on: 2013/14 to 2014/15"),
    ({"financial_year": "2012/13"}, "financial_year", "this award reports on: 2013/14 to 2014/15"),
    ({"financial_year": "2030/31"}, "financial_year", "this award reports on: 2013/14 to 2014/15"),
    ({"financial_year": ""}, "financial_year", "Select the financial year the savings are for"),
    ({"evidence": " "}, "evidence", "evidence"),
    ({"kind": "target"}, "kind", "Select"),
]


@pytest.mark.parametrize(("change", "field", "message"), REFUSED)
def test_a_bad_line_is_explained_beside_its_field_and_nothing_is_saved(
    applicant_a_client, return_a, change, field, message
):
    add = reverse("savings:return_line_add", args=[return_a.pk])
    response = applicant_a_client.post(add, line_form(**change))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors.get(field, [])), form.errors
    assert "govuk-error-summary" in response.content.decode()
    assert not SavingsEntry.objects.exists()


def test_the_financial_year_is_chosen_from_the_years_the_award_reports_on(
    applicant_a_client, return_a
):
    add = reverse("savings:return_line_add", args=[return_a.pk])
    page = applicant_a_client.get(add).content.decode()
    # Radios (a few years), exactly the award's: no box to type a year in.
    years = re.findall(r'type="radio"\s+name="financial_year"[^>]*?value="([^"]*)"', page)
    assert years == ["2013/14", "2014/15"]
    assert not re.search(r'type="text"\s+name="financial_year"', page)
    assert "This award reports on 2013/14 to 2014/15" in page
    response = applicant_a_client.post(add, line_form(financial_year="2014/15", kind="projected"))
    assert response.status_code == 302
    assert return_a.lines.get().financial_year == "2014/15"


def test_an_award_reporting_on_many_years_offers_them_in_a_select(council_a, strands):
    from programmes.returns.forms import ReturnLineForm

    years = [f"{start}/{(start + 1) % 100:02d}" for start in range(2013, 2021)]
    html = str(ReturnLineForm(years=years)["financial_year"])
    assert "<select" in html and html.count("<option") == len(years) + 1


def test_realised_savings_are_never_for_a_year_not_yet_started(return_a, monkeypatch):
    today = date(2014, 2, 1)  # in 2013/14: 2014/15 has not started
    rules = return_services._line_rules(return_a, today)
    with pytest.raises(ValidationError, match="cannot be realised in 2014/15 yet"):
        services.line_check(kind="realised", financial_year="2014/15", amount=D("10"), **rules)
    services.line_check(kind="projected", financial_year="2014/15", amount=D("10"), **rules)


def test_projections_go_no_further_than_the_call_allows(return_a):
    call = return_a.application.call
    call.projection_years_ahead = 0
    rules = return_services._line_rules(return_a, date(2014, 2, 1))
    rules["latest_projection"] = schedule.latest_projection_year(call, date(2014, 2, 1))
    with pytest.raises(ValidationError, match="Projections can go up to 2013/14"):
        services.line_check(kind="projected", financial_year="2014/15", amount=D("10"), **rules)


def test_the_one_line_form_refuses_what_people_never_mean(applicant_a_client, council_a, strands):
    from savings.models import Investment

    award_a = award(council_a, strand=strands["experts"])
    investment = Investment.objects.get(application=award_a)
    url = reverse("savings:return_create", args=[investment.pk])
    for amount, message in [
        ("1e6", "power of ten"),
        ("1,2,3", "commas only between thousands"),
        ("999999999999.99", "or less"),
    ]:
        response = applicant_a_client.post(
            url, {**line_form(amount=amount), "financial_year": "2013/14"}
        )
        assert message in " ".join(response.context["form"].errors["amount"])
    for year, message in [
        ("0000/01", "from 1990/91"),
        ("9999/00", "from 1990/91"),
        ("2098/99", "yet"),
    ]:
        response = applicant_a_client.post(url, line_form(financial_year=year))
        assert message in " ".join(response.context["form"].errors["financial_year"])
    assert not SavingsEntry.objects.filter(reported_by__isnull=False).exists()


def test_another_councils_return_is_404(applicant_b_client, return_a):
    for name in ("return_detail", "return_line_add", "return_check"):
        url = reverse(f"savings:{name}", args=[return_a.pk])
        assert applicant_b_client.get(url).status_code == 404


def test_the_council_corrects_or_withdraws_before_verification_only(
    applicant_a_client, return_a, officer
):
    line(return_a, "5000")
    send(return_a)
    correct = reverse("savings:return_take_back", args=[return_a.pk, "correct"])
    applicant_a_client.post(correct)
    return_a.refresh_from_db()
    assert return_a.state == ReturnState.DUE
    assert rollup_for().realised_unverified == 0  # a draft again
    send(return_a)
    withdraw = reverse("savings:return_take_back", args=[return_a.pk, "withdraw"])
    applicant_a_client.post(withdraw)
    return_a.refresh_from_db()
    assert return_a.state == ReturnState.WITHDRAWN
    assert return_a.lines.get().withheld == Withheld.WITHDRAWN
    assert rollup_for().realised_unverified == 0
    # Sent again and verified: no longer the council's to take back.
    send(return_a)
    return_services.return_verify(actor=officer, savings_return=return_a)
    response = applicant_a_client.post(withdraw, follow=True)
    assert "so you cannot take it back" in response.content.decode()
    return_a.refresh_from_db()
    assert return_a.state == ReturnState.VERIFIED
    assert rollup_for().realised == D("5000")


def test_the_award_and_home_pages_say_when_the_next_return_is_due(
    applicant_a_client, award_a, return_a, officer
):
    return_services.return_extend(
        actor=officer,
        savings_return=return_a,
        until=date.today() + timedelta(days=30),
        reason="Agreed by phone",
    )
    due = (date.today() + timedelta(days=30)).strftime("%-d %B %Y")
    home = applicant_a_client.get(reverse("applications:bid_list")).content.decode()
    # The other four of its returns are long past due: they come first.
    assert "4 savings returns are overdue: send these first" in home
    assert f"After those, your next return is due {due}" in home
    from savings.models import Investment

    investment = Investment.objects.get(application=award_a)
    page = applicant_a_client.get(reverse("savings:award_detail", args=[investment.pk]))
    assert f"After those, your next return is due {due}" in page.content.decode()
    assert return_a.reference in page.content.decode()


def test_the_overdue_banner_names_the_oldest_overdue_returns_and_links_to_each(
    applicant_a_client, award_a, return_a, officer
):
    return_services.return_extend(
        actor=officer,
        savings_return=return_a,
        until=date.today() + timedelta(days=30),
        reason="Agreed by phone",
    )
    late = list(award_a.savings_returns.exclude(pk=return_a.pk).order_by("period_start"))
    # The oldest partly verified: settled, so neither counted nor tagged overdue.
    first = late[0]
    first.state = ReturnState.PARTLY_VERIFIED
    first.save()
    home = applicant_a_client.get(reverse("applications:bid_list"))
    banner = home.content.decode().split('id="returns-due"')[1].split("</div>")[0]
    assert "3 savings returns are overdue: send these first" in banner
    for savings_return in late[1:]:
        link = reverse("savings:return_detail", args=[savings_return.pk])
        assert f'href="{link}">{savings_return.reference}' in banner
        assert savings_return.period_display in banner
    assert late[1].due_date.strftime("due %-d %B %Y") in banner
    assert first.reference not in banner
    # At most three named; the rest counted, and a link to all the awards.
    first.state = ReturnState.DUE
    first.save()
    page = applicant_a_client.get(reverse("applications:bid_list")).content.decode()
    banner = page.split('id="returns-due"')[1].split("</div>")[0]
    assert "4 savings returns are overdue" in banner
    assert late[-1].reference not in banner
    assert f'and <a class="govuk-link" href="{reverse("savings:award_list")}">1 more' in banner
    # The award's table tags overdue the same way (a settled return never).
    first.state = ReturnState.PARTLY_VERIFIED
    first.save()
    from savings.models import Investment

    investment = Investment.objects.get(application=award_a)
    table = applicant_a_client.get(reverse("savings:award_detail", args=[investment.pk]))
    rows = table.content.decode().split("<tbody")[1].split("</tr>")
    assert [">Overdue<" in row for row in rows[:5]] == [False, False, True, True, True]
    detail = applicant_a_client.get(reverse("savings:return_detail", args=[first.pk]))
    assert ">Overdue<" not in detail.content.decode()


# The officer ----------------------------------------------------------------


def test_the_officers_page_verifies_all_lines(officer_client, return_a):
    line(return_a, "7000")
    send(return_a)
    url = reverse("admin:returns_savingsreturn_change", args=[return_a.pk])
    page = officer_client.get(url).content.decode()
    assert "Verify all lines" in page and "£7,000" in page
    officer_client.post(url, {"action": "verify_all"})
    return_a.refresh_from_db()
    assert return_a.state == ReturnState.VERIFIED
    assert rollup_for().realised == D("7000")
    assert rollup_for().realised_unverified == 0


def test_verifying_chosen_lines_sends_the_rest_back_with_a_reason(
    officer_client, return_a, applicant_a
):
    kept = line(return_a, "7000")
    line(return_a, "3000")
    send(return_a)
    url = reverse("admin:returns_savingsreturn_change", args=[return_a.pk])
    response = officer_client.post(url, {"action": "verify_chosen", "line": [kept.pk]})
    assert "Say why the lines not verified are sent back" in response.content.decode()
    officer_client.post(
        url,
        {"action": "verify_chosen", "line": [kept.pk], "decision-reason": "No invoice for £3,000"},
    )
    return_a.refresh_from_db()
    assert return_a.state == ReturnState.PARTLY_VERIFIED
    assert rollup_for().realised == D("7000")
    # The sent-back line counts nowhere, and the council sees why.
    assert rollup_for().realised_unverified == 0
    council = Client()
    council.force_login(applicant_a)
    page = council.get(reverse("savings:return_detail", args=[return_a.pk]))
    assert "No invoice for £3,000" in page.content.decode()


def test_send_back_needs_a_reason_the_council_sees(officer_client, return_a, applicant_a):
    line(return_a, "3000")
    send(return_a)
    url = reverse("admin:returns_savingsreturn_change", args=[return_a.pk])
    response = officer_client.post(url, {"action": "send_back"})
    assert "Say why the return is sent back" in response.content.decode()
    officer_client.post(url, {"action": "send_back", "decision-reason": "Wrong year"})
    return_a.refresh_from_db()
    assert return_a.state == ReturnState.SENT_BACK
    assert rollup_for().realised_unverified == 0
    assert Notice.objects.filter(recipient=applicant_a.email, subject__contains="sent back")


def test_the_savings_admins_bulk_verify_leaves_return_lines_to_their_return(officer, return_a):
    draft = line(return_a, "3000")
    assert services.savings_entries_verify(entries=[draft], actor=officer) == 0
    send(return_a)
    assert services.savings_entries_verify(entries=[draft], actor=officer) == 0
    draft.refresh_from_db()
    assert not draft.is_verified


def test_the_admin_lists_returns_awaiting_verification_and_overdue_with_counts(
    officer_client, return_a
):
    line(return_a, "3000")
    send(return_a)
    url = reverse("admin:returns_savingsreturn_changelist")
    page = officer_client.get(url).content.decode()
    assert "Awaiting verification (1)" in page
    assert "Overdue (4)" in page
    page = officer_client.get(url, {"queue": "awaiting"}).content.decode()
    assert return_a.reference in page


def test_an_officer_extends_or_waives_with_a_reason(officer_client, return_a):
    url = reverse("admin:returns_savingsreturn_change", args=[return_a.pk])
    response = officer_client.post(url, {"action": "extend", "due-until": "2014-01-01"})
    form = response.context["due_form"]
    assert "after the current due date" in form.errors["until"][0]
    assert "Say why" in form.errors["due_reason"][0]
    officer_client.post(
        url, {"action": "extend", "due-until": "2014-03-01", "due-due_reason": "Staff away"}
    )
    return_a.refresh_from_db()
    assert (return_a.due_on, return_a.extended_to) == (date(2014, 1, 30), date(2014, 3, 1))
    officer_client.post(url, {"action": "waive", "due-due_reason": "Project stopped"})
    return_a.refresh_from_db()
    assert return_a.state == ReturnState.WAIVED
    assert return_a.waived_reason == "Project stopped"


# Reminders, with a fixed clock ------------------------------------------------


def stages(today: date) -> list[tuple[str, str]]:
    sent = return_services.return_reminders_send(actor=SYSTEM, today=today)
    return [(item.savings_return.reference, item.stage) for item in sent]


def test_a_reminder_goes_before_the_due_date_and_an_overdue_notice_after(return_a, applicant_a):
    ref = return_a.reference
    # Due 30 January 2014; reminders 14 days before, overdue notices 7 after.
    assert stages(date(2014, 1, 15)) == []
    assert stages(date(2014, 1, 16)) == [(ref, ReminderStage.REMINDER)]
    assert stages(date(2014, 1, 17)) == []  # never twice
    assert stages(date(2014, 2, 5)) == []
    assert stages(date(2014, 2, 6)) == [(ref, ReminderStage.OVERDUE)]
    assert stages(date(2014, 2, 7)) == []
    assert ReturnReminder.objects.filter(savings_return=return_a).count() == 2
    subjects = list(
        Notice.objects.filter(recipient=applicant_a.email).values_list("subject", flat=True)
    )
    assert f"{ref}: your savings return is due 30 January 2014" in subjects
    assert f"{ref}: your savings return is overdue" in subjects


def test_an_extension_moves_the_reminders(return_a, officer, applicant_a):
    return_services.return_extend(
        actor=officer, savings_return=return_a, until=date(2014, 3, 1), reason="Staff away"
    )
    assert stages(date(2014, 1, 16)) == []
    assert stages(date(2014, 2, 6)) == []
    assert stages(date(2014, 2, 15)) == [(return_a.reference, ReminderStage.REMINDER)]
    assert stages(date(2014, 3, 8)) == [(return_a.reference, ReminderStage.OVERDUE)]


def test_a_council_with_nobody_to_tell_is_told_once_it_has_a_user(return_a, applicant_a):
    applicant_a.is_active = False
    applicant_a.save()
    assert stages(date(2014, 2, 6)) == []
    applicant_a.is_active = True
    applicant_a.save()
    assert stages(date(2014, 2, 7)) == [(return_a.reference, ReminderStage.OVERDUE)]


def test_a_waived_or_sent_return_has_no_reminders(award_a, officer, applicant_a):
    first, second = list(award_a.savings_returns.order_by("period_start"))[:2]
    return_services.return_waive(actor=officer, savings_return=first, reason="Not needed")
    send(second)
    assert stages(date(2014, 6, 1)) == []


def test_the_command_dry_run_says_what_it_would_send_and_sends_nothing(
    return_a, applicant_a, capsys
):
    # Today every test return is long overdue.
    call_command("send_return_reminders", "--dry-run")
    out = capsys.readouterr().out
    assert f"Would send overdue for {return_a.reference}" in out
    assert not ReturnReminder.objects.exists()
    assert not Notice.objects.exists()
    call_command("send_return_reminders")
    assert "Sent 5 reminders and notices." in capsys.readouterr().out
    call_command("send_return_reminders")
    assert "Sent 0 reminders and notices." in capsys.readouterr().out


# The board -----------------------------------------------------------------


def test_the_board_counts_returns_per_period_and_awards_up_to_date(
    award_a, council_b, strands, officer, board_client
):
    first = first_return(award_a)
    line(first, "3000")
    send(first)
    return_services.return_verify(actor=officer, savings_return=first)
    # Sent on 20 January 2014 and verified on 5 February, before the date asked about.
    SavingsReturn.objects.filter(pk=first.pk).update(
        submitted_at=datetime(2014, 1, 20, 12, tzinfo=UTC),
        decided_at=datetime(2014, 2, 5, 12, tzinfo=UTC),
    )
    summary = returns_summary(strand=strands["experts"], as_at=date(2014, 2, 10))
    assert [
        (p.period_start, p.due, p.received, p.verified, p.overdue) for p in summary.periods
    ] == [(date(2013, 10, 1), 1, 1, 1, 0)]
    assert (summary.awards, summary.awards_up_to_date, summary.share_up_to_date) == (1, 1, 100)
    award(council_b, strand=strands["experts"])
    summary = returns_summary(strand=strands["experts"], as_at=date(2014, 2, 10))
    assert summary.periods[0].overdue == 1
    assert summary.share_up_to_date == 50
    page = board_client.get(reverse("board:strand", args=["experts"])).content.decode()
    assert "Savings returns" in page
    assert returns_due_for_council(council=council_b, as_at=date(2014, 2, 10)).overdue == 1


# Two tabs at once --------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL only"
)
@pytest.mark.django_db(transaction=True)
def test_two_declarations_sent_at_once_make_one_return_and_one_arrival(
    council_a, strands, applicant_a, officer
):
    savings_return = first_return(award(council_a, strand=strands["experts"]))
    line(savings_return, "4000")
    barrier = threading.Barrier(2)
    states, errors = [], []

    def send_once() -> None:
        try:
            barrier.wait()
            sent = return_services.return_submit(
                actor=applicant_a,
                savings_return=savings_return,
                declaration_name="Avery Sample",
                confirmed=True,
            )
            states.append(sent.state)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=send_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert states == [ReturnState.SUBMITTED, ReturnState.SUBMITTED]
    # One arrival: the officers are told once.
    arrived = Notice.objects.filter(recipient=officer.email, subject__contains="has arrived")
    assert arrived.count() == 1
    assert savings_return.lines.count() == 1


@pytest.mark.parametrize("awards", [1, 8])
def test_the_boards_returns_table_is_two_queries_whatever_the_number_of_returns(
    awards, strands, django_assert_num_queries
):
    from tests.factories import CouncilFactory

    for _ in range(awards):
        award(CouncilFactory(), strand=strands["experts"])
    with django_assert_num_queries(2):
        summary = returns_summary(strand=strands["experts"], as_at=date(2015, 6, 1))
    assert summary.awards == awards
    assert sum(row.overdue for row in summary.periods) == 5 * awards
