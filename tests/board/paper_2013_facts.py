"""The 2013 source paper ("Productivity Programme Update", Item 8, paras 1-32)
as a table of facts, for the published 17 July 2013 paper of the demo.

`TOLD` lists what the source only tells (the paper's narrative sections, or
stored text such as a workstream's facts): (paragraph, phrase in the paper).
`FIGURES` lists what the source counts or dates: (paragraph, what, a function
that reads the data through the portal's selectors and returns the text the
paper must carry). A figure is never written here: it is read from the data.

The source's words: paras 1-32 with their section headings, without the
paragraph numbers, the footnote and the "Item 8" page marks, counted with
`str.split()` on /work/shared/seed/productivity-programme-update-2013.txt
(the whole file, front sheet and contact details included, is 1,811 words).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from programmes.board.charts import format_pounds
from programmes.board.templatetags.board import percent

SOURCE_WORDS = 1611
MEETING = date(2013, 7, 17)

TOLD: list[tuple[str, str]] = [
    ("1", "approved the Productivity Programme to develop and operate a range of programmes"),
    ("1", "This report provides an update on selected areas of the programme"),
    ("2", "on behalf of the Cabinet Office called One Public Estate"),
    ("2", "first three waves run by the LGA as the Capital and Assets Pathfinder (CAP)"),
    ("3", "The formal public launch of the programme, attended by the Chairman of the LGA"),
    ("3", "the Parliamentary Under Secretary of State for the Cabinet Office"),
    ("3", "the Leader of Surrey County Council"),
    ("4", "Progress is already being made by the"),
    ("4", "shared their plans and heard from key central government representatives"),
    ("4", "The Cabinet Office has been able to make"),
    ("4", "concerns about this level of resources"),
    ("4", "in discussions with other Government Departments and Agencies"),
    ("5", "'signing off' the individual project plans and allocating resources"),
    ("5", "in the coming few weeks"),
    ("6", "allocates funding to councils to enable them to engage an expert"),
    ("7", "The take-up of productivity experts is increasing steadily"),
    ("8.1", "a contracts negotiating expert with commercial acumen"),
    ("8.1", "renegotiate its four largest contracts"),
    ("8.2", "an expert from another council in the West Midlands"),
    ("8.2", "systems thinking across all services"),
    ("8.3", "an expert in adult social care to review efficiency savings targets"),
    ("8.3", "learning disability services"),
    ("9", "are published on the productivity page"),
    ("10", "Adult Social Care Efficiency (ASCE) Programme was launched early in 2012"),
    ("11", "marking the half-way point in the programme"),
    ("11", "captures the lessons from the first year of the delivery phase"),
    ("12.1", "The findings of the Interim Position report"),
    ("12.4", "Improvement tools (Towards Excellence in Adult Social Care (TEASC) team)"),
    ("12.4", "North East Purchasing Organisation (NEPO)"),
    ("12.4", "North East Professional Services (NEPRO)"),
    ("13.1", "in line with the recent ADASS Survey of Local Authority efficiency savings"),
    ("14.1", "failure to support carers will cost money in the longer term"),
    ("14.2", "admissions to residential care"),
    ("14.3", "more efficient and effective use of social work time"),
    ("14.4", "office bases, day centres and in-house residential care"),
    ("14.5", "open book accounting approach"),
    ("14.5", "Market Position Statements"),
    ("15", "promote, facilitate and enhance the role of local authorities"),
    ("15", "A panel of Local Growth Advisers with a proven track record"),
    ("15.1", "recruited from Local Partnerships, third sector organisations, housing associations"),
    ("15.1", "the CBI and other business-led organisations"),
    ("15.2", "business engagement, retention and creation; infrastructure development"),
    ("16", "primarily aimed at individual authorities"),
    ("16", "Local Enterprise Partnership (LEP), and the newly announced 'LEP deals'"),
    ("19", "National Advisory Group for Local Government Procurement (NAG4LGP)"),
    ("20", "begun 'deep dives' into Energy, Construction and ICT"),
    ("22.1", "A sector-led programme board has been established with representatives from"),
    ("22.1", "the public buying organisations (PBOs)"),
    ("22.2", "shift of social housing to ALMOs"),
    ("22.2", "Building Schools for the Future"),
    ("22.3", "map frameworks currently available to authorities"),
    ("22.3", "collate best practice"),
    ("23.1", "Pan Government Energy Project"),
    ("23.2", "rationalise the current number of buying arrangements"),
    ("23.2", "report back to the National Advisory Group and the LGA by September's "),
    ("23.3", "complexity of approaches to risk management, overcharging on tariffs"),
    ("24.1", "Camden has been working with London Councils"),
    ("24.1", "different regions leading on specific activities"),
    ("24.2", "the Government Procurement Service (GPS)"),
    ("24.3", "commercial improvements and technology innovation"),
    ("24.4", "Supplier relationship development"),
    ("26", "reached a deal with member states on both the new Procurement Directive"),
    ("27", "The LGA represented local authority views"),
    ("27", "continue to work with the Cabinet Office to identify support for councils"),
    ("28", "The legal text agreed has not yet been published"),
    ("28", "rubber stamp the provisional agreement"),
    ("29", "web page is the most accessed URL"),
    ("29", "'productivity and commissioning'"),
    ("29", "Commissioning Academy and the Keep it REAL support programme"),
    ("30", "in response to a number of requests from councils"),
    ("31", "www.local.gov.uk/productivity"),
    ("32", "business plan for 2013/14 includes resources to develop the productivity programme"),
    ("32", "built into the LGA budgets and business plan"),
]

# The source's section headings, in order (para 25's "EU Procurement rules"
# is a numbered sub-heading, carried by each EU milestone's paragraph).
HEADINGS = [
    "Background",
    "'One Public Estate' Capital and Assets programme",
    "The Productivity Expert Programme",
    "ASCE Programme",
    "Local Economic Growth Advisers",
    "Procurement: National Procurement Strategy",
    "Commissioning and productivity web page",
    "Financial Implications",
]


def _strand(key: str):
    from programmes.models import Strand

    return Strand.objects.get(key=key)


def _council_row(strand: str, short_name: str):
    from savings import selectors as rollups

    rows = rollups.rollups_by_council(strand=_strand(strand))
    return next(row for row in rows if row.council.short_name == short_name)


def _pilots() -> str:
    from programmes.ope.models import Pilot

    return f"the {Pilot.objects.count()} pilot councils"


def _ope_each() -> str:
    from programmes.ope.models import Pilot
    from savings import selectors as rollups

    invested = rollups.rollup_for(strand=_strand("ope")).investment
    return f"around {format_pounds(round(invested / Pilot.objects.count()))} each"


def _ope_event(kind: str) -> Callable[[], str]:
    def read() -> str:
        from programmes.ope.models import Event

        event = Event.objects.get(kind=kind, held_on__year=2013)
        return f"{event.date_display} at {event.venue}"

    return read


def _plans_awaiting() -> str:
    from programmes.ope.models import ProjectPlan

    sent = ProjectPlan.objects.filter(submitted_at__date__lte=MEETING).count()
    return f"{sent} of the pilots' project plans await sign-off by the LGA and the Cabinet Office"


def _experts(name: str) -> Callable[[], str]:
    def read() -> str:
        from savings import selectors as rollups

        return format_pounds(getattr(rollups.rollup_for(strand=_strand("experts")), name))

    return read


def _appointments() -> str:
    from programmes.board.selectors import strand_activity

    activity = strand_activity(strand=_strand("experts"), on=MEETING)
    return f"{activity.awards} expert appointments, covering {activity.councils_served} councils"


def _allerdale() -> str:
    row = _council_row("experts", "Allerdale")
    return f"{format_pounds(row.realised)} against a target of {format_pounds(row.target)}"


def _wyre_forest() -> str:
    from savings.models import Recurrence, SavingsEntry, SavingsKind

    row = _council_row("experts", "Wyre Forest")
    year = (
        SavingsEntry.objects.filter(
            council=row.council, kind=SavingsKind.PROJECTED, recurrence=Recurrence.RECURRING
        )
        .values_list("financial_year", flat=True)
        .get()
    )
    return f"{format_pounds(row.projected)} a year of savings in {year}"


def _gloucestershire() -> str:
    row = _council_row("experts", "Gloucestershire")
    return f"additional savings of {format_pounds(row.projected)}"


def _case_studies() -> str:
    from programmes.experts.models import CaseStudy

    published = CaseStudy.objects.filter(state="published", published_at__date__lte=MEETING)
    return f"Case studies have been written for these {published.count()} examples"


def _initial_position() -> str:
    from programmes.asce.models import PositionReport

    report = PositionReport.objects.get(slug="initial-position")
    return f"'{report.title}' report was published in {report.when}"


def _asce_event() -> str:
    from programmes.asce.models import AsceEvent

    event = AsceEvent.objects.get(held_on__year=2013)
    return f"{event.title}, {event.held_on:%-d %B %Y}"


def _presenters() -> str:
    from programmes.asce.models import Presentation

    councils = [
        presentation.council.name
        for presentation in Presentation.objects.filter(
            council__isnull=False, topic__startswith="A participating council"
        ).order_by("display_order")
    ]
    return ", ".join(councils[:-1]) + f" and {councils[-1]}"


def _carers() -> str:
    from programmes.asce.models import Presentation

    carers = Presentation.objects.get(topic__icontains="carer")
    return f"{carers.topic} ({carers.council.name})"


def _asce_achieved() -> str:
    from programmes.asce.selectors import asce_statistics_by_year

    year, row = next(
        (year, row["achieved"])
        for year, row in asce_statistics_by_year().items()
        if "achieved" in row
    )
    return (
        f"Efficiency savings in {year}, reported by {row.council_count} councils, were an "
        f"average {percent(row.mean_percent)} of the adult social care budget, with the modal "
        f"(most frequently reported) saving being {row.mode_percent}%"
    )


def _asce_projected() -> str:
    from programmes.asce.selectors import asce_statistics_by_year

    projected = [
        f"{percent(row['projected'].mean_percent)} for {year}"
        for year, row in asce_statistics_by_year().items()
        if "projected" in row
    ]
    return ", ".join(projected[:-1]) + f" and {projected[-1]}"


def _growth_round() -> str:
    from applications.models import Call

    call = Call.objects.get(strand__key="growth", opens_at__year=2013)
    return (
        f"up to {call.max_days} days of support from {call.support_from:%B %Y} to "
        f"{call.support_until:%B %Y}"
    )


def _growth_assessed() -> str:
    from applications.models import Call

    call = Call.objects.get(strand__key="growth", opens_at__year=2013)
    return f"bids will be assessed by {call.assessment_due:%-d %B %Y}"


def _lead(slug: str) -> Callable[[], str]:
    def read() -> str:
        from programmes.procurement.models import Workstream

        workstream = Workstream.objects.select_related("lead_council").get(slug=slug)
        return f"{workstream.name} (led by {workstream.lead_council.name})"

    return read


def _key_facts(slug: str) -> Callable[[], str]:
    def read() -> str:
        from programmes.procurement.models import Workstream

        return Workstream.objects.get(slug=slug).key_facts

    return read


def _eu(status: str) -> Callable[[], str]:
    def read() -> str:
        from programmes.procurement.models import EuMilestone

        milestone = EuMilestone.objects.get(status=status)
        on = "in" if milestone.date_is_month_only else "on"
        said = "reached" if status == "reached" else "expected"
        return f"{milestone.title}: {said} {on} {milestone.when}"

    return read


FIGURES: list[tuple[str, str, Callable[[], str]]] = [
    ("4", "the pilots", _pilots),
    ("3", "the launch, its date and venue", _ope_event("launch")),
    ("4", "the workshop, its month and venue", _ope_event("workshop")),
    ("4", "the Cabinet Office resource per pilot", _ope_each),
    ("5", "the plans awaiting sign-off as at the paper's date", _plans_awaiting),
    ("8", "appointments and councils covered", _appointments),
    ("8", "LGA investment", _experts("investment")),
    ("8", "projected savings", _experts("projected")),
    ("8.1", "Allerdale realised against its target", _allerdale),
    ("8.2", "Wyre Forest's yearly saving", _wyre_forest),
    ("8.3", "Gloucestershire's further savings", _gloucestershire),
    ("9", "the case studies published", _case_studies),
    ("10", "the Initial Position report", _initial_position),
    ("11", "the event launching the Interim Position report", _asce_event),
    ("12.2", "the participating councils presenting", _presenters),
    ("12.3", "carer support, presented by Hertfordshire", _carers),
    ("13.1", "first-year savings: mean and mode", _asce_achieved),
    ("13.2", "the councils' projections", _asce_projected),
    ("17", "when bids are assessed", _growth_assessed),
    ("18", "days of support and the window", _growth_round),
    ("22", "Construction and its lead", _lead("construction")),
    ("22.2", "construction's context", _key_facts("construction")),
    ("23", "Energy and its lead", _lead("energy")),
    ("23.1", "230 councils in four Central Purchasing Bodies", _key_facts("energy")),
    ("24", "ICT and its lead", _lead("ict")),
    ("24.2", "three seconded staff", _key_facts("ict")),
    ("26", "the EU deal, reached", _eu("reached")),
    ("28", "the plenary, expected", _eu("due")),
]
