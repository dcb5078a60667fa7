"""The demo's board papers: the 2013 paper as published, and a draft for the next meeting.

The published paper is for the Improvement and Innovation Board of 17 July
2013: its figures and paragraphs come from the demo's facts (loaded by the
apps before this one, drained into the rollups here) with the bids counted as
at that date, so they reproduce the 2013 source paper's. The narrative (risks,
events) restates the source paper's points in the portal's words. The contact
officer is fictional: nothing of the source paper's people is used.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from programmes.board.models import BoardPaper
from programmes.board.services import paper_create, paper_publish
from programmes.demo import DemoContext
from programmes.permissions import DEMO
from savings import rollups

MEETING_2013 = date(2013, 7, 17)
# Para 23.2: the energy work stream reports "by September's Improvement and Innovation Board".
NEXT_MEETING = date(2013, 9, 18)

CONTACT = {
    "contact_name": "Robin Example",
    "contact_position": "Productivity Programme (fictional demo contact)",
    "contact_phone": "020 7946 0000",
    "contact_email": "robin.example@example.org",
}

HIGHLIGHTS = (
    "The One Public Estate programme was formally launched in June at an event with "
    "ministers and council leaders, and the pilot councils shared their plans at a "
    "workshop in May.\n\n"
    "The take-up of productivity experts is increasing steadily; case studies have been "
    "written for the three examples in this report and are on the LGA's productivity page.\n\n"
    "Adult Social Care Efficiency: councils are making savings through a systematic approach "
    "to transformation: supporting carers, reviewing admissions to residential care and "
    "improving reablement, reducing bureaucracy and buildings, and better procurement, "
    "including open book accounting with providers.\n\n"
    "National Procurement Strategy: councils and procurement organisations have begun deep "
    "dives into energy, construction and ICT, each with a sector-led programme board of "
    "councils and the public buying organisations, to find where collaboration would save "
    "most.\n\n"
    "The LGA's productivity web page has been renamed 'productivity and commissioning' and "
    "now gathers the LGA's support for commissioning as well, in answer to councils' "
    "requests; its address has not changed."
)
RISKS = (
    "One Public Estate: the resource the Cabinet Office has been able to make available to "
    "the pilot councils is limited (around £23,000 each if shared equally). Officers are in "
    "discussion with other government departments and agencies about what more can be "
    "delivered.\n\n"
    "EU procurement rules: the text of the new directives has not been published yet, and the "
    "European Parliament must still approve the provisional agreement in plenary; the LGA "
    "will keep working with the Cabinet Office on support for councils."
)
EVENTS = (
    "The second Adult Social Care Efficiency programme event, on 19 July 2013, launches the "
    "Interim Position report, with presentations from participating councils.\n\n"
    "Local Economic Growth Advisers: bids will be assessed at the end of August; support "
    "runs from September 2013 to February 2014."
)


def load(context: DemoContext) -> None:
    if BoardPaper.objects.exists():
        return
    # The facts the other apps loaded, in the rollups the paper reads.
    rollups.drain()
    published_at = timezone.make_aware(datetime.combine(date(2013, 7, 9), time(10)))
    paper_2013 = paper_create(
        actor=DEMO,
        meeting_date=MEETING_2013,
        recommendation=(
            "To note the progress of the Productivity programme, including the new Local "
            "Economic Growth Advisers programme."
        ),
        highlights=HIGHLIGHTS,
        risks=RISKS,
        events=EVENTS,
        **CONTACT,
    )
    paper_publish(paper=paper_2013, actor=DEMO, at=published_at)
    paper_create(actor=DEMO, meeting_date=NEXT_MEETING, **CONTACT)
    context.write(
        "Board papers: the 17 July 2013 paper (published) and a draft for 18 September 2013"
    )
