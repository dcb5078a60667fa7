"""The demo's board papers: the 2013 paper as published, and a draft for the next meeting.

The published paper is for the Improvement and Innovation Board of 17 July
2013: its figures and paragraphs come from the demo's facts (loaded by the
apps before this one, drained into the rollups here) with the bids counted as
at that date, so they reproduce the 2013 source paper's. Its narrative
(`NARRATIVE_2013`) is what the source paper tells, section by section, with
no figure in it. The contact officer is fictional, and the people the source
paper names appear by role only.
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

# The July 2013 paper's narrative: what the source paper tells (paras 1-32)
# in its words, by section; every figure, date of record and council named
# from the data is the portal's (the strands' paper paragraphs), never typed
# here. People appear by role only. Paragraphs are separated by a blank line.
NARRATIVE_2013 = {
    "background": {
        "opening": (
            "The Board has previously approved the Productivity Programme to develop and "
            "operate a range of programmes to help councils improve their productivity and "
            "efficiency. This report provides an update on selected areas of the programme."
        ),
    },
    "ope": {
        "opening": (
            "The Board will recall that the LGA is running a 'capital & assets' programme on "
            "behalf of the Cabinet Office called One Public Estate, following the successful "
            "first three waves run by the LGA as the Capital and Assets Pathfinder (CAP) "
            "programme."
        ),
        "closing": (
            "There are some concerns about this level of resources, and officers are in "
            "discussions with other Government Departments and Agencies about what more can "
            "be delivered.\n\n"
            "The LGA and the Cabinet Office will be 'signing off' the individual project plans "
            "and allocating resources to ensure their delivery in the coming few weeks."
        ),
    },
    "experts": {
        "opening": (
            "The Productivity Expert programme allocates funding to councils to enable them to "
            "engage an expert in their required field to provide the necessary skills and "
            "expertise to help deliver efficiency savings.\n\n"
            "The take-up of productivity experts is increasing steadily and is an area where "
            "investment from the LGA is leading to potential efficiency savings for local "
            "government."
        ),
    },
    "asce": {
        "opening": (
            "The Board will recall that the LGA Adult Social Care Efficiency (ASCE) Programme "
            "was launched early in 2012."
        ),
        "closing": (
            "The first year's savings are in line with the recent ADASS Survey of Local "
            "Authority efficiency savings.\n\n"
            "Efficiency savings are being made through taking a systematic approach to "
            "transformation. Supporting carers and recognising signs when they are under "
            "stress is key: failure to support carers will cost money in the longer term.\n\n"
            "Councils are reviewing and managing admissions to residential care, by ensuring "
            "that assessments are carried out at an appropriate time, and improving "
            "reablement.\n\n"
            "They are reducing bureaucracy and on-costs, including making more efficient and "
            "effective use of social work time, and reducing the number of buildings from "
            "which they deliver services, including office bases, day centres and in-house "
            "residential care.\n\n"
            "They are improving procurement. For example, the open book accounting approach "
            "which is being developed in Yorkshire and Humberside links to the Department of "
            "Health policy on Market Position Statements and working with the market rather "
            "than against it, through holding prices."
        ),
    },
    "growth": {
        "opening": (
            "The 'Economic Growth Adviser' (EGA) programme is designed to promote, facilitate "
            "and enhance the role of local authorities in delivering economic growth, and will "
            "offer direct bespoke advice and support to local authorities to deliver economic "
            "growth in their local area. A panel of Local Growth Advisers with a proven track "
            "record will work with a number of councils, helping to deliver a specific "
            "project, bring local partners together, or assist with the development of a "
            "strategic approach.\n\n"
            "Economic Growth Advisers will be recruited from Local Partnerships, third sector "
            "organisations, housing associations, local authority councillor and officer "
            "peers, and representatives from the CBI and other business-led organisations. "
            "Support could include assistance in: strategy; business engagement, retention "
            "and creation; infrastructure development; inward investment; regeneration and "
            "housing.\n\n"
            "This programme is primarily aimed at individual authorities. However, it will "
            "also take into consideration existing or planned activities within their "
            "sub-region, particularly through the Local Enterprise Partnership (LEP), and the "
            "newly announced 'LEP deals'."
        ),
    },
    "procurement": {
        "opening": (
            "Members will recall that we have agreed to take forward a number of "
            "recommendations made by officers on the sector-led National Advisory Group for "
            "Local Government Procurement (NAG4LGP), to help councils collaborate more in the "
            "purchase of goods and services in some of the big spend categories.\n\n"
            "Councils and procurement organisations have begun 'deep dives' into Energy, "
            "Construction and ICT to better understand the potential for collaboration."
        ),
        "closing": (
            "The LGA represented local authority views in the EU discussions, and will "
            "continue to work with the Cabinet Office to identify support for councils and "
            "next steps. The legal text agreed has not yet been published."
        ),
    },
    "web": {
        "opening": (
            "The LGA Productivity web page is the most accessed URL; it has been renamed "
            "'productivity and commissioning' and now collates the various different "
            "initiatives that the LGA provides around commissioning, such as the "
            "Commissioning Academy and the Keep it REAL support programme.\n\n"
            "This is in response to a number of requests from councils on the LGA "
            "commissioning offer, and will make it easier for councils to access information "
            "on support in this area.\n\n"
            "The page location has not changed: www.local.gov.uk/productivity"
        ),
    },
    "financial": {
        "opening": (
            "The LGA's business plan for 2013/14 includes resources to develop the "
            "productivity programme to support councils to improve productivity. Capacity to "
            "support the programme has also been built into the LGA budgets and business plan."
        ),
    },
}


def load(context: DemoContext) -> None:
    if BoardPaper.objects.exists():
        return
    # Published once every app's 2013 data is complete (money out's claims
    # included: the paper's financial implications read them).
    context.complete_2013(lambda: _papers(context))


def _papers(context: DemoContext) -> None:
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
        # The source paper is Item 8 on the Board's agenda.
        agenda_item="Item 8",
        narrative=NARRATIVE_2013,
        **CONTACT,
    )
    paper_publish(paper=paper_2013, actor=DEMO, at=published_at)
    paper_create(actor=DEMO, meeting_date=NEXT_MEETING, **CONTACT)
    context.write(
        "Board papers: the 17 July 2013 paper (published) and a draft for 18 September 2013"
    )
