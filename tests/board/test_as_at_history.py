"""Records changed in place now keep their history (issue 23, docs/board.md
"As at a date"): each council's share of an award, and an ASCE return's
figures corrected. The same selector as at two dates with a change between
them gives each date its own figures; a change today moves today's figures
and not a past date's; the admin shows the history."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from applications import services as bids
from applications.models import AwardShare, AwardSharePast
from programmes.board.selectors import strand_councils_served, strand_page
from programmes.models import Strand
from savings import rollups

pytestmark = pytest.mark.django_db

D = Decimal
JULY = date(2013, 7, 9)
NEW_YEAR = date(2014, 1, 1)
SPRING = date(2014, 4, 1)


# Each council's share of an award ------------------------------------------------


def _shared_demo_award():
    """An Experts award of the demo decided by July 2013 that serves more
    than one council."""
    for share in AwardShare.objects.filter(
        application__call__strand__key="experts",
        application__decided_at__date__lte=JULY,
    ).select_related("application"):
        if share.application.shares.count() > 1:
            return share.application
    raise AssertionError("the demo has a shared Experts award")


def _shares_served(on: date | None) -> dict[str, Decimal | None]:
    strand = Strand.objects.get(key="experts")
    return {
        item.council.short_name: item.share
        for item in strand_councils_served(strand=strand, as_at=on)
    }


def _moved(award) -> dict[int, Decimal]:
    """The award's split with a pound moved from its lead to a partner."""
    shares = {share.council_id: share.amount for share in award.shares.all()}
    partner = next(pk for pk in shares if pk != award.lead_council_id)
    return {
        **shares,
        award.lead_council_id: shares[award.lead_council_id] - 1,
        partner: shares[partner] + 1,
    }


def test_the_shares_as_at_each_date_are_the_split_in_force_then(demo, officer):
    award = _shared_demo_award()
    july, today = _shares_served(JULY), _shares_served(None)
    assert july == today
    lead = award.lead_council.short_name
    # A change that took effect on 1 January 2014, recorded today.
    bids.award_shares_set(application=award, amounts=_moved(award), actor=officer, on=NEW_YEAR)
    assert _shares_served(JULY) == july
    assert _shares_served(NEW_YEAR - timedelta(days=1)) == july
    assert _shares_served(NEW_YEAR)[lead] == july[lead] - 1
    assert _shares_served(SPRING)[lead] == july[lead] - 1
    assert _shares_served(None)[lead] == july[lead] - 1
    # A second change today: today's shares move, 1 April 2014's do not.
    bids.award_shares_set(application=award, amounts=_moved(award), actor=officer)
    assert _shares_served(None)[lead] == july[lead] - 2
    assert _shares_served(SPRING)[lead] == july[lead] - 1
    assert _shares_served(JULY) == july
    # Both earlier splits are kept, each with the day it was replaced.
    kept = AwardSharePast.objects.filter(application=award, council=award.lead_council)
    assert sorted(row.ends_on for row in kept) == [NEW_YEAR, timezone.localdate()]


def test_the_strand_page_and_its_csv_show_the_shares_as_at_the_date(demo, officer, board_client):
    award = _shared_demo_award()
    lead = award.lead_council

    def share_in_csv(on: date | None) -> str:
        query = f"?as_at={on.isoformat()}" if on else ""
        url = reverse("board:strand_csv", args=["experts", "councils"]) + query
        rows = csv.DictReader(
            io.StringIO(board_client.get(url).content.decode().removeprefix("\ufeff"))
        )
        return next(row["Share of awards"] for row in rows if row["Council"] == lead.name)

    before = share_in_csv(JULY)
    bids.award_shares_set(application=award, amounts=_moved(award), actor=officer)
    assert share_in_csv(JULY) == before
    assert D(share_in_csv(None)) == D(before) - 1
    # The appointments table: the split in force then, and no inset about shares.
    strand = Strand.objects.get(key="experts")
    july = strand_page(strand=strand, as_at=JULY)
    assert not any("share" in item for item in july.undated)
    row = next(row for row in july.tables["appointments"].rows if row[0] == award.reference)
    was = AwardSharePast.objects.get(application=award, council=lead).amount
    assert f"£{was:,.2f}" in row[4]
    assert f"£{was - 1:,.2f}" not in row[4]
    page = board_client.get(reverse("board:strand", args=["experts"]) + f"?as_at={JULY}")
    assert "each council's share of an award" not in page.content.decode()


def test_the_shares_cannot_change_before_their_split_began_nor_in_the_future(demo, officer):
    award = _shared_demo_award()
    began = AwardShare.objects.filter(application=award).first().starts_on
    assert began == timezone.localdate(award.decided_at)
    with pytest.raises(ValidationError, match="cannot change before"):
        bids.award_shares_set(
            application=award,
            amounts=_moved(award),
            actor=officer,
            on=began - timedelta(days=1),
        )
    with pytest.raises(ValidationError, match="still to come"):
        bids.award_shares_set(
            application=award,
            amounts=_moved(award),
            actor=officer,
            on=timezone.localdate() + timedelta(days=1),
        )
    assert not AwardSharePast.objects.filter(application=award).exists()


def test_the_same_shares_again_keep_no_earlier_split(demo, officer):
    award = _shared_demo_award()
    same = {share.council_id: share.amount for share in award.shares.all()}
    bids.award_shares_set(application=award, amounts=same, actor=officer)
    assert not AwardSharePast.objects.filter(application=award).exists()


def test_claims_use_the_current_split(demo, officer):
    from programmes.payments.selectors import claim_limit

    # A claim's limit is the council's share in the present split, whatever
    # day the split took effect.
    award = _shared_demo_award()
    commitment = award.commitment
    before = claim_limit(commitment, council_id=award.lead_council_id)
    bids.award_shares_set(application=award, amounts=_moved(award), actor=officer, on=NEW_YEAR)
    after = claim_limit(commitment, council_id=award.lead_council_id)
    assert after.share_left == before.share_left - 1


def test_an_earlier_day_for_new_shares_needs_a_reason_and_the_history_shows(demo, officer_client):
    award = _shared_demo_award()
    shares = list(award.shares.order_by("pk"))
    moved = _moved(award)
    data = {
        "shares-TOTAL_FORMS": str(len(shares)),
        "shares-INITIAL_FORMS": str(len(shares)),
        "shares-MIN_NUM_FORMS": "0",
        "shares-MAX_NUM_FORMS": "1000",
        "shares_from": "1 1 2014",
    }
    for n, share in enumerate(shares):
        data[f"shares-{n}-id"] = str(share.pk)
        data[f"shares-{n}-application"] = str(award.pk)
        data[f"shares-{n}-amount"] = str(moved[share.council_id])
    url = reverse("admin:applications_award_change", args=[award.pk])
    refused = officer_client.post(url, data)
    assert refused.status_code == 200
    assert "Say why the date is earlier than today" in refused.content.decode()
    assert not AwardSharePast.objects.filter(application=award).exists()
    reason = "The councils agreed the new split at the board of 1 January 2014"
    saved = officer_client.post(url, {**data, "date_reason": reason})
    assert saved.status_code == 302, saved.content
    lead = AwardShare.objects.get(application=award, council=award.lead_council)
    assert lead.starts_on == NEW_YEAR
    entry = LogEntry.objects.get_for_object(lead).order_by("-pk").first()
    assert entry.additional_data["reason"] == reason
    # The change page lists the earlier split; the History opens.
    page = officer_client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Earlier shares" in text and "1 January 2014" in text
    history = officer_client.get(reverse("admin:applications_award_history", args=[award.pk]))
    assert history.status_code == 200
    assert str(moved[award.lead_council_id]) in history.content.decode()


# An ASCE return's figures corrected -----------------------------------------------


def _stats(on: date | None) -> dict:
    from programmes.asce.selectors import asce_statistics_by_year

    return {
        (year, measure): (row.council_count, row.mean_percent, row.mode_percent)
        for year, measures in asce_statistics_by_year(as_at=on).items()
        for measure, row in measures.items()
    }


def _demo_return():
    from programmes.asce.models import AsceReturn

    return (
        AsceReturn.objects.filter(financial_year="2012/13", projections__isnull=False)
        .select_related("council")
        .first()
    )


def _correct(asce_return, officer, *, on: date | None = None):
    from programmes.asce.services import asce_return_update

    projections = {p.financial_year: p.amount * 2 for p in asce_return.projections.all()}
    return asce_return_update(
        asce_return=asce_return,
        budget=asce_return.budget,
        savings_achieved=asce_return.budget / 2,
        projections=projections,
        actor=officer,
        corrected_on=on,
    )


def test_the_asce_statistics_as_at_each_date_use_the_figures_then(demo, officer):
    july, today = _stats(JULY), _stats(None)
    assert july == today
    asce_return = _demo_return()
    _correct(asce_return, officer, on=NEW_YEAR)
    rollups.drain()
    assert _stats(JULY) == july
    assert _stats(NEW_YEAR - timedelta(days=1)) == july
    corrected = _stats(SPRING)
    assert corrected[("2012/13", "achieved")][1] > july[("2012/13", "achieved")][1]
    assert corrected[("2012/13", "achieved")][0] == july[("2012/13", "achieved")][0]
    projected = [key for key in july if key[1] == "projected"]
    assert any(corrected[key] != july[key] for key in projected)
    # Today's stored statistics (the worker's) agree with the date's.
    assert _stats(None) == corrected
    assert _stats(timezone.localdate()) == corrected


def test_a_correction_today_moves_todays_statistics_not_a_past_dates(demo, officer, board_client):
    july = _stats(JULY)
    asce_return = _demo_return()
    before_percent = asce_return.achieved_percent
    _correct(asce_return, officer)
    rollups.drain()
    assert _stats(JULY) == july
    assert _stats(None)[("2012/13", "achieved")][1] > july[("2012/13", "achieved")][1]
    # The council's page as at July 2013 lists the figures it had then.
    url = reverse("board:council", args=[asce_return.council_id])
    then = board_client.get(url + f"?as_at={JULY}").content.decode()
    now = board_client.get(url).content.decode()
    assert f"{before_percent:.1f}%" in then
    assert "50.0%" in now and "50.0%" not in then
    # And the strand page as at July 2013 says nothing of corrections.
    page = board_client.get(reverse("board:strand", args=["asce"]) + f"?as_at={JULY}")
    assert "corrected since it was reported" not in page.content.decode()


def test_a_correction_cannot_take_effect_before_the_figures_it_corrects(demo, officer):
    from programmes.asce.models import AsceCorrection

    asce_return = _demo_return()
    with pytest.raises(ValidationError, match="cannot take effect before"):
        _correct(asce_return, officer, on=asce_return.reported_on - timedelta(days=1))
    with pytest.raises(ValidationError, match="still to come"):
        _correct(asce_return, officer, on=timezone.localdate() + timedelta(days=1))
    _correct(asce_return, officer, on=NEW_YEAR)
    with pytest.raises(ValidationError, match="1 January 2014"):
        _correct(asce_return, officer, on=JULY)
    assert AsceCorrection.objects.filter(asce_return=asce_return).count() == 1


def test_a_change_of_notes_alone_is_no_correction(demo, officer):
    from programmes.asce.models import AsceCorrection
    from programmes.asce.services import asce_return_update

    asce_return = _demo_return()
    asce_return_update(
        asce_return=asce_return,
        budget=asce_return.budget,
        savings_achieved=asce_return.savings_achieved,
        projections={p.financial_year: p.amount for p in asce_return.projections.all()},
        themes=[],
        notes="Checked with the council",
        actor=officer,
    )
    assert not AsceCorrection.objects.exists()


def test_an_earlier_correction_day_needs_a_reason_and_the_history_shows(demo, officer_client):
    from programmes.asce.models import AsceCorrection

    asce_return = _demo_return()
    url = reverse("admin:asce_ascereturn_change", args=[asce_return.pk])
    assert officer_client.get(url).status_code == 200
    form = {
        "council": asce_return.council_id,
        "financial_year": asce_return.financial_year,
        "budget": str(asce_return.budget),
        "savings_achieved": str(asce_return.budget / 4),
        "projections": "",
        "notes": asce_return.notes,
        "corrected_on": "01/01/2014",
    }
    refused = officer_client.post(url, form)
    assert refused.status_code == 200
    assert "Say why the date is earlier than today" in refused.content.decode()
    assert not AsceCorrection.objects.exists()
    reason = "The council corrected its 2012/13 return in January 2014"
    saved = officer_client.post(url, {**form, "date_reason": reason})
    assert saved.status_code == 302, saved.content
    correction = AsceCorrection.objects.get()
    assert correction.corrected_on == NEW_YEAR
    assert correction.savings_achieved == asce_return.savings_achieved
    entry = LogEntry.objects.filter(
        content_type__model="ascereturn", object_pk=str(asce_return.pk)
    ).order_by("-pk")[0]
    assert entry.additional_data["reason"] == reason
    page = officer_client.get(url).content.decode()
    assert "Earlier figures" in page and "1 January 2014" in page
    history = officer_client.get(reverse("admin:asce_ascereturn_history", args=[asce_return.pk]))
    assert history.status_code == 200


def test_a_correction_day_before_the_figures_it_corrects_is_refused_on_the_page(
    demo, officer_client
):
    """The service refuses it (the form cannot know when the figures took
    effect): the officer is told why, with nothing saved, not a server error."""
    from programmes.asce.models import AsceCorrection, AsceReturn

    asce_return = _demo_return()
    url = reverse("admin:asce_ascereturn_change", args=[asce_return.pk])
    form = {
        "council": asce_return.council_id,
        "financial_year": asce_return.financial_year,
        "budget": str(asce_return.budget),
        "savings_achieved": str(asce_return.budget / 4),
        "projections": "",
        "notes": asce_return.notes,
        "corrected_on": "1 1 1900",
        "date_reason": "Typed in error",
    }
    refused = officer_client.post(url, form, follow=True)
    assert refused.status_code == 200
    assert "The correction cannot take effect before" in refused.content.decode()
    assert not AsceCorrection.objects.exists()
    stored = AsceReturn.objects.get(pk=asce_return.pk)
    assert stored.savings_achieved == asce_return.savings_achieved


def test_the_experts_appointments_csv_link_keeps_the_pages_date(demo, board_client):
    page = board_client.get("/board/strands/experts/?as_at=2013-07-09").content.decode()
    assert "/board/strands/experts/data/appointments.csv?as_at=2013-07-09" in page


def test_figures_corrected_on_the_day_they_were_reported_keep_nothing(demo, officer):
    # They applied at the end of no day: every date reads the corrected figures.
    from programmes.asce.models import AsceCorrection

    asce_return = _demo_return()
    _correct(asce_return, officer, on=asce_return.reported_on)
    rollups.drain()
    assert not AsceCorrection.objects.exists()
    assert _stats(asce_return.reported_on) == _stats(None)
