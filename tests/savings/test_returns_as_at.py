"""Overdue, due, received and verified savings returns are defined once, as at
a date (`programmes.returns.selectors.returns_as_at`), and every page that
counts or tags them agrees: the board's strand and council pages, the papers,
the officers' queues, list and review page, the council's banner, award and
return pages (issue 23)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from django.test import Client
from django.urls import reverse

from programmes.board.models import BoardPaper
from programmes.board.paper import paper_content
from programmes.models import Council, Strand
from programmes.returns import services as return_services
from programmes.returns.models import SavingsReturn
from programmes.returns.selectors import (
    returns_as_at,
    returns_due_for_council,
    returns_for_application,
    returns_summaries_by_strand,
    returns_summary,
)
from programmes.roles import APPLICANT
from savings.models import Investment
from tests.factories import UserFactory
from tests.savings.returns import award, first_return, line, send


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _figure(html: str, name: str) -> set[int]:
    """Every value shown under the figure's name on the page."""
    return {int(value) for value in re.findall(rf'data-figure="{name}">(\d+)<', html)}


def _period_overdue_column(html: str) -> int:
    """The sum of the returns table's Overdue column (its last cell per period)."""
    body = html.split('id="returns"')[1].split("<tbody")[1].split("</tbody>")[0]
    return sum(int(row.rsplit('numeric">', 1)[1].split("<")[0]) for row in body.split("</tr>")[:-1])


def _banner_overdue(html: str) -> int:
    banner = (
        _text(html.split('id="returns-due"')[1].split("</div>")[0]) if "returns-due" in html else ""
    )
    found = re.search(r"(\d+) savings returns? (?:is|are) overdue", banner)
    return int(found.group(1)) if found else 0


def _paper_overdue(paragraphs: list[str]) -> int:
    for paragraph in paragraphs:
        if "savings returns:" in paragraph:
            found = re.search(r"(\d+) returns? (?:is|are) overdue", paragraph)
            return int(found.group(1)) if found else 0
    return 0


def test_every_page_counts_the_same_overdue_returns_for_the_demo(demo, officer_client):
    today = returns_as_at()
    overdue = SavingsReturn.objects.filter(today.overdue)
    total = overdue.count()
    assert total > 0  # the demo has overdue returns to count
    by_council = Counter(overdue.values_list("council", flat=True))
    by_strand = Counter(overdue.values_list("application__call__strand__key", flat=True))

    # The board: each strand's page, its sentence and its table's column.
    for strand in Strand.objects.filter(key__in=by_strand):
        page = officer_client.get(reverse("board:strand", args=[strand.key])).content.decode()
        assert _figure(page, f"{strand.key}-returns-overdue") == {by_strand[strand.key]}
        assert _period_overdue_column(page) == by_strand[strand.key]
        assert returns_summary(strand=strand).overdue == by_strand[strand.key]
        # The sentence the issue found ("no return overdue" above 30) is gone.
        assert f"{by_strand[strand.key]} savings returns are overdue" in _text(page)

    # Each council: the board's page, its applicant's banner on the home page
    # and the awards list, the award pages' banner and tags, the return pages.
    tagged_in_total = 0
    for council in Council.objects.filter(pk__in=SavingsReturn.objects.values("council")):
        expected = by_council[council.pk]
        board = officer_client.get(reverse("board:council", args=[council.pk])).content.decode()
        assert _figure(board, f"council-{council.gss_code}-returns-overdue") == {expected}
        assert _period_overdue_column(board) == expected
        assert returns_due_for_council(council=council).overdue == expected

        client = Client()
        client.force_login(UserFactory(council=council, role=APPLICANT))
        for name in ("applications:bid_list", "savings:award_list"):
            assert _banner_overdue(client.get(reverse(name)).content.decode()) == expected, name
        tagged = 0
        # Each award it reports on, led or as a partner: the banner and the
        # tags of its own returns (a lead reads its partners' apart).
        reported = SavingsReturn.objects.filter(council=council).values("application")
        for investment in Investment.objects.filter(application__in=reported):
            page = client.get(
                reverse("savings:award_detail", args=[investment.pk])
            ).content.decode()
            own = page.split('id="award-returns"')[1].split("</table>")[0]
            rows = own.split("<tbody")[-1].split("</tbody>")[0]
            tags = rows.count(">Overdue<")
            assert _banner_overdue(page) == tags
            tagged += tags
        assert tagged == expected, council.short_name
        tagged_in_total += tagged
        for savings_return in SavingsReturn.objects.filter(council=council):
            page = client.get(reverse("savings:return_detail", args=[savings_return.pk]))
            shown = ">Overdue<" in page.content.decode()
            assert shown == overdue.filter(pk=savings_return.pk).exists(), savings_return.reference
    assert tagged_in_total == total

    # The officers: the admin home's queue, the list's queue filter and tags,
    # and each return's review page.
    home = _text(officer_client.get(reverse("admin:index")).content.decode())
    assert f"Savings returns overdue {total} " in home
    listing = officer_client.get(reverse("admin:returns_savingsreturn_changelist")).content.decode()
    assert f"Overdue ({total})" in listing
    assert listing.count("(overdue)") == total
    queue = officer_client.get(reverse("admin:returns_savingsreturn_changelist") + "?queue=overdue")
    assert queue.content.decode().count("(overdue)") == total
    for savings_return in SavingsReturn.objects.all():
        review = officer_client.get(
            reverse("admin:returns_savingsreturn_change", args=[savings_return.pk])
        ).content.decode()
        shown = "<strong>overdue</strong>" in review
        assert shown == overdue.filter(pk=savings_return.pk).exists(), savings_return.reference

    # The papers: each as at its figures date (docs/board.md, "As at a
    # date"), the published one from its snapshot, the draft computed now;
    # both equal the selector as at that date.
    for paper in BoardPaper.objects.all():
        page = officer_client.get(reverse("board:paper", args=[paper.pk])).content.decode()
        as_at = returns_as_at(paper.figures_as_at)
        for strand in Strand.objects.filter(key__in=by_strand):
            expected = SavingsReturn.objects.filter(
                as_at.overdue, application__call__strand=strand
            ).count()
            stated = re.findall(
                rf"As at {paper.figures_as_at:%-d %B %Y}, \d+ awards? reports? savings returns: "
                r"[^.]*?(?:and (\d+) returns? (?:is|are) overdue|no return is overdue)",
                _text(page),
            )
            assert stated, paper
            assert int(stated[0] or 0) == expected, (paper.figures_as_at, expected)


def _sent_on(savings_return: SavingsReturn, day: date) -> None:
    """Backdate a sending: the services stamp now, the test needs a past date."""
    SavingsReturn.objects.filter(pk=savings_return.pk).update(
        submitted_at=datetime.combine(day, datetime.min.time().replace(hour=12), tzinfo=UTC)
    )


def _decided_on(savings_return: SavingsReturn, day: date) -> None:
    SavingsReturn.objects.filter(pk=savings_return.pk).update(
        decided_at=datetime.combine(day, datetime.min.time().replace(hour=12), tzinfo=UTC)
    )


def test_returns_either_side_of_an_as_at_date(council_a, council_b, strands, officer):
    """Each return's first period ends 31 December 2013, due 30 January 2014."""
    experts = strands["experts"]
    # Sent on its due date, verified a fortnight later.
    on_time = first_return(award(council_a, strand=experts))
    line(on_time)
    send(on_time)
    return_services.return_verify(actor=officer, savings_return=on_time)
    _sent_on(on_time, date(2014, 1, 30))
    _decided_on(on_time, date(2014, 2, 13))
    # Sent a week late.
    late = first_return(award(council_a, strand=experts))
    line(late)
    send(late)
    _sent_on(late, date(2014, 2, 6))
    # Never sent: waived on 1 March.
    waived = first_return(award(council_b, strand=experts))
    return_services.return_waive(actor=officer, savings_return=waived, reason="Council merged")
    _decided_on(waived, date(2014, 3, 1))
    # Never sent, given until 14 February: first (today) after the dates
    # asked about, so it was owed on 30 January then; then as if given on
    # 25 January.
    extended = first_return(award(council_b, strand=experts))
    return_services.return_extend(
        actor=officer, savings_return=extended, until=date(2014, 2, 14), reason="Audit delayed"
    )
    status = returns_as_at(date(2014, 1, 31))
    assert SavingsReturn.objects.filter(status.overdue, pk=extended.pk).exists()
    SavingsReturn.objects.filter(pk=extended.pk).update(
        extended_at=datetime(2014, 1, 25, 12, tzinfo=UTC)
    )
    first = [on_time, late, waived, extended]

    def figures(day: date) -> dict[str, set[str]]:
        status = returns_as_at(day)
        ours = SavingsReturn.objects.filter(pk__in=[r.pk for r in first])
        return {
            kind: set(ours.filter(getattr(status, kind)).values_list("reference", flat=True))
            for kind in ("due", "received", "verified", "overdue")
        }

    refs = {
        name: r.reference
        for name, r in zip(["on_time", "late", "waived", "extended"], first, strict=True)
    }
    # The day before the due date: nothing due, nothing sent.
    assert figures(date(2014, 1, 29)) == {
        "due": set(),
        "received": set(),
        "verified": set(),
        "overdue": set(),
    }
    # On it: three due (the extended one not yet), one received, none overdue.
    assert figures(date(2014, 1, 30)) == {
        "due": {refs["on_time"], refs["late"], refs["waived"]},
        "received": {refs["on_time"]},
        "verified": set(),
        "overdue": set(),
    }
    # The day after: the two not sent are overdue; the extended one is not.
    assert figures(date(2014, 1, 31))["overdue"] == {refs["late"], refs["waived"]}
    # The late one arrives on 6 February: overdue on the 5th, received on the 6th.
    assert refs["late"] in figures(date(2014, 2, 5))["overdue"]
    assert figures(date(2014, 2, 6))["received"] == {refs["on_time"], refs["late"]}
    assert figures(date(2014, 2, 6))["overdue"] == {refs["waived"]}
    # Verified on 13 February: not the day before.
    assert figures(date(2014, 2, 12))["verified"] == set()
    assert figures(date(2014, 2, 13))["verified"] == {refs["on_time"]}
    # The extension: due on 14 February, overdue from the 15th.
    assert refs["extended"] in figures(date(2014, 2, 14))["due"]
    assert refs["extended"] not in figures(date(2014, 2, 14))["overdue"]
    assert figures(date(2014, 2, 15))["overdue"] == {refs["waived"], refs["extended"]}
    # Waived on 1 March: owed (and overdue) the day before, neither from then.
    assert refs["waived"] in figures(date(2014, 2, 28))["overdue"]
    assert (
        refs["waived"]
        not in figures(date(2014, 3, 1))["due"] | figures(date(2014, 3, 1))["overdue"]
    )

    # Every reader takes the same definition at the same dates; the paper's
    # summaries of every strand at once are each strand's own.
    every = [strand.pk for strand in Strand.objects.all()]
    for day in (date(2014, 1, 29), date(2014, 1, 31), date(2014, 2, 5), date(2014, 3, 1)):
        together = returns_summaries_by_strand(strand_ids=every, as_at=day)
        for strand in Strand.objects.all():
            assert together[strand.pk] == returns_summary(strand=strand, as_at=day), day
    summary = returns_summary(strand=experts, as_at=date(2014, 2, 5))
    periods = [p for p in summary.periods if p.period_start == date(2013, 10, 1)]
    assert [(p.due, p.received, p.verified, p.overdue) for p in periods] == [(3, 1, 0, 2)]
    assert returns_due_for_council(council=council_a, as_at=date(2014, 2, 5)).overdue == 1
    assert returns_due_for_council(council=council_a, as_at=date(2014, 2, 6)).overdue == 0
    assert returns_due_for_council(council=council_b, as_at=date(2014, 2, 20)).overdue == 2
    assert returns_due_for_council(council=council_b, as_at=date(2014, 3, 1)).overdue == 1
    tags = returns_for_application(application_id=late.application_id, as_at=date(2014, 2, 5))
    assert [r.is_late for r in tags][:1] == [True]
    tags = returns_for_application(application_id=late.application_id, as_at=date(2014, 2, 6))
    assert [r.is_late for r in tags][:1] == [False]

    def paper_overdue(meeting: date) -> int:
        content = paper_content(meeting_date=meeting, figures_on=meeting)
        section = next(s for s in content["sections"] if s["key"] == "experts")
        return _paper_overdue(section["paragraphs"])

    assert paper_overdue(date(2014, 2, 5)) == 2
    assert paper_overdue(date(2014, 2, 6)) == 1
    assert paper_overdue(date(2014, 3, 1)) == 1  # the extended one; the waived is settled


def test_the_banner_names_the_oldest_overdue_counts_them_all_and_gives_the_next(council_a):
    """returns_due_for_council reads the overdue and the next return in one
    query (issue 26): the same returns as the definitions read one by one,
    from none overdue to more than the banner names."""
    application = award(council_a)
    send(first_return(application))  # a received return is owed no more
    owed = SavingsReturn.objects.filter(council=council_a).order_by("due_on", "pk")
    dues = sorted({r.due_on for r in owed})  # five quarters, the first one sent
    for as_at in [dues[0], *(due + timedelta(days=1) for due in dues)]:
        status = returns_as_at(as_at)
        unsettled = owed.exclude(status.settled)
        late = list(unsettled.filter(status.overdue))
        due = returns_due_for_council(council=council_a, as_at=as_at)
        assert due.overdue == len(late)
        assert due.overdue_returns == late[:3]
        assert due.overdue_more == max(len(late) - 3, 0)
        assert due.next_return == unsettled.exclude(status.overdue).first()
    assert len(late) > 3  # the last date had more overdue than named
