"""The overview's savings chart as a board member sees it, in headless
Chromium: only the years with figures, the legend's names whole, the year
labels flat and readable (issue 27)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from programmes.board import selectors
from programmes.models import Council, Strand
from programmes.roles import BOARD_MEMBER, OFFICER
from savings.models import InvestmentSource
from savings.services import investment_record
from tests.browser import sign_in
from tests.conftest import PASSWORD
from tests.factories import UserFactory

PHONE = {"width": 375, "height": 812}
# The visible drawing's x labels, legend names and smallest text size (px on screen).
DRAWN = """() => {
  const svg = [...document.querySelectorAll('.pp-chart__drawing svg')]
    .find((s) => s.getBoundingClientRect().width > 0);
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const texts = (selector) => [...svg.querySelectorAll(selector)].map((t) => t.textContent.trim());
  return {
    years: texts('.axis.x .guides text'),
    legend: texts('.legends .legend text'),
    turned: [...svg.querySelectorAll('.axis.x text')]
      .some((t) => /rotate/.test(t.getAttribute('transform') || '')),
    smallest: Math.min(...[...svg.querySelectorAll('text')]
      .filter((t) => t.textContent.trim() && t.getBoundingClientRect().width > 0)
      .map((t) => parseFloat(getComputedStyle(t).fontSize) * scale)),
  };
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 812}]
)
def test_the_savings_chart_draws_the_years_with_figures_and_its_whole_legend(
    live_server, page, demo_committed, viewport
):
    # This year's Growth award in Leeds: invested, no savings yet. Its year
    # stretched the axis from 2012/13 to 2026/27 with bars in two years.
    investment_record(
        strand=Strand.objects.get(key="growth"),
        council=Council.objects.get(short_name="Leeds"),
        source=InvestmentSource.ADVISER_DAYS,
        financial_year="2026/27",
        amount=Decimal("7000"),
        actor=UserFactory(username="chart-officer", role=OFFICER),
    )
    table = selectors.savings_by_year_chart_table(
        selectors.programme_overview().tables["savings_by_year"]
    )
    with_figures = [str(row[0]) for row in table.rows if any(row[1:])]
    UserFactory(username="chart-board", role=BOARD_MEMBER)
    page.set_viewport_size(viewport)
    sign_in(page, live_server.url, "chart-board", PASSWORD)
    page.goto(live_server.url + reverse("board:overview"))

    drawn = page.evaluate(DRAWN)
    assert with_figures == ["2012/13", "2013/14"]
    assert drawn["years"] == with_figures
    assert drawn["legend"] == ["Projected savings", "Realised savings (verified)"]
    assert not drawn["turned"]
    assert drawn["smallest"] >= 12
