"""Charts for the board pages: server-rendered SVG with a table alternative.

A chart is drawn from a `DataTable`, the same object that renders as the
"Show the data" table and downloads as CSV, so the three can never disagree.

pygal renders the SVG with `js=[]`, so no outside script is loaded; the small
inline config script pygal still writes (for its tooltips, which we do not
load) is stripped, so pages hold no script but ours.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pygal
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

from programmes.spreadsheets import spreadsheet_row
from savings.years import FINANCIAL_YEAR_RE

# Brand plum, then colours that keep 3:1 against white and each other (WCAG 1.4.11).
SERIES_COLOURS = ("#5b2163", "#00703c", "#b1560f", "#1d70b8", "#6f777b")
FONT = "Helvetica Neue, Helvetica, Arial, sans-serif"


def _style(*, label_size: int, title_size: int) -> Style:
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#0b0c0c",
        foreground_strong="#0b0c0c",
        foreground_subtle="#505a5f",
        colors=SERIES_COLOURS,
        font_family=FONT,
        label_font_family=FONT,
        major_label_font_family=FONT,
        value_font_family=FONT,
        value_label_font_family=FONT,
        title_font_family=FONT,
        legend_font_family=FONT,
        label_font_size=label_size,
        major_label_font_size=label_size,
        legend_font_size=label_size,
        title_font_size=title_size,
        opacity="1",
        opacity_hover="1",
    )


# Two drawings of each chart, because an SVG's text shrinks with its width: the
# wide one for tablets and desktops (scaled down to a 580 px column its 16 px
# labels still read at 12 px), the narrow one for phones (its 16 px labels read
# at 15 px on a 375 px screen, 13 px on a 320 px one). The stylesheet shows one.
WIDE = {"width": 760, "height": 380, "style": _style(label_size=16, title_size=18)}
NARROW = {"width": 360, "height": 440, "style": _style(label_size=16, title_size=18)}
NARROW_LABELS_ACROSS = 4

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


Cell = str | int | Decimal | None


@dataclass(frozen=True)
class DataTable:
    """A table of figures: the chart's data, its table alternative and its CSV."""

    caption: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    # Columns (by index, from 1) that hold money in pounds.
    money_columns: frozenset[int] = frozenset()
    # Columns that hold a return, £ saved per £1 invested.
    roi_columns: frozenset[int] = frozenset()

    def series(self) -> dict[str, list[Cell]]:
        """Each value column as a series, keyed by its heading."""
        return {
            heading: [row[index] for row in self.rows]
            for index, heading in enumerate(self.columns[1:], start=1)
        }

    def labels(self) -> list[str]:
        return [str(row[0]) for row in self.rows]

    def formatted_rows(self) -> list[list[str]]:
        """The rows as people read them: money to the pound, returns per £1."""
        return [
            [
                format_cell(value, money=index in self.money_columns, roi=index in self.roi_columns)
                for index, value in enumerate(row)
            ]
            for row in self.rows
        ]

    def exact_rows(self) -> list[list[Cell]]:
        """The rows for a CSV: money and returns exact, always to two places
        (0.00, never 0 beside 0.00), everything else as it is."""
        return [
            [
                exact_cell(value)
                if index in self.money_columns or index in self.roi_columns
                else value
                for index, value in enumerate(row)
            ]
            for row in self.rows
        ]


def exact_cell(value: Cell) -> Cell:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)
    return value


PENNY = Decimal("0.01")


def format_cell(value: Cell, *, money: bool = False, roi: bool = False) -> str:
    if roi:
        return format_per_pound(value if isinstance(value, Decimal | int) else None)
    if value is None:
        return "–"
    if isinstance(value, Decimal | int) and money:
        return format_pounds(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def format_pounds(value: Decimal | int | None) -> str:
    """Money as people read it everywhere: to the pound, with £ (£25,615,000;
    £0 for nothing recorded). CSVs carry the exact value (`exact_cell`)."""
    amount = Decimal(value or 0).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"£{amount:,}"


def listed(names: list[str]) -> str:
    """Names as a sentence lists them: "A, B and C" (the board paper's lists)."""
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


def format_per_pound(roi: Decimal | int | None) -> str:
    """A return as "£557 saved per £1" (whole pounds from £10 up, else pence)."""
    if roi is None:
        return "no investment recorded"
    roi = Decimal(roi)
    if roi >= 10:
        return f"£{roi.quantize(Decimal(1), rounding=ROUND_HALF_UP):,} saved per £1"
    return f"£{roi.quantize(PENNY, rounding=ROUND_HALF_UP)} saved per £1"


def bar_chart(table: DataTable, *, title: str, money: bool = True) -> SafeString:
    """A grouped bar chart of every value column against the first column;
    `money` False: the values are percentages.

    Financial years are those with figures (`years_with_figures`); the table
    alternative lists every year. The value axis starts
    at 0 and ends at a round number above the largest value, with its unit.
    Two SVGs, wide then narrow, each hidden from assistive technology: the
    figure's caption states the headline and its table gives the data.

    Drawing takes tens of milliseconds and depends on nothing but its
    arguments, so a drawing is kept in the cache under a digest of them.
    """
    key = (
        "board:chart:"
        + hashlib.sha256(repr((CHART_VERSION, title, money, table)).encode()).hexdigest()
    )
    drawn = cache.get(key)
    if drawn is None:
        drawn = _bar_chart(table, title=title, money=money)
        cache.set(key, drawn, CHART_CACHE_SECONDS)
    return mark_safe(drawn)  # noqa: S308 - pygal escapes labels; scripts stripped


# Change when the drawing changes, so that no older drawing is served.
CHART_VERSION = 4  # 4: the bottom legend's last row is no longer cut off
CHART_CACHE_SECONDS = 24 * 3600


def _bar_chart(table: DataTable, *, title: str, money: bool) -> str:
    table = years_with_figures(table)
    axis = value_axis(table)
    unit = {"y_title": "£" if money else "% of budget", "range": (axis[0], axis[-1])}
    wide = _render(
        table,
        title=title,
        formatter=_pounds_formatter if money else _percent_formatter,
        variant="wide",
        x_label_rotation=0 if len(table.rows) <= WIDE_LABELS_ACROSS else 45,
        # The series' names whole, side by side: "Realised savings (verified)"
        # was cut to "Realised savings (verifie…".
        legend_at_bottom_columns=2,
        truncate_legend=-1,
        truncate_label=-1,
        y_labels=axis,
        **unit,
        **WIDE,
    )
    narrow = _render(
        table,
        title=title,
        formatter=_short_pounds_formatter if money else _percent_formatter,
        variant="narrow",
        legend_at_bottom_columns=1,
        truncate_label=-1,
        truncate_legend=-1,
        # Four years' labels fit side by side on a phone; more would overlap.
        x_label_rotation=0 if len(table.rows) <= NARROW_LABELS_ACROSS else 90,
        y_labels=axis,
        **unit,
        **NARROW,
    )
    return wide + narrow


WIDE_LABELS_ACROSS = 8


def years_with_figures(table: DataTable) -> DataTable:
    """The table without the financial years that have no figure (none, or
    all nothing): a chart of two years with figures draws two groups of bars,
    not fifteen slots with thirteen empty (issue 27). A table whose first
    column is not financial years is returned as it is."""
    labels = table.labels()
    if not labels or not all(FINANCIAL_YEAR_RE.match(label) for label in labels):
        return table
    rows = [row for row in table.rows if any(value for value in row[1:])]
    return dataclasses.replace(table, rows=rows)


def value_axis(table: DataTable, *, ticks: int = 5) -> list[float]:
    """0, then round steps (1, 2, 2.5 or 5 times a power of ten) to the first
    value at or above the largest in the table: an axis that covers the data."""
    values = [
        float(value)
        for values in table.series().values()
        for value in values
        if isinstance(value, Decimal | int)
    ]
    top = max([0.0, *values])
    if top <= 0:
        return [0.0, 1.0]
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    count = math.ceil(top / step - 1e-9)
    return [round(step * n, 10) for n in range(count + 1)]


def _percent_formatter(value: float) -> str:
    return f"{Decimal(str(value)).normalize():f}%"


PYGAL_MARGIN = 20  # pygal's default margin around the drawing


def legend_margin_bottom(series: int, columns: int, font_size: int) -> int:
    """The bottom margin that keeps every row of the bottom legend inside the
    drawing. pygal counts the rows as series // columns, rounding down, so
    with three series in two columns the third ("Paid", on the money page)
    fell below the drawing's edge and was cut off; each row it misses is
    1.5 × the legend's text height (pygal's own spacing of rows)."""
    missing = math.ceil(series / columns) - series // columns
    return PYGAL_MARGIN + math.ceil(missing * 1.5 * font_size)


def _render(
    table: DataTable, *, title: str, formatter: Callable[[float], str], variant: str, **config
) -> str:
    config.setdefault(
        "margin_bottom",
        legend_margin_bottom(
            len(table.series()),
            config.get("legend_at_bottom_columns") or 1,
            config["style"].legend_font_size,
        ),
    )
    chart = pygal.Bar(
        js=[],
        disable_xml_declaration=True,
        legend_at_bottom=True,
        print_values=False,
        show_y_guides=True,
        value_formatter=formatter,
        **config,
    )
    chart.title = title
    chart.x_labels = table.labels()
    for heading, values in table.series().items():
        chart.add(heading, [None if v is None else float(v) for v in values])
    svg = chart.render(is_unicode=True)
    svg = _COMMENT.sub("", _SCRIPT.sub("", svg))
    return svg.replace(
        "<svg ",
        '<svg aria-hidden="true" focusable="false" ',
        1,
    ).replace('class="pygal-chart"', f'class="pygal-chart pp-chart__{variant}"', 1)


def _pounds_formatter(value: float) -> str:
    return format_pounds(Decimal(str(value)))


def _short_pounds_formatter(value: float) -> str:
    """£2.5m, £750k: axis labels short enough for a phone; the table is exact."""
    amount = Decimal(str(value))
    for size, suffix in ((Decimal(1_000_000), "m"), (Decimal(1_000), "k")):
        if abs(amount) >= size:
            return f"£{(amount / size).quantize(Decimal('0.01')).normalize():f}{suffix}"
    return format_pounds(amount)


def csv_response(table: DataTable, filename: str) -> HttpResponse:
    """The table as CSV: UTF-8 with a byte-order mark, so Excel keeps the £ sign."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(spreadsheet_row(table.columns))
    for row in table.exact_rows():
        writer.writerow(spreadsheet_row(row))
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
