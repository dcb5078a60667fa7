"""Awards, budgets and claims made through the services, as people would."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications import services as bids
from applications.models import Application, Call, PartnerConfirmation
from programmes.payments import services
from programmes.payments.models import Claim, Commitment, Funder
from programmes.permissions import SYSTEM
from savings.years import financial_year_of
from tests.applications.bids import bid_completed, bid_in_assessment


def this_year() -> str:
    return financial_year_of(timezone.localdate())


def grant(user, codename: str):
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="payments", codename=codename)
    )
    # has_perm caches the user's permissions: a fresh copy reads them again.
    return type(user).objects.get(pk=user.pk)


def budget(call: Call, amount: str, *, year: str | None = None, funder=Funder.LGA_BUSINESS_PLAN):
    return services.budget_set(
        strand=call.strand,
        financial_year=year or this_year(),
        funder=funder,
        amount=Decimal(amount),
        reason="The LGA business plan",
        actor=SYSTEM,
    )


def award(call: Call, council, applicant, officer, amount: str = "8000", **approve) -> Application:
    bid = bid_in_assessment(call, council, applicant, officer)
    if call.awards_days:
        approve.setdefault("award_days", int(amount))
    else:
        approve.setdefault("award_amount", Decimal(amount))
    return bids.application_approve(application=bid, actor=officer, **approve)


def commitment_of(application: Application) -> Commitment:
    return Commitment.objects.get(application=application)


def evidence(name: str = "invoice.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"item,amount\nNegotiator,4000\n", content_type="text/csv")


def claim(
    commitment: Commitment, applicant, amount: str = "4000", invoice: str = "INV-1", **kw
) -> Claim:
    fields = {
        "amount": Decimal(amount),
        "period_from": date(2013, 10, 1),
        "period_to": date(2013, 12, 31),
        "invoice_reference": invoice,
        "declaration": True,
        "evidence": evidence(),
    }
    return services.claim_submit(commitment=commitment, actor=applicant, **{**fields, **kw})


def shared_award(call: Call, lead, partners: list, shares: list[str], amount: str = "8000"):
    """An award led by `lead`, each of `partners` named and confirmed, with
    these shares (the lead's first); its commitment."""
    bid = bid_completed(call, lead, SYSTEM)
    bid = bids.application_section_save(
        application=bid,
        actor=SYSTEM,
        section="councils",
        answers={"partner_councils": partners},
        version=None,
    )
    for council in partners:
        bids.partner_answer(
            confirmation=PartnerConfirmation.objects.get(application=bid, council=council),
            actor=SYSTEM,
            confirmed=True,
        )
    bid = bids.application_submit(application=bid, actor=SYSTEM, notify=False)
    bid = bids.application_assessment_start(application=bid, actor=SYSTEM, notify=False)
    bid = bids.application_approve(
        application=bid, actor=SYSTEM, award_amount=Decimal(amount), notify=False
    )
    bids.award_shares_set(
        application=bid,
        amounts={
            council.pk: Decimal(share)
            for council, share in zip([lead, *partners], shares, strict=True)
        },
        actor=SYSTEM,
    )
    return commitment_of(bid)
