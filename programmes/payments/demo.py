"""Demo money out (docs/money.md): the 2013/14 budgets, the Productivity
Experts awards claimed and paid (Allerdale's expert paid in full), the
Cabinet Office resource allocated to the twelve OPE pilots committed against
OPE's budget, a claim sent back, and a payment waiting for LGA finance.

The board paper gives the programme's resources only in outline ("the
resources for this programme are in the LGA's business plan for 2013/14";
the Cabinet Office's resource for OPE, "around £23,000 each" for twelve
pilots). OPE's budget is that: 12 × £23,000. The Experts and Growth budgets,
the finance codes, and every claim's invoice, dates and references are
illustrative. Runs after every app's demo (`context.complete_2013`), when the
awards exist, and before the board's 2013 paper is published; idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Permission

from applications.models import Call
from programmes.demo import DemoContext
from programmes.models import Strand, User
from programmes.payments import services
from programmes.payments.models import (
    Budget,
    CallClaimRule,
    Claim,
    Commitment,
    Funder,
    StrandLedger,
)
from programmes.permissions import DEMO
from savings.models import Investment, InvestmentSource

LONDON = ZoneInfo("Europe/London")
YEAR = "2013/14"
BUDGETS = (
    # (strand, funder, amount, reason)
    ("experts", Funder.LGA_BUSINESS_PLAN, "30000", "LGA business plan 2013/14 (illustrative)"),
    (
        "ope",
        Funder.CABINET_OFFICE,
        "276000",
        "Cabinet Office resource: around £23,000 for each of the 12 pilots (para 4)",
    ),
    ("growth", Funder.LGA_BUSINESS_PLAN, "70000", "LGA business plan 2013/14 (illustrative)"),
)
LEDGER = {
    "experts": ("PP-EXP", "5410"),
    "ope": ("PP-OPE", "5420"),
    "growth": ("PP-EGA", "5430"),
}
# LGA finance in the demo: records payments (programmes/demo.py DEMO_USERS).
FINANCE = "demo-lga-finance"
CHECKER = "demo-officer"


@dataclass(frozen=True)
class DemoClaim:
    lead: str
    amount: str
    invoice: str
    period: tuple[date, date]
    submitted: datetime
    # "paid", "approved" (waiting for finance), "sent_back" or "" (waiting for a check)
    outcome: str
    paid_on: date | None = None
    sent_back_reason: str = ""


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, tzinfo=LONDON)


CLAIMS = (
    # Allerdale's contracts negotiator, paid in full (board paper para 9).
    DemoClaim(
        "Allerdale",
        "9000",
        "ALL-0413-017",
        (date(2012, 10, 15), date(2013, 3, 31)),
        _at(2013, 4, 8),
        "paid",
        date(2013, 4, 26),
    ),
    DemoClaim(
        "Wyre Forest",
        "6500",
        "WF-2013-044",
        (date(2012, 6, 18), date(2013, 3, 29)),
        _at(2013, 4, 12),
        "paid",
        date(2013, 5, 3),
    ),
    DemoClaim(
        "Gloucestershire",
        "4000",
        "GCC-INV-88120",
        (date(2013, 2, 1), date(2013, 3, 31)),
        _at(2013, 4, 15),
        "paid",
        date(2013, 5, 3),
    ),
    # A payment waiting for LGA finance.
    DemoClaim(
        "Gloucestershire",
        "4000",
        "GCC-INV-88342",
        (date(2013, 4, 1), date(2013, 6, 30)),
        _at(2013, 7, 5),
        "approved",
    ),
    # A claim sent back to the council.
    DemoClaim(
        "Hertfordshire",
        "3000",
        "HCC-77-0412",
        (date(2013, 5, 20), date(2013, 6, 30)),
        _at(2013, 7, 3),
        "sent_back",
        sent_back_reason=(
            "The invoice attached is for a different project: attach the expert's "
            "invoice for this award and claim again."
        ),
    ),
    # Waiting for an officer's check.
    DemoClaim(
        "Hackney",
        "2500",
        "LBH-PP-0031",
        (date(2013, 6, 1), date(2013, 6, 30)),
        _at(2013, 7, 8),
        "",
    ),
)


def _budgets() -> None:
    for key, funder, amount, reason in BUDGETS:
        strand = Strand.objects.get(key=key)
        if not Budget.objects.filter(strand=strand, financial_year=YEAR, funder=funder).exists():
            services.budget_set(
                strand=strand,
                financial_year=YEAR,
                funder=funder,
                amount=Decimal(amount),
                reason=reason,
                actor=DEMO,
                at=_at(2013, 4, 1),
            )
        cost_centre, code = LEDGER[key]
        if not StrandLedger.objects.filter(strand=strand).exists():
            services.strand_ledger_save(
                ledger=StrandLedger(strand=strand, cost_centre=cost_centre, nominal_code=code),
                actor=DEMO,
            )


def _claim_rule() -> None:
    """This year's Experts round: claims above £5,000 need a second officer."""
    call = Call.objects.filter(strand__key="experts").order_by("-opens_at").first()
    if call is not None and not CallClaimRule.objects.filter(call=call).exists():
        services.claim_rule_save(
            rule=CallClaimRule(call=call, second_approval_above=Decimal("5000")), actor=DEMO
        )


def _ope_allocations() -> None:
    """Allocations an older demo recorded before they were committed."""
    for investment in Investment.objects.filter(
        strand__key="ope",
        source=InvestmentSource.CABINET_OFFICE,
        financial_year=YEAR,
        commitment__isnull=True,
    ):
        services.commitment_allocate(investment=investment, actor=DEMO)


def _claims() -> int:
    checker = User.objects.get(username=CHECKER)
    finance = User.objects.get(username=FINANCE)
    made = 0
    for demo in CLAIMS:
        commitment = Commitment.objects.filter(
            strand__key="experts", council__short_name=demo.lead
        ).first()
        if (
            commitment is None
            or Claim.objects.filter(commitment=commitment, invoice_reference=demo.invoice).exists()
        ):
            continue
        claim = services.claim_submit(
            commitment=commitment,
            actor=DEMO,
            amount=Decimal(demo.amount),
            period_from=demo.period[0],
            period_to=demo.period[1],
            invoice_reference=demo.invoice,
            declaration=True,
            at=demo.submitted,
        )
        made += 1
        if demo.outcome == "sent_back":
            services.claim_send_back(
                claim=claim, actor=checker, reason=demo.sent_back_reason, at=demo.submitted
            )
            continue
        if demo.outcome in ("approved", "paid"):
            claim = services.claim_approve(claim=claim, actor=checker, at=demo.submitted)
        if demo.outcome == "paid":
            services.claim_pay(
                claim=claim, actor=finance, paid_on=demo.paid_on, reference=f"LGA-{demo.invoice}"
            )
    return made


def _finance_role() -> None:
    finance = User.objects.get(username=FINANCE)
    finance.user_permissions.add(
        Permission.objects.get(content_type__app_label="payments", codename="record_payments")
    )


def load(context: DemoContext) -> None:
    def money() -> None:
        _finance_role()
        _budgets()
        _claim_rule()
        _ope_allocations()
        made = _claims()
        context.write(f"Money out: {len(BUDGETS)} budgets for {YEAR}; {made} new claims")

    context.complete_2013(money)
