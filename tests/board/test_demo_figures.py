"""From load_demo, the board pages show the 2013 paper's figures, through the rollups."""

import csv
import io
from datetime import date

from django.urls import reverse

from programmes.board.models import BoardPaper
from programmes.models import Strand


def test_the_dashboards_show_the_papers_figures(demo, board_client):
    # One demo load for all the pages: load_demo takes seconds.
    page = board_client.get(reverse("board:overview")).content.decode()
    assert "£46,000" in page
    assert "£25,615,000" in page
    assert "£557 saved per £1" in page
    assert "Figures as at" in page

    page = board_client.get(reverse("board:strand", args=["experts"])).content.decode()
    assert "£46,000" in page
    assert "£25,615,000" in page
    assert "£557 saved per £1" in page
    # Allerdale's £2.3m, verified by an officer (para 8.1).
    assert "£2,300,000" in page
    # Seven appointments covering 10 councils (para 8): leads and partners.
    assert 'Councils served (lead or partner)</dt><dd class="govuk-summary-list__value">10<' in page

    page = board_client.get(reverse("board:strand", args=["ope"])).content.decode()
    assert '<span data-figure="ope-councils">12</span> councils taking part' in page
    assert "£276,000" in page

    page = board_client.get(reverse("board:strand", args=["asce"])).content.decode()
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">5.7%</td>' in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">7%</td>' in page
    for projection in ("5.3%", "4.9%"):
        assert projection in page

    for strand in Strand.objects.all():
        assert board_client.get(reverse("board:strand", args=[strand.key])).status_code == 200


def test_the_published_2013_paper_carries_each_strands_section_and_figures(demo, board_client):
    listing = board_client.get(reverse("board:papers")).content.decode()
    assert "Improvement and Innovation Board, 17 July 2013" in listing
    paper = BoardPaper.objects.get(meeting_date=date(2013, 7, 17))
    page = board_client.get(reverse("board:paper", args=[paper.pk])).content.decode()
    assert "17 July 2013" in page
    assert "Published 10:00, 9 July 2013" in page
    for heading in (
        "One Public Estate",
        "The Productivity Expert Programme",
        "ASCE Programme",
        "Local Economic Growth Advisers",
        "National Procurement Strategy",
        "Commissioning and productivity web page",
        "Financial Implications",
    ):
        assert heading in page
    assert "Item 8" in page
    assert "12 pilot councils" in page
    assert "around £23,000 each" in page
    assert (
        "7 expert appointments, covering 10 councils, have been assessed: for an LGA "
        "investment of £46,000, potential estimated projected savings of £25,615,000"
    ) in page
    assert (
        "enabled the council to realise an efficiency saving of £2,300,000 against a target "
        "of £1,000,000" in page
    )
    assert "average 5.7% of the adult social care budget" in page
    assert "modal (most frequently reported) saving being 7%" in page
    assert "5.7% for 2013/14, 5.3% for 2014/15 and 4.9% for 2015/16" in page
    # As at its date: no bid of a later round, the July deal not yet reached.
    assert "No bids had been received by the date of this paper" in page
    assert "is open for applications from councils until 30 August 2013" in page
    assert "up to 14 days of support from September 2013 to February 2014" in page
    assert "Deal on the Procurement and Concessions Directives: reached on 26 June 2013" in page
    assert "European Parliament plenary vote on the agreed text: expected in September" in page
    # The demo's returns of today (one awaiting verification, one sent back)
    # came after it was published: none of them is in it.
    assert "awaits verification" not in page
    assert "£120,000" not in page
    # A fictional contact, never the source paper's.
    assert "Robin Example" in page
    assert "@example.org" in page


def test_the_demos_next_paper_is_a_draft_as_at_its_figures_date(demo, officer_client):
    draft = BoardPaper.objects.get(meeting_date=date(2013, 9, 18))
    page = officer_client.get(reverse("board:paper", args=[draft.pk])).content.decode()
    assert "Draft, not published" in page
    assert "Figures as at 10 September 2013" in page
    assert "Since the last paper (17 July 2013)" in page
    # The 2013 round's awards were decided after July: the draft says so.
    assert "bids approved up 2 to 2." in page
    # As at 10 September 2013: the return the demo sends today is not in it.
    assert "£120,000 has been reported and awaits verification" not in page


def test_strand_pages_show_each_strands_own_status(demo, board_client):
    def status(key: str) -> str:
        return board_client.get(reverse("board:strand", args=[key])).content.decode()

    ope = status("ope")
    assert "Plans awaiting sign-off</dt>" in ope
    assert "£276,000 to 12 pilots" in ope
    experts = status("experts")
    assert 'Expert appointments</dt><dd class="govuk-summary-list__value">7<' in experts
    assert "3 (of 3 written)" in experts
    assert "Adviser days used" in status("growth")


def test_a_strand_without_savings_says_so_instead_of_an_empty_chart(demo, board_client):
    page = board_client.get(reverse("board:strand", args=["ope"])).content.decode()
    assert "No projected or realised savings have been recorded for this strand yet" in page
    assert "<svg" not in page.split("Savings by financial year")[1].split("Councils")[0]


def test_allerdales_target_is_on_its_council_page_and_the_strands(demo, board_client):
    from programmes.models import Council

    allerdale = Council.objects.get(short_name="Allerdale")
    page = board_client.get(reverse("board:council", args=[allerdale.pk])).content.decode()
    assert f'data-figure="council-{allerdale.gss_code}-realised">£2,300,000<' in page
    assert f'data-figure="council-{allerdale.gss_code}-target">£1,000,000<' in page
    body = board_client.get(reverse("board:strand_csv", args=["experts", "councils"]))
    rows = {row[0]: row for row in csv.reader(io.StringIO(body.content.decode()))}
    assert rows["Allerdale Borough Council"][4] == "1000000.00"  # Savings target
    assert rows["Allerdale Borough Council"][6] == "2300000.00"  # Realised (verified)
