"""Board papers as records: drafted by officers, frozen when published, read
by the board exactly as published, each later one saying what changed."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from programmes.board.models import BoardPaper, PaperState
from programmes.board.paper import paper_view
from programmes.board.services import paper_create, paper_publish, paper_update
from programmes.permissions import SYSTEM
from programmes.returns.models import SavingsReturn
from savings import rollups
from savings.models import InvestmentSource, SavingsKind
from savings.services import investment_record, savings_entry_record

pytestmark = pytest.mark.django_db


def _facts(strand, council, *, invested: str, projected: str, target: str = "0", on: date) -> None:
    """Facts dated `on` (a paper counts them from then: docs/board.md, "As at a date")."""
    investment_record(
        actor=SYSTEM,
        strand=strand,
        council=council,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2013/14",
        amount=Decimal(invested),
        awarded_on=on,
    )
    savings_entry_record(
        actor=SYSTEM,
        strand=strand,
        council=council,
        financial_year="2013/14",
        kind=SavingsKind.PROJECTED,
        amount=Decimal(projected),
        reported_on=on,
    )
    if target != "0":
        savings_entry_record(
            actor=SYSTEM,
            strand=strand,
            council=council,
            financial_year="2013/14",
            kind=SavingsKind.TARGET,
            amount=Decimal(target),
            reported_on=on,
        )
    rollups.drain()


@pytest.fixture
def reader(board_member):
    """A board member's own client (board_client and officer_client share one)."""
    client = Client()
    client.force_login(board_member)
    return client


def _draft(meeting_date: str) -> BoardPaper:
    return paper_create(
        actor=SYSTEM,
        meeting_date=meeting_date,
        contact_name="Robin Example",
        risks="The Cabinet Office resource for the pilots is limited.",
    )


def test_a_published_paper_keeps_its_figures_and_the_next_shows_what_changed(
    strands, council_a, reader, officer_client
):
    board_client = reader
    _facts(
        strands["experts"], council_a, invested="46000", projected="25615000", on=date(2013, 7, 1)
    )
    first = paper_publish(paper=_draft("2013-07-17"), actor=SYSTEM)
    url = reverse("board:paper", args=[first.pk])
    before = board_client.get(url).content.decode()
    assert "investment of £46,000" in before
    assert "£25,615,000" in before

    # A fact changes after publishing (dated before the next paper's figures date).
    _facts(strands["experts"], council_a, invested="4000", projected="1000000", on=date(2013, 8, 1))

    after = board_client.get(url).content.decode()
    assert "investment of £46,000" in after
    assert "£26,615,000" not in after
    assert after.count("£25,615,000") == before.count("£25,615,000")
    # The dashboards have today's figures; the paper says it is as published.
    assert (
        "£26,615,000"
        in board_client.get(reverse("board:strand", args=["experts"])).content.decode()
    )
    assert "exactly as published" in after

    second = _draft("2013-09-18")
    draft = officer_client.get(reverse("board:paper", args=[second.pk])).content.decode()
    assert "Since the last paper (17 July 2013)" in draft
    assert (
        "Productivity Experts: invested up £4,000 to £50,000 and projected savings up "
        "£1,000,000 to £26,615,000."
    ) in draft
    assert "Draft, not published" in draft
    assert "Figures as at" in draft


def test_a_published_paper_can_never_change(strands, officer_client):
    published = paper_publish(paper=_draft("2013-07-17"), actor=SYSTEM)
    with pytest.raises(ValidationError, match="cannot be changed"):
        paper_update(paper=published, actor=SYSTEM, risks="Rewritten later")
    with pytest.raises(ValidationError, match="already been published"):
        paper_publish(paper=published, actor=SYSTEM)
    change = reverse("admin:board_boardpaper_change", args=[published.pk])
    page = officer_client.get(change).content.decode()
    assert 'name="_save"' not in page  # read-only
    assert officer_client.post(change, {"risks": "Rewritten"}).status_code == 403
    delete = reverse("admin:board_boardpaper_delete", args=[published.pk])
    # Deleting it (a page opened while it was a draft) is refused in words.
    refused = officer_client.post(delete, {"post": "yes"}, follow=True)
    assert refused.redirect_chain[0] == (change, 302)
    assert "a published paper cannot be changed" in refused.content.decode()
    assert officer_client.get(delete).status_code == 403
    published.refresh_from_db()
    assert published.risks == "The Cabinet Office resource for the pilots is limited."


def test_the_board_reads_published_papers_and_only_officers_see_drafts(
    strands, reader, officer_client
):
    board_client = reader
    published = paper_publish(paper=_draft("2013-07-17"), actor=SYSTEM)
    draft = _draft("2013-09-18")
    listing = board_client.get(reverse("board:papers")).content.decode()
    assert "17 July 2013" in listing
    assert "18 September 2013" not in listing
    assert board_client.get(reverse("board:paper", args=[draft.pk])).status_code == 404
    assert board_client.get(reverse("board:paper", args=[published.pk])).status_code == 200
    officers = officer_client.get(reverse("board:papers")).content.decode()
    assert "Draft: Productivity Programme Update" in officers
    assert officer_client.get(reverse("board:paper", args=[draft.pk])).status_code == 200


def test_a_published_paper_reads_only_its_own_row(
    strands, council_a, board_client, django_assert_max_num_queries
):
    _facts(
        strands["experts"], council_a, invested="46000", projected="25615000", on=date(2013, 7, 1)
    )
    published = paper_publish(paper=_draft("2013-07-17"), actor=SYSTEM)
    # The session, user, groups and device (4), then the paper: no figure recomputed.
    with django_assert_max_num_queries(5):
        assert board_client.get(reverse("board:paper", args=[published.pk])).status_code == 200


def test_named_examples_and_targets_come_from_the_data(strands, council_a, board_client):
    _facts(
        strands["experts"],
        council_a,
        invested="46000",
        projected="2300000",
        target="1000000",
        on=date(2013, 7, 1),
    )
    savings_entry_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_a,
        financial_year="2013/14",
        kind=SavingsKind.REALISED,
        amount=Decimal("2300000"),
        verified=True,
        reported_on=date(2013, 7, 1),
        verified_at=datetime(2013, 7, 2, 10, tzinfo=UTC),
    )
    rollups.drain()
    # The Experts strand names the councils of its published case studies
    # (paras 8.1-8.3), with what the expert did and the council's savings.
    from programmes.experts.services import case_study_publish, case_study_save

    study = case_study_save(
        title="Renegotiating contracts",
        slug="renegotiating-contracts",
        council=council_a,
        summary="A contracts negotiator helped the council renegotiate its largest contracts.",
        body="The story.",
        actor=SYSTEM,
    )
    case_study_publish(case_study=study, actor=SYSTEM, at=datetime(2013, 6, 3, 9, tzinfo=UTC))
    published = paper_publish(paper=_draft("2013-07-17"), actor=SYSTEM)
    page = board_client.get(reverse("board:paper", args=[published.pk])).content.decode()
    assert (
        "Allerdale Borough Council: a contracts negotiator helped the council renegotiate its "
        "largest contracts. This has enabled the council to realise an efficiency saving of "
        "£2,300,000 against a target of £1,000,000."
    ) in page
    assert "Case studies have been written for this example" in page
    assert "has been reported and awaits verification" not in page  # nothing awaits
    strand = board_client.get(reverse("board:strand", args=["experts"])).content.decode()
    assert 'against its target of <span data-figure="experts-target">£1,000,000</span>' in strand


def _admin_form(**changes) -> dict:
    form = {
        "board": "Improvement and Innovation Board",
        "meeting_date_0": "18",
        "meeting_date_1": "9",
        "meeting_date_2": "2013",
        "title": "Productivity Programme Update",
        "contact_name": "Robin Example",
        "contact_position": "",
        "contact_phone": "",
        "contact_email": "",
        "purpose": "For information",
        "summary": "",
        "recommendation": "To note the progress.",
        "action": "Officers to continue.",
        "highlights": "",
        "risks": "",
        "events": "",
    }
    return {**form, **changes}


def test_an_officer_drafts_and_publishes_in_the_admin(strands, officer_client):
    add = reverse("admin:board_boardpaper_add")
    page = officer_client.get(add).content.decode()
    assert 'name="meeting_date_0"' in page  # day, month and year
    response = officer_client.post(add, _admin_form(meeting_date_0="31", meeting_date_1="2"))
    assert response.status_code == 200
    assert "Enter a real date for the meeting, for example 17 7 2013" in response.content.decode()
    response = officer_client.post(add, _admin_form(meeting_date_1=""))
    assert "Enter the month of the meeting" in response.content.decode()
    assert not BoardPaper.objects.exists()

    response = officer_client.post(add, _admin_form(risks="The pilots' resource is limited."))
    assert response.status_code == 302
    created = BoardPaper.objects.get()
    assert str(created.meeting_date) == "2013-09-18"
    change = officer_client.get(reverse("admin:board_boardpaper_change", args=[created.pk]))
    assert "The paper as the board will read it" in change.content.decode()

    publish = reverse("admin:board_boardpaper_publish", args=[created.pk])
    assert "keeps its figures" in officer_client.get(publish).content.decode()
    assert officer_client.post(publish).status_code == 302
    created.refresh_from_db()
    assert created.state == PaperState.PUBLISHED
    assert created.snapshot["sections"][0]["heading"] == "Background"


def test_an_officers_narrative_opens_and_closes_its_section(strands, officer_client):
    """Each section's narrative is the officer's text before and after the
    portal's paragraphs; the web page and financial implications are narrative
    only, after the strands (the source paper's order)."""
    add = reverse("admin:board_boardpaper_add")
    form = _admin_form(
        agenda_item="Item 5",
        narrative_ope_opening="The LGA runs the programme for the Cabinet Office.",
        narrative_ope_closing="Plans will be signed off in the coming few weeks.",
        narrative_financial_opening="The business plan includes resources.",
    )
    assert officer_client.post(add, form).status_code == 302
    paper = BoardPaper.objects.get()
    assert paper.agenda_item == "Item 5"
    assert paper.narrative == {
        "ope": {
            "opening": "The LGA runs the programme for the Cabinet Office.",
            "closing": "Plans will be signed off in the coming few weeks.",
        },
        "financial": {"opening": "The business plan includes resources."},
    }
    sections = {section.key: section for section in paper_view(paper).sections}
    ope = [text for _number, text in sections["ope"].numbered]
    assert ope[0] == "The LGA runs the programme for the Cabinet Office."
    assert ope[-1] == "Plans will be signed off in the coming few weeks."
    assert len(ope) > 2  # the portal's paragraphs between
    assert list(sections)[-1] == "financial"
    assert sections["financial"].heading == "Financial Implications"
    # The officer's narrative first, then the portal's money-out paragraph.
    financial = [text for _number, text in sections["financial"].numbered]
    assert financial[0] == "The business plan includes resources."
    assert financial[1].startswith("No budget for 2013/14 is recorded in the portal yet")
    assert "web" not in sections  # nothing written for it
    change = officer_client.get(reverse("admin:board_boardpaper_change", args=[paper.pk]))
    assert "Narrative: Financial Implications" in change.content.decode()


def test_the_narrative_names_only_the_papers_sections(strands):
    with pytest.raises(ValidationError, match="Not a section of the paper: nowhere"):
        paper_create(
            actor=SYSTEM,
            meeting_date="2013-09-18",
            contact_name="Robin Example",
            narrative={"nowhere": {"opening": "Text"}},
        )


def test_a_paper_says_how_many_returns_are_overdue_at_its_meeting_date(strands, council_a):
    """Returns due by the meeting date and not sent are overdue in the paper's
    strand section; a paper dated before any return was due says nothing."""
    from programmes.board.paper import paper_content
    from tests.savings.returns import award, first_return, line, send

    on_time = first_return(award(council_a, strand=strands["experts"]))  # due 30 January 2014
    line(on_time)
    send(on_time)
    # Sent on 20 January 2014 (a paper counts a return by when it was sent).
    SavingsReturn.objects.filter(pk=on_time.pk).update(
        submitted_at=datetime(2014, 1, 20, 12, tzinfo=UTC)
    )
    award(council_a, strand=strands["experts"])  # its first return never comes

    def experts(meeting: str) -> list[str]:
        on = date.fromisoformat(meeting)
        content = paper_content(meeting_date=on, figures_on=on)
        return next(s for s in content["sections"] if s["key"] == "experts")["paragraphs"]

    assert not [p for p in experts("2013-12-01") if "savings returns" in p]
    assert (
        "As at 15 February 2014, 2 awards report savings returns: 1 (50%) is up to date, "
        "and 1 return is overdue." in experts("2014-02-15")
    )


def test_the_meeting_month_may_be_written_as_a_word(strands, officer_client):
    add = reverse("admin:board_boardpaper_add")
    response = officer_client.post(add, _admin_form(meeting_date_1="March"))
    assert response.status_code == 302
    assert str(BoardPaper.objects.get().meeting_date) == "2013-03-18"


def test_the_financial_implications_are_the_money_figures_as_at_the_papers_date(
    strands, officer_client
):
    """The paper's Financial Implications section holds the money-out figures
    of the year its figures date falls in, as at that date, between the
    officer's narrative; publishing freezes them like every paragraph."""
    from programmes.payments.models import Funder
    from programmes.payments.services import budget_set

    budget_set(
        strand=strands["experts"],
        financial_year="2013/14",
        funder=Funder.LGA_BUSINESS_PLAN,
        amount=Decimal("30000"),
        reason="Business plan 2013/14",
        actor=SYSTEM,
    )
    paper = paper_create(
        actor=SYSTEM,
        meeting_date="2013-09-18",
        contact_name="Robin Example",
        narrative={
            "financial": {
                "opening": "The business plan includes resources.",
                "closing": "Capacity is also in the LGA's budgets.",
            }
        },
    )
    figures_on = f"{paper.figures_as_at:%-d %B %Y}"

    def financial() -> list[str]:
        view = paper_view(BoardPaper.objects.get(pk=paper.pk))
        section = next(section for section in view.sections if section.key == "financial")
        return [text for _number, text in section.numbered]

    assert financial() == [
        "The business plan includes resources.",
        f"As at {figures_on}, against 2013/14 budgets of £30,000 (from the LGA business "
        "plan), awards have committed £0, councils have claimed £0 and nothing has been "
        "paid; £30,000 is not yet committed. Paid evenly over the awards' support periods, "
        "£0 will have been paid by 31 March 2014.",
        "Capacity is also in the LGA's budgets.",
    ]
    paper_publish(paper=paper, actor=SYSTEM)
    budget_set(
        strand=strands["growth"],
        financial_year="2013/14",
        funder=Funder.LGA_BUSINESS_PLAN,
        amount=Decimal("70000"),
        reason="Business plan 2013/14",
        actor=SYSTEM,
    )
    assert "budgets of £30,000" in financial()[1]  # as published
    page = officer_client.get(reverse("board:paper", args=[paper.pk])).content.decode()
    assert "budgets of £30,000" in page and "£100,000" not in page
