"""Finance's exports: approved claims waiting for payment, as CSV and XLSX,
with what a finance system needs to pay them (docs/money.md, "Exports").
Every cell goes through programmes.spreadsheets, so a council's typing
(an invoice reference of "=HYPERLINK(...)") stays text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils import timezone

from programmes.payments.models import Claim
from programmes.spreadsheets import spreadsheet_row, xlsx_bytes

HEADER = [
    "Supplier",
    "Supplier GSS code",
    "Cost centre",
    "Account code",
    "Amount (£)",
    "Invoice reference",
    "Award",
    "Period from",
    "Period to",
    "Claim number",
    "Approved on",
]


def claim_rows(claims: Iterable[Claim]) -> list[list[object]]:
    """The header and a row per claim (select_related as
    selectors.claims_awaiting_payment does)."""
    rows: list[list[object]] = [list(HEADER)]
    for claim in claims:
        ledger = getattr(claim.commitment.strand, "ledger", None)
        approved = claim.second_at or claim.approved_at
        rows.append(
            [
                # A Growth adviser's organisation is paid for its days, not the council.
                claim.supplier,
                "" if claim.payee else claim.council.gss_code,
                ledger.cost_centre if ledger else "",
                ledger.nominal_code if ledger else "",
                claim.amount,
                claim.invoice_reference,
                claim.commitment.reference,
                claim.period_from.isoformat(),
                claim.period_to.isoformat(),
                claim.pk,
                # The day in the UK, as finance reads it (not the UTC date).
                timezone.localdate(approved).isoformat() if approved else "",
            ]
        )
    return rows


def claims_csv(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(spreadsheet_row(row))
    return buffer.getvalue()


def claims_xlsx(rows: list[list[object]]) -> bytes:
    return xlsx_bytes(rows, title="Claims to pay")
