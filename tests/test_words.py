"""Words a new user met that were stale or wrong (issue 27, item 8)."""

import datetime

from django.urls import reverse

from programmes.strands import get_strand
from tests.factories import ApplicationFactory, CallFactory


def test_one_bid_is_downloaded_as_the_bid_not_all_1_bids(board_client, council_a):
    ApplicationFactory(lead_council=council_a, call=CallFactory())
    page = board_client.get(reverse("board:council", args=[council_a.pk])).content.decode()
    assert "Download all 1 bids" not in page
    assert "Download the bid as CSV" in page


def test_an_abolished_council_is_offered_no_call_it_cannot_bid_to(
    applicant_a_client, council_a, experts_call
):
    council_a.abolished_on = datetime.date(2023, 4, 1)
    council_a.save()
    page = applicant_a_client.get(reverse("applications:bid_list")).content.decode()
    assert reverse("applications:call_start", args=[experts_call.pk]) not in page
    assert "was abolished on 1 April 2023, so it cannot start new bids" in page


def test_a_council_that_exists_is_offered_the_open_calls(applicant_a_client, experts_call):
    page = applicant_a_client.get(reverse("applications:bid_list")).content.decode()
    assert reverse("applications:call_start", args=[experts_call.pk]) in page


def test_the_growth_strand_does_not_give_the_2013_dates_as_every_rounds():
    summary = get_strand("growth").summary
    assert "used within the dates each round sets" in summary


def test_the_demo_shows_councils_no_note_about_the_board_paper():
    from programmes.experts import demo as experts_demo
    from programmes.growth import demo as growth_demo
    from programmes.ope import demo as ope_demo

    for text in (ope_demo.PLAN_SUMMARY, growth_demo.ILLUSTRATIVE, experts_demo.ILLUSTRATIVE):
        assert "Illustrative" not in text and "board paper" not in text


def test_pages_that_say_contact_the_team_give_its_address(client, settings):
    settings.CONTACT_EMAIL = "productivity-team@example.org"
    page = client.get(reverse("login")).content.decode()
    assert 'href="mailto:productivity-team@example.org"' in page


def test_the_check_page_calls_a_projection_what_the_form_called_it(
    applicant_a_client, council_a, strands
):
    from tests.savings.returns import award, first_return, line

    savings_return = first_return(award(council_a, strand=strands["experts"]))
    line(savings_return, kind="projected", financial_year="2014/15")
    check = reverse("savings:return_check", args=[savings_return.pk])
    page = applicant_a_client.get(check).content.decode()
    assert "Projected, one-off" in page
    assert "Projected (identified)" not in page


def test_the_bid_lists_filter_says_whether_personal_data_was_removed_in_words(
    officer_client, council_a
):
    from django.utils import timezone

    kept = ApplicationFactory(lead_council=council_a, call=CallFactory(), title="Kept bid")
    removed = ApplicationFactory(lead_council=council_a, call=CallFactory(), title="Gone bid")
    removed.anonymised_at = timezone.now()
    removed.save(update_fields=["anonymised_at"])
    url = reverse("admin:applications_application_changelist")
    page = officer_client.get(url).content.decode()
    assert "Personal data removed" in page and "Personal data kept" in page
    assert "Not empty" not in page
    shown = officer_client.get(url, {"personal_data": "removed"}).context["cl"].result_list
    assert list(shown) == [removed]
    shown = officer_client.get(url, {"personal_data": "kept"}).context["cl"].result_list
    assert list(shown) == [kept]
