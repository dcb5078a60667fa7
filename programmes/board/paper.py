"""Board papers: the data-driven content of a "Productivity Programme Update".

A paper keeps the shape of the 2013 source paper (Item 8): purpose, summary,
recommendation and action, then numbered paragraphs under a heading per
strand. `paper_content` writes the parts the portal knows, from the same
selectors as the board pages (programmes.board.selectors.StrandFigures): the
headline figures, what changed since the last published paper, named examples
chosen from the data (the councils furthest above and below their savings
target), the savings returns up to date and overdue at the meeting date,
and each strand's own paragraphs (`PaperSection`, with its upcoming
deadlines). The content is plain data (JSON), so a published paper stores it
as its snapshot and is shown from it, never recomputed. The officer's
narrative is the paper's own text (programmes.board.models.BoardPaper): per
section of the source paper (`narrative_sections`), text before and after
the portal's paragraphs, telling what the data cannot count; `paper_view`
puts the two together (docs/board.md, "Sections, narrative and figures").
The PDF is the same HTML printed by headless Chromium (docs/board.md says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from programmes.board import selectors
from programmes.board.charts import format_per_pound, format_pounds, listed
from programmes.board.models import BoardPaper
from programmes.models import Strand
from programmes.payments.models import Budget, Funder
from programmes.payments.selectors import money_year
from programmes.returns.selectors import ReturnsSummary, returns_summaries_by_strand
from programmes.strands import strands
from savings import selectors as rollups
from savings.models import Rollup
from savings.years import financial_year_end, financial_year_of

# The figures a snapshot keeps per scope, by name: money and returns as exact
# decimal strings, counts as numbers.
MONEY = ("invested", "target", "projected", "realised", "unverified")
RETURNS = ("projected_roi", "realised_roi")
LABELS = {
    "invested": "invested",
    "target": "savings targets",
    "projected": "projected savings",
    "realised": "realised savings (verified)",
    "unverified": "savings reported and awaiting verification",
    "councils": "councils taking part",
    "awards": "awards",
}


def _figures(
    rollup: Rollup,
    *,
    councils: int | None = None,
    awards: int | None = None,
    awards_label: str = "",
) -> dict:
    values: dict[str, Any] = {
        "invested": rollup.investment,
        "target": rollup.target,
        "projected": rollup.projected,
        "realised": rollup.realised,
        "unverified": rollup.realised_unverified,
        "projected_roi": rollup.projected_roi,
        "realised_roi": rollup.realised_roi,
    }
    stored: dict[str, Any] = {
        name: None if value is None else str(Decimal(value).quantize(Decimal("0.01")))
        for name, value in values.items()
    }
    stored["councils"] = rollup.council_count if councils is None else councils
    if awards is not None:
        stored["awards"] = awards
        stored["awards_label"] = awards_label.lower()
    return stored


def _money(figures: dict, name: str) -> str:
    return format_pounds(Decimal(figures.get(name) or 0))


def _roi(figures: dict, name: str) -> str:
    value = figures.get(name)
    return format_per_pound(None if value is None else Decimal(value))


def _change(name: str, before: Any, after: Any, *, label: str = "") -> str | None:
    """ "projected savings up £1,000 to £25,616,000", or None if unchanged."""
    old, new = Decimal(before or 0), Decimal(after or 0)
    if old == new:
        return None
    direction = "up" if new > old else "down"
    label = label or LABELS[name]
    if name in MONEY:
        return f"{label} {direction} {format_pounds(abs(new - old))} to {format_pounds(new)}"
    return f"{label} {direction} {abs(new - old)} to {new}"


def changes_since(previous: dict, current: dict) -> list[str]:
    """A sentence per scope whose figures moved between two snapshots' figures."""
    sentences = []
    scopes = [
        ("programme", "Across the programme", previous.get("programme"), current["programme"])
    ]
    for key, now in current["strands"].items():
        scopes.append((key, now["name"], previous.get("strands", {}).get(key), now))
    for _key, name, before, after in scopes:
        if before is None:
            sentences.append(f"{name}: new since the last paper.")
            continue
        moved = [
            text
            for field in (*MONEY, "councils", "awards")
            if field in after
            and (
                text := _change(
                    field,
                    before.get(field),
                    after[field],
                    label=after.get("awards_label", "") if field == "awards" else "",
                )
            )
        ]
        if moved:
            sentences.append(f"{name}: {listed(moved)}.")
    return sentences


def named_examples(strand: Strand, *, as_at: date | None = None) -> list[str]:
    """Councils named from the data (1 query), as at the paper's figures
    date: the furthest above and below their savings target ("Allerdale
    Borough Council has realised £2,300,000 against a target of
    £1,000,000"), then the largest projected and realised savings not
    already named."""
    rows = rollups.Figures(as_at=as_at, strand=strand).by_council()
    examples: list[str] = []
    named: set[int | None] = set()
    with_target = sorted(
        (row for row in rows if row.target), key=lambda row: row.realised - row.target
    )
    if with_target and with_target[-1].realised >= with_target[-1].target:
        best = with_target[-1]
        named.add(best.council_id)
        examples.append(
            f"{best.council} has realised {format_pounds(best.realised)} against a target of "
            f"{format_pounds(best.target)}, the furthest above target in the strand."
        )
    if with_target and with_target[0].realised < with_target[0].target:
        worst = with_target[0]
        named.add(worst.council_id)
        examples.append(
            f"{worst.council} has realised {format_pounds(worst.realised)} against a target "
            f"of {format_pounds(worst.target)}, the furthest below target in the strand."
        )
    others = [row for row in rows if row.council_id not in named]
    projected = max(others, key=lambda row: row.projected, default=None)
    if projected is not None and projected.projected:
        named.add(projected.council_id)
        examples.append(
            f"{projected.council} has identified projected savings of "
            f"{format_pounds(projected.projected)}, the most in the strand."
        )
    realised = max(
        (row for row in others if row.council_id not in named),
        key=lambda row: row.realised,
        default=None,
    )
    if realised is not None and realised.realised:
        examples.append(
            f"{realised.council} has realised savings of {format_pounds(realised.realised)}."
        )
    return examples


def open_rounds(*, on: date) -> dict[int, list[str]]:
    """Per strand, a sentence for each round open for bids on the paper's date
    (para 17-18): its closing date, when bids are assessed, the most it gives
    and when its support runs (1 query)."""
    sentences: dict[int, list[str]] = {}
    for call in selectors.calls_open_on(day=on):
        text = (
            f"“{call.title}” is open for applications from councils until "
            f"{timezone.localdate(call.closes_at):%-d %B %Y}"
        )
        if call.assessment_due:
            text += f", and bids will be assessed by {call.assessment_due:%-d %B %Y}"
        text += "."
        support = ""
        if call.max_days:
            support = f"up to {call.max_days} days of support"
        elif call.max_amount:
            support = f"up to {format_pounds(call.max_amount)}"
        window = ""
        if call.support_from and call.support_until:
            window = f"from {call.support_from:%B %Y} to {call.support_until:%B %Y}"
        if support or window:
            offer = " ".join(part for part in (support or "support", window) if part)
            text += f" Successful bids receive {offer}."
        sentences.setdefault(call.strand_id, []).append(text)
    return sentences


def returns_paragraphs(summary: ReturnsSummary) -> list[str]:
    """A strand's savings returns as at the paper's date: how many awards
    are up to date and how many returns are overdue, from its returns
    summary as at that date (the board's returns table: the paper reads
    every strand's at once, programmes.returns.selectors.
    returns_summaries_by_strand, 1 query). Nothing when no award of the
    strand had a return due by then."""
    if not summary.due:
        return []
    overdue = summary.overdue
    awards = "award reports" if summary.awards == 1 else "awards report"
    text = (
        f"As at {summary.as_at:%-d %B %Y}, {summary.awards} {awards} savings returns: "
        f"{summary.awards_up_to_date} ({summary.share_up_to_date}%) "
        f"{'is' if summary.awards_up_to_date == 1 else 'are'} up to date"
    )
    if overdue:
        text += f", and {overdue} {'return is' if overdue == 1 else 'returns are'} overdue"
    else:
        text += ", and no return is overdue"
    return [text + "."]


def figures_date(paper: BoardPaper) -> date:
    """The date a paper's figures are as at: its figures date (the officer's,
    or its deadline before the meeting: BoardPaper.figures_as_at), or today
    if that is still to come."""
    return min(paper.figures_as_at, timezone.localdate())


def paper_content(
    *,
    meeting_date: date,
    previous: BoardPaper | None = None,
    as_at: datetime | None = None,
    figures_on: date | None = None,
) -> dict:
    """Everything in a paper that comes from the data, as JSON-ready values,
    as at `figures_on` (the paper's figures date, `figures_date`: every
    figure, paragraph, round and return counted as at the end of that day;
    default today). `as_at` is when they were computed (default: now)."""
    figures_on = figures_on or timezone.localdate()
    computed = as_at or timezone.now()
    # One source for the programme's total and its strands' (their rows
    # read once: as at a date, the programme's rows are the biggest read).
    source = rollups.Figures(as_at=figures_on)
    programme = source.total()
    installed = strands()
    strand_figures = [
        item
        for item in selectors.programme_strand_figures(as_at=figures_on, source=source)
        if item.strand.key in installed
    ]
    figures = {
        "programme": _figures(programme),
        "strands": {
            item.strand.key: {
                "name": item.strand.name,
                **_figures(
                    item.rollup,
                    councils=item.councils,
                    awards=item.activity.awards if item.activity else None,
                    awards_label=item.activity.label if item.activity else "",
                ),
            }
            for item in strand_figures
        },
    }
    whole = figures["programme"]
    sections: list[dict] = [
        {
            "key": "background",
            "heading": "Background",
            "paragraphs": [
                f"Across the programme the LGA and its partners have invested "
                f"{_money(whole, 'invested')}; projected savings come to "
                f"{_money(whole, 'projected')} ({_roi(whole, 'projected_roi')} invested) and "
                f"verified realised savings to {_money(whole, 'realised')} "
                f"({_roi(whole, 'realised_roi')} invested).",
            ],
        }
    ]
    if previous is not None and previous.snapshot:
        since = changes_since(previous.snapshot["figures"], figures)
        sections.append(
            {
                "key": "since",
                "heading": f"Since the last paper ({previous.meeting_date:%-d %B %Y})",
                "paragraphs": since or ["No figure has changed since the last paper."],
            }
        )
    rounds = open_rounds(on=figures_on)
    returns = returns_summaries_by_strand(
        strand_ids=[item.strand.pk for item in strand_figures], as_at=figures_on
    )
    for item in strand_figures:
        section = installed[item.strand.key].paper
        sections.append(
            {
                "key": item.strand.key,
                "heading": section.heading,
                "paragraphs": [
                    *section.paragraphs(item.strand, figures_on),
                    *rounds.get(item.strand.pk, []),
                    *returns_paragraphs(returns[item.strand.pk]),
                    *(
                        named_examples(item.strand, as_at=figures_on)
                        if section.named_examples
                        else []
                    ),
                ],
            }
        )
    sections.append(
        {
            "key": "financial",
            "heading": "Financial Implications",
            "paragraphs": [financial_implications(on=figures_on)],
        }
    )
    return {
        "as_at": computed.isoformat(),
        "figures_date": figures_on.isoformat(),
        "meeting_date": meeting_date.isoformat(),
        "summary": (
            "This report updates the Board on the progress being made in the Productivity "
            f"Programme, and reports on {listed([spec.name for spec in installed.values()])}."
        ),
        "previous": (
            {"pk": previous.pk, "meeting_date": previous.meeting_date.isoformat()}
            if previous is not None
            else None
        ),
        "figures": figures,
        "sections": sections,
    }


@dataclass(frozen=True)
class NarrativeSection:
    """A section of the paper as the source paper has it: its heading, and
    whether the portal writes paragraphs in it too (`figures`) or only the
    officer's narrative goes there."""

    key: str
    heading: str
    figures: bool = True


BACKGROUND = NarrativeSection("background", "Background")
# After the strands, as in the source paper (paras 29-32): told, not counted.
CLOSING_SECTIONS = (
    NarrativeSection("web", "Commissioning and productivity web page", figures=False),
    # The portal's money-out paragraph (`financial_implications`), as at the
    # paper's figures date, with the officer's narrative around it.
    NarrativeSection("financial", "Financial Implications"),
)
OPENING, CLOSING = "opening", "closing"


def narrative_sections() -> list[NarrativeSection]:
    """Every section an officer can write narrative for, in the paper's order:
    Background, each strand (its heading), then the web page and the
    financial implications."""
    return [
        BACKGROUND,
        *(NarrativeSection(key, spec.paper.heading) for key, spec in strands().items()),
        *CLOSING_SECTIONS,
    ]


def narrative_clean(narrative: Any) -> dict[str, dict[str, str]]:
    """The narrative as stored: known sections only, each part text with
    Windows line ends made plain; empty parts and sections left out."""
    known = {section.key for section in narrative_sections()}
    if not isinstance(narrative, dict):
        raise ValueError("The narrative is a mapping of section to text")
    cleaned: dict[str, dict[str, str]] = {}
    for key, parts in narrative.items():
        if key not in known:
            raise ValueError(f"Not a section of the paper: {key}")
        if not isinstance(parts, dict) or set(parts) - {OPENING, CLOSING}:
            raise ValueError(f"A section's narrative has an opening and a closing: {key}")
        kept = {
            part: str(text).replace("\r\n", "\n").strip()
            for part, text in parts.items()
            if str(text or "").strip()
        }
        if kept:
            cleaned[key] = kept
    return cleaned


@dataclass
class NumberedSection:
    key: str
    heading: str
    numbered: list[tuple[int, str]]


def _narrative(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


@dataclass
class PaperView:
    """A paper as read: its text, its content (the snapshot once published,
    else computed now) and its paragraphs numbered straight through."""

    paper: BoardPaper
    content: dict
    sections: list[NumberedSection]

    @property
    def as_at(self) -> datetime:
        return datetime.fromisoformat(self.content["as_at"])

    @property
    def figures_date(self) -> date:
        """The date the figures are as at (a snapshot published before papers
        had one: the day it was computed)."""
        if "figures_date" in self.content:
            return date.fromisoformat(self.content["figures_date"])
        return timezone.localdate(self.as_at)

    @property
    def summary(self) -> str:
        return self.paper.summary or self.content["summary"]

    def text(self) -> str:
        """The paper's headings and paragraphs as plain text, in order."""
        return "\n".join(
            line
            for section in self.sections
            for line in (section.heading, *(text for _number, text in section.numbered))
        )


def paper_view(paper: BoardPaper) -> PaperView:
    """The paper as published (its snapshot, one row read), or a draft with
    its figures as at its figures date, against the last published paper
    before its meeting (whose figures are as at its own). Each section is the
    officer's narrative opening it, the portal's paragraphs, then the
    narrative closing it; the closing sections (the web page, narrative
    only, then the financial implications, the portal's money-out paragraph
    inside the narrative) follow the strands, in the source paper's order."""
    if paper.is_published and paper.snapshot:
        content = paper.snapshot
    else:
        content = paper_content(
            meeting_date=paper.meeting_date,
            previous=selectors.paper_previous(paper=paper),
            figures_on=figures_date(paper),
        )
    told = paper.narrative if isinstance(paper.narrative, dict) else {}

    def narrative_of(key: str, part: str) -> list[str]:
        parts = told.get(key)
        return _narrative(str(parts.get(part, ""))) if isinstance(parts, dict) else []

    parts: list[tuple[str, str, list[str]]] = []
    officer = [
        ("highlights", "Highlights", paper.highlights),
        ("risks", "Risks and issues", paper.risks),
        ("events", "Events", paper.events),
    ]
    by_key = {section["key"]: section for section in content["sections"]}
    closing = {extra.key for extra in CLOSING_SECTIONS}
    for section in content["sections"]:
        key = section["key"]
        if key in closing:
            continue
        paragraphs = [
            *narrative_of(key, OPENING),
            *section["paragraphs"],
            *narrative_of(key, CLOSING),
        ]
        parts.append((key, section["heading"], paragraphs))
        if key == ("since" if "since" in by_key else "background"):
            name, heading, text = officer[0]
            if _narrative(text):
                parts.append((name, heading, _narrative(text)))
    for name, heading, text in officer[1:]:
        if _narrative(text):
            parts.append((name, heading, _narrative(text)))
    for extra in narrative_sections():
        if extra.key in by_key and extra.key not in closing:
            continue
        paragraphs = [
            *narrative_of(extra.key, OPENING),
            *by_key.get(extra.key, {}).get("paragraphs", []),
            *narrative_of(extra.key, CLOSING),
        ]
        if paragraphs:
            parts.append((extra.key, extra.heading, paragraphs))
    number = 0
    sections = []
    for key, heading, paragraphs in parts:
        numbered = []
        for text in paragraphs:
            number += 1
            numbered.append((number, text))
        sections.append(NumberedSection(key, heading, numbered))
    return PaperView(paper=paper, content=content, sections=sections)


def _funders(year: str) -> str:
    """Who funds the year's budgets, from the budgets themselves: the funder
    of the most strands first, then each other with the strands it funds
    where they differ ("the LGA business plan and, for One Public Estate,
    the Cabinet Office"). One query."""
    strands_of: dict[str, list[str]] = {}
    for budget in (
        Budget.objects.filter(financial_year=year, amount__gt=0)
        .select_related("strand")
        .order_by("strand__display_order", "strand__name")
    ):
        names = strands_of.setdefault(budget.funder, [])
        if budget.strand.name not in names:
            names.append(budget.strand.name)
    order = [funder for funder in Funder.values if funder in strands_of]
    order.sort(key=lambda funder: -len(strands_of[funder]))  # stable: Funder's order on ties
    if not order:
        return "no funder yet"
    first, others = order[0], order[1:]
    words = [f"the {Funder(first).label}"]
    for funder in others:
        label = f"the {Funder(funder).label}"
        if set(strands_of[funder]) == set(strands_of[first]):
            words.append(label)
        else:
            words.append(f"for {listed(strands_of[funder])}, {label}")
    if len(words) == 1:
        return words[0]
    if len(words) == 2 and words[1].startswith("for "):
        return f"{words[0]} and, {words[1]}"
    return f"{', '.join(words[:-1])} and {words[-1]}"


def financial_implications(*, on: date) -> str:
    """The paper's "Financial Implications" paragraph (paper_content puts it
    in that section, between the officer's narrative), drafted from the
    money-out figures of the financial year `on` falls in, as at `on`
    (programmes.payments.selectors.money_year; docs/money.md). Short: the
    narrative tells the rest."""
    year = financial_year_of(on)
    money = money_year(financial_year=year, on=on).programme
    paid = format_pounds(money.paid) if money.paid else "nothing"
    if money.budget is None:
        return (
            f"No budget for {year} is recorded in the portal yet; as at {on:%-d %B %Y}, "
            f"awards have committed {format_pounds(money.committed)} and {paid} has been paid."
        )
    funders = _funders(year)
    remaining = money.remaining or Decimal(0)
    over = (
        f"awards are committed {format_pounds(-remaining)} beyond the budgets"
        if remaining < 0
        else f"{format_pounds(remaining)} is not yet committed"
    )
    return (
        f"As at {on:%-d %B %Y}, against {year} budgets of {format_pounds(money.budget)} "
        f"(from {funders}), awards have committed {format_pounds(money.committed)}, "
        f"councils have claimed {format_pounds(money.claimed)} and {paid} has been paid; "
        f"{over}. Paid evenly over the awards' support periods, "
        f"{format_pounds(money.forecast)} will have been paid by "
        f"{financial_year_end(year):%-d %B %Y}."
    )
