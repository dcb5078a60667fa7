"""A strand page lists the councils with the most projected savings; the CSV has all."""

import csv
import io
from decimal import Decimal

from django.urls import reverse

from programmes.board.selectors import COUNCILS_SHOWN
from programmes.permissions import SYSTEM
from savings import rollups
from savings.models import SavingsKind
from savings.services import savings_entry_record
from tests.factories import CouncilFactory


def test_the_page_shows_the_top_councils_and_the_csv_all_of_them(strands, board_client):
    count = COUNCILS_SHOWN + 5
    for n in range(count):
        savings_entry_record(
            actor=SYSTEM,
            strand=strands["experts"],
            council=CouncilFactory(name=f"Council {n:02d}"),
            financial_year="2013/14",
            kind=SavingsKind.PROJECTED,
            amount=Decimal(1000 * (n + 1)),
        )
    rollups.drain()

    page = board_client.get(reverse("board:strand", args=["experts"])).content.decode()
    assert f"{count} councils take part in this strand" in page
    assert f"The {COUNCILS_SHOWN} councils with the most projected savings" in page
    assert f"Council {count - 1:02d}" in page  # the largest saving is shown
    assert "Council 00" not in page  # the smallest is only in the CSV

    response = board_client.get(reverse("board:strand_csv", args=["experts", "councils"]))
    rows = list(csv.reader(io.StringIO(response.content.decode().removeprefix("\ufeff"))))
    assert len(rows) == 1 + count
