"""One permission layer: every write service refuses whoever its rule does not allow.

The services are found, not listed: every public function of a `services`
(or `retention`) module of the project's own apps. Each one that takes `actor` must have a
rule in RULES below (who may call it, and how to build its arguments); each
one that does not must be in INTERNAL, with the reason it needs no check. A
new service that is in neither fails `test_every_service_has_a_rule`, so a
write cannot be added without deciding who may make it.

Each rule is then tried with every persona: the council user of the record's
council, its lead, its finance officer, a user of another council, a board
member, an officer, an officer by group alone (not staff: the role decides,
not `is_staff`), an officer whose account is deactivated, a signed-up user
with no role, the portal itself (SYSTEM) and no actor at all (None). Board
members are never staff. Refused personas get
PermissionDenied and change nothing; allowed ones succeed.
"""

from __future__ import annotations

import copy
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from applications import services as bids
from applications.models import Application
from programmes import accounts
from programmes.asce import services as asce
from programmes.board import services as papers
from programmes.experts import services as experts
from programmes.growth import services as growth
from programmes.growth.models import AdviserSource
from programmes.models import Council, CouncilKind, Invitation, Region
from programmes.ope import services as ope
from programmes.ope.models import EventKind
from programmes.payments import services as payments
from programmes.payments.models import CallClaimRule, Funder, StrandLedger
from programmes.permissions import SYSTEM
from programmes.procurement import services as procurement
from programmes.procurement.models import BoardMemberKind, MilestoneStatus, Objective
from programmes.register import CouncilEntry
from programmes.returns import services as return_services
from programmes.roles import APPLICANT, BOARD_MEMBER, OFFICER
from savings import services as facts
from savings.imports import INVESTMENT, ImportPreview
from savings.models import Investment, InvestmentSource, SavingsKind
from savings.years import financial_year_of
from tests.applications.bids import bid_completed, bid_in_assessment, bid_more_information
from tests.factories import (
    CallFactory,
    CaseStudyFactory,
    CouncilFactory,
    GrowthCallFactory,
    InitiativeFactory,
    PilotFactory,
    ProjectPlanFactory,
    ReportingCallFactory,
    StrandFactory,
    UserFactory,
    decides_awards,
)
from tests.growth.awards import growth_award
from tests.pdfs import PDF

# Public functions of services modules that take no actor, and why.
INTERNAL = {
    "programmes.services.model_update": (
        "the helper the services write a record's fields with, after their own check"
    ),
    "programmes.services.strands_sync": (
        "copies the strand registry in code into the database (migrations, the demo, test "
        "set-up); no user input"
    ),
    "programmes.asce.services.asce_statistics_recompute": (
        "run by the rollup worker inside its drain; derives statistics from the returns, "
        "no user input"
    ),
    "programmes.growth.services.adviser_days_used": "a read: the days logged so far",
    "applications.services.award_councils": "a read: the councils an award serves",
    "applications.services.award_shares_default": (
        "called by the approval, inside its transaction and after its check: equal shares"
    ),
    "applications.services.shares_split": "arithmetic: a sum in equal shares to the penny",
    "applications.services.shares_total_message": "words: the message when shares do not add up",
    "applications.retention.free_text_fields": "a read: which fields hold free text",
    "applications.retention.bids_due": "a read: the bids due for anonymising",
    "programmes.retention.years_before": "date arithmetic",
    "programmes.retention.is_anonymised": "a read",
    "programmes.retention.accounts_due": "a read: the accounts due for anonymising",
    "programmes.retention.audit_scrub": (
        "called only inside bid_anonymise and account_anonymise, after their check"
    ),
    "programmes.retention.audit_scrub_actor": (
        "called only inside account_anonymise, after its check"
    ),
    "programmes.twofactor.services.totp_secret_base32": "a read: formats a device's secret",
    "programmes.accounts.token_hash": "a hash of a token",
    "programmes.accounts.invitation_for_token": "a read: the invitation a link names",
    "programmes.accounts.email_has_account": "a read",
    "programmes.accounts.invitation_password_check": "validation only: the password rules",
    "programmes.accounts.invitation_accept": (
        "the invitation is the permission: made by an officer or the council's lead "
        "(checked then), used with a one-time token only its addressee has"
    ),
    "programmes.accounts.user_sessions_end": (
        "called by the checked writes (deactivation) and the admin's own save"
    ),
    "programmes.twofactor.services.totp_device_start": (
        "the signed-in user's own device: `user` is the person acting"
    ),
    "programmes.twofactor.services.totp_device_confirm": (
        "confirms the signed-in user's own device with a code only they have"
    ),
    "programmes.twofactor.services.backup_codes_generate": (
        "the signed-in user's own backup codes: `user` is the person acting"
    ),
    "programmes.twofactor.services.second_factor_verify": (
        "the sign-in step itself: checks `user`'s own code"
    ),
    # The savings engine's writes of return lines: called only by the returns
    # cycle's services (programmes.returns.services), after their checks.
    "savings.services.line_check": "validation only: a line's rules",
    "savings.services.submission_claim": (
        "spends a form's one-time token inside a checked service (the line or return it makes)"
    ),
    "savings.services.return_line_record": "called only by return_line_add, after its check",
    "savings.services.return_lines_set": "called only by the returns' checked services",
    "savings.services.return_line_rewrite": "called only by return_line_change, after its check",
    "savings.services.return_line_delete": "called only by return_line_remove, after its check",
    # Notices are recorded in the transaction of the checked change they tell
    # of, and delivered by the worker (programmes.notices).
    "programmes.notices.services.notices_record": (
        "called inside checked services, in their transaction"
    ),
    "programmes.notices.services.notices_replace": (
        "called inside checked services (an invitation sent again)"
    ),
    "programmes.notices.services.notice_deliver": "the worker's send of a recorded notice",
    "programmes.notices.services.notices_due": "a read: the notices the sweep sends",
    "programmes.notices.services.notices_resend": (
        "the admin's action, behind the notices' change permission (officers only)"
    ),
    "programmes.notices.services.retry_delay": "arithmetic: the backoff",
    "programmes.notices.services.link_maker": "registers a link maker at start-up",
    # Money out (programmes/payments/services.py): reads and validation.
    "programmes.payments.services.money_check": "validation only: an amount of money",
    "programmes.payments.services.committed_total": "a read: a strand's committed total",
    "programmes.payments.services.remaining": "a read: what remains of an award",
    "programmes.payments.services.second_approval_above": "a read: the call's claim limit",
    "programmes.accounts.password_reset_notice": (
        "the reset form's email: anyone may ask, the throttle limits it, and the link goes "
        "only to the account's own address"
    ),
}

PERSONAS = (
    "own_council",
    "own_lead",
    "own_finance",
    "other_council",
    "board_member",
    "officer",
    "officer_by_group",
    "inactive_officer",
    "no_role",
    "system",
    "none",
)
OFFICERS = frozenset({"officer", "officer_by_group", "system"})
SYSTEM_ONLY = frozenset({"system"})
# An assessor's own review: the officer persona is the assessor assigned, the
# officer by group is another officer.
ASSESSOR = frozenset({"officer", "system"})
OWN_COUNCIL = frozenset({"own_council", "own_lead", "own_finance", "system"})
OWN_LEAD = frozenset({"own_lead", "system"})
OFFICERS_OR_OWN_COUNCIL = frozenset(
    {"officer", "officer_by_group", "own_council", "own_lead", "own_finance", "system"}
)
# The officer persona decides awards (the programme manager); the officer by
# group does not, and the bids here have no lead officer, so the lead's steps
# fall to deciders too (applications.workflow; each transition is tried by
# every bid persona in tests/applications/test_decision_rights.py).
DECIDER = frozenset({"officer", "system"})
# A council's lead manages its council users; officers anyone.
OFFICERS_OR_OWN_LEAD = frozenset({"officer", "officer_by_group", "own_lead", "system"})
# The council's finance officer certifies its returns; officers may not.
OWN_FINANCE_OFFICER = frozenset({"own_finance", "system"})


@dataclass
class World:
    """The record's council (`council`) and one user per persona."""

    council: Council
    actors: dict


def _pending(w: World) -> Application:
    """An approval above the call's limit, by another decider: awaiting a second."""
    call = CallFactory(second_decision_above=Decimal("1000"))
    bid = bid_in_assessment(call, w.council, SYSTEM, SYSTEM)
    first = decides_awards(UserFactory(is_staff=True, role=OFFICER))
    return bids.application_approve(application=bid, actor=first, award_amount=Decimal("8000"))


def _world() -> World:
    council = CouncilFactory()
    other = CouncilFactory()
    actors = {
        "own_council": UserFactory(council=council, role=APPLICANT),
        "own_lead": UserFactory(council=council, role=APPLICANT, is_council_lead=True),
        "own_finance": UserFactory(council=council, role=APPLICANT, is_finance_officer=True),
        "other_council": UserFactory(council=other, role=APPLICANT),
        "board_member": UserFactory(role=BOARD_MEMBER),
        "officer": decides_awards(UserFactory(is_staff=True, role=OFFICER)),
        "officer_by_group": UserFactory(is_staff=False, role=OFFICER),
        "inactive_officer": UserFactory(is_staff=True, is_active=False, role=OFFICER),
        "no_role": UserFactory(),
        "system": SYSTEM,
        "none": None,
    }
    return World(council=council, actors=actors)


# Builders: the arguments (all but `actor`) for one call, on records of
# `w.council`, made through the services as the portal.

IN_WINDOW = date(2013, 10, 1)


def _strand(key: str):
    return StrandFactory(key=key)


def _draft(w: World) -> Application:
    return bids.application_create(call=CallFactory(), council=w.council, actor=SYSTEM)


def _partner_confirmation(w: World):
    """Another council's draft naming the record's council as a partner:
    the record's council's lead answers it."""
    bid = bids.application_create(call=CallFactory(), council=CouncilFactory(), actor=SYSTEM)
    bid = bids.application_section_save(
        application=bid,
        actor=SYSTEM,
        section="councils",
        answers={"partner_councils": [w.council]},
        version=None,
    )
    return bid.partner_confirmations.get()


def _review(w: World, declared: bool = False):
    bid = bid_in_assessment(CallFactory(), w.council, SYSTEM, SYSTEM)
    bids.assessors_assign(application=bid, actor=SYSTEM, assessors=[w.actors["officer"]])
    review = bid.reviews.get()
    if declared:
        bids.conflict_declare(review=review, actor=SYSTEM, conflict=False)
    return review


def _approved(w: World) -> Application:
    bid = bid_in_assessment(CallFactory(), w.council, SYSTEM, SYSTEM)
    return bids.application_approve(application=bid, actor=SYSTEM, award_amount=Decimal("8000"))


def _open_return(w: World):
    """The first savings return of an award whose call has a schedule."""
    bid = bid_in_assessment(ReportingCallFactory(), w.council, SYSTEM, SYSTEM)
    bids.application_approve(application=bid, actor=SYSTEM, award_amount=Decimal("8000"))
    return bid.savings_returns.order_by("period_start").first()


def _line_fields() -> dict:
    return {
        "financial_year": financial_year_of(timezone.localdate()),
        "kind": SavingsKind.REALISED,
        "amount": Decimal("1000"),
        "evidence": "Invoices checked by the finance team",
    }


def _return_line(w: World):
    return return_services.return_line_add(
        actor=SYSTEM, savings_return=_open_return(w), **_line_fields()
    )


def _sent_return(w: World):
    line = _return_line(w)
    return return_services.return_submit(
        actor=SYSTEM, savings_return=line.savings_return, declaration_name="A Name", confirmed=True
    )


def _return_to_certify(w: World):
    """A return prepared (as the portal) on a call that asks for certification."""
    bid = bid_in_assessment(
        ReportingCallFactory(returns_need_certification=True), w.council, SYSTEM, SYSTEM
    )
    bids.application_approve(application=bid, actor=SYSTEM, award_amount=Decimal("8000"))
    savings_return = bid.savings_returns.order_by("period_start").first()
    return return_services.return_submit(
        actor=SYSTEM, savings_return=savings_return, declaration_name="A Name", confirmed=True
    )


def _investment(w: World, strand: str = "experts", **extra) -> Investment:
    return facts.investment_record(
        strand=_strand(strand),
        council=w.council,
        source=extra.pop("source", InvestmentSource.LGA_GRANT),
        financial_year="2013/14",
        amount=Decimal("1000"),
        actor=SYSTEM,
        **extra,
    )


def _saving(w: World, kind: str = SavingsKind.REALISED):
    return facts.savings_entry_record(
        strand=_strand("experts"),
        council=w.council,
        financial_year="2013/14",
        kind=kind,
        amount=Decimal("500"),
        actor=SYSTEM,
    )


def _claim_fields() -> dict:
    return {
        "amount": Decimal("100"),
        "period_from": date(2013, 10, 1),
        "period_to": date(2013, 12, 31),
        "invoice_reference": "INV-1",
        "declaration": True,
    }


def _claim(w: World):
    return payments.claim_submit(
        commitment=_approved(w).commitment, actor=SYSTEM, **_claim_fields()
    )


def _adviser():
    return growth.adviser_upsert(
        name="Casey Covers",
        source=AdviserSource.BUSINESS,
        expertise=["support_strategy"],
        actor=SYSTEM,
    )


def _matched(w: World) -> Application:
    bid = growth_award(GrowthCallFactory(), w.council, SYSTEM, SYSTEM)
    growth.adviser_match(application=bid, adviser=_adviser(), actor=SYSTEM)
    return bid


def _logged(w: World) -> Application:
    """A matched Growth award with one day logged, its adviser from an organisation."""
    bid = growth_award(GrowthCallFactory(), w.council, SYSTEM, SYSTEM)
    adviser = growth.adviser_upsert(
        name="Gale Growth",
        source=AdviserSource.LOCAL_PARTNERSHIPS,
        organisation="Example Growth Partnership",
        expertise=["support_strategy"],
        actor=SYSTEM,
    )
    growth.adviser_match(application=bid, adviser=adviser, actor=SYSTEM)
    growth.adviser_days_log(application=bid, worked_on=IN_WINDOW, days=Decimal("1"), actor=SYSTEM)
    return bid


def _costing_fields() -> dict:
    return {
        "period_from": IN_WINDOW,
        "period_to": IN_WINDOW,
        "days": Decimal("1"),
        "invoice_reference": "EGP-1",
    }


def _submitted_plan(w: World):
    plan = ProjectPlanFactory(pilot=PilotFactory(council=w.council))
    return ope.plan_submit(plan=plan, actor=SYSTEM)


def _workstream(w: World):
    return procurement.workstream_upsert(
        slug="ict", name="ICT", lead_council=w.council, actor=SYSTEM
    )


def _asce_return(w: World):
    _strand("asce")
    return asce.asce_return_record(
        council=w.council,
        financial_year="2013/14",
        budget=Decimal("1000000"),
        savings_achieved=Decimal("50000"),
        actor=SYSTEM,
    )


def _asce_event():
    return asce.asce_event_upsert(title="ASCE summit", held_on=date(2014, 3, 1), actor=SYSTEM)


def _report():
    return asce.position_report_upsert(
        slug="position-2014",
        title="Position report 2014",
        report_date=date(2014, 3, 1),
        summary="Where councils stand.",
        actor=SYSTEM,
    )


def _milestone():
    return procurement.milestone_upsert(
        title="Directive", due_on=IN_WINDOW, status=MilestoneStatus.DUE, actor=SYSTEM
    )


def _paper(*, published: bool = False):
    paper = papers.paper_create(
        actor=SYSTEM, meeting_date=date(2013, 7, 17), contact_name="Robin Example"
    )
    return papers.paper_publish(paper=paper, actor=SYSTEM) if published else paper


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")


def _invitation(w: World) -> Invitation:
    return accounts.invitation_create(
        actor=SYSTEM,
        first_name="Sam",
        last_name="Sample",
        email=f"sam{Invitation.objects.count()}@example.org",
        role=APPLICANT,
        council=w.council,
        site_url="http://testserver",
    )


Builder = Callable[[World], dict]

RULES: dict[str, tuple[frozenset, Builder]] = {
    # Calls, bids, assessment, documents (applications/services.py)
    "applications.services.call_create": (
        OFFICERS,
        lambda w: {
            "strand": _strand("experts"),
            "title": "Productivity Experts 2014/15",
            "opens_at": timezone.now(),
            "closes_at": timezone.now() + timedelta(days=30),
            "max_amount": Decimal("10000"),
        },
    ),
    "applications.services.application_create": (
        OWN_COUNCIL,
        lambda w: {"call": CallFactory(), "council": w.council},
    ),
    "applications.services.application_section_save": (
        OWN_COUNCIL,
        lambda w: (
            lambda bid: {
                "application": bid,
                "section": "about",
                "answers": {"title": "Renegotiating contracts", "summary": "A negotiator."},
                "version": bid.version,
            }
        )(_draft(w)),
    ),
    "applications.services.application_submit": (
        OWN_COUNCIL,
        lambda w: {
            "application": bid_completed(CallFactory(), w.council, SYSTEM),
            "notify": False,
        },
    ),
    "applications.services.application_assessment_start": (
        DECIDER,
        lambda w: {
            "application": bids.application_submit(
                application=bid_completed(CallFactory(), w.council, SYSTEM),
                actor=SYSTEM,
                notify=False,
            ),
            "notify": False,
        },
    ),
    "applications.services.assessment_save": (
        DECIDER,
        lambda w: {
            "application": bid_in_assessment(CallFactory(), w.council, SYSTEM, SYSTEM),
            "scores": {},
            "notes": "Strong case",
        },
    ),
    "applications.services.assessors_assign": (
        DECIDER,
        lambda w: {
            "application": bid_in_assessment(CallFactory(), w.council, SYSTEM, SYSTEM),
            "assessors": [UserFactory(is_staff=True, role=OFFICER)],
        },
    ),
    # The assessor's own review: the officer persona is the assigned assessor.
    "applications.services.conflict_declare": (
        ASSESSOR,
        lambda w: {"review": _review(w), "conflict": False},
    ),
    "applications.services.review_save": (
        ASSESSOR,
        lambda w: {"review": _review(w, declared=True), "scores": {"deliverability": 3}},
    ),
    "applications.services.information_answer_read": (
        OFFICERS,
        lambda w: {"application": bid_in_assessment(CallFactory(), w.council, SYSTEM, SYSTEM)},
    ),
    "applications.services.application_information_request": (
        DECIDER,
        lambda w: {
            "application": bid_in_assessment(CallFactory(), w.council, SYSTEM, SYSTEM),
            "message": "Which contracts?",
            "notify": False,
        },
    ),
    "applications.services.application_information_provide": (
        OWN_COUNCIL,
        lambda w: {
            "application": bid_more_information(CallFactory(), w.council, SYSTEM, SYSTEM),
            "note": "The four largest",
            "notify": False,
        },
    ),
    "applications.services.application_approve": (
        DECIDER,
        lambda w: {
            "application": bid_in_assessment(CallFactory(), w.council, SYSTEM, SYSTEM),
            "award_amount": Decimal("8000"),
            "notify": False,
        },
    ),
    "applications.services.application_decline": (
        DECIDER,
        lambda w: {
            "application": bid_in_assessment(CallFactory(), w.council, SYSTEM, SYSTEM),
            "reasons": "Out of scope",
            "notify": False,
        },
    ),
    "applications.services.application_second_decision": (
        DECIDER,
        lambda w: {"application": _pending(w), "agree": True, "notify": False},
    ),
    "applications.services.scoring_close": (
        DECIDER,
        lambda w: {"application": _review(w).application, "reason": "One is away"},
    ),
    "applications.services.award_shares_set": (
        OFFICERS,
        lambda w: {
            "application": (award := _approved(w)),
            "amounts": {w.council.pk: award.award_value},
        },
    ),
    "applications.services.application_withdraw": (
        OWN_COUNCIL,
        lambda w: {"application": _draft(w), "notify": False},
    ),
    "applications.services.document_add": (
        OWN_COUNCIL,
        lambda w: {"application": _draft(w), "upload": _pdf()},
    ),
    "applications.services.document_remove": (
        OWN_COUNCIL,
        lambda w: {
            "document": bids.document_add(application=_draft(w), upload=_pdf(), actor=SYSTEM)
        },
    ),
    # A partner council's answer: its council lead only (not its other users).
    "applications.services.partner_answer": (
        OWN_LEAD,
        lambda w: {"confirmation": _partner_confirmation(w), "confirmed": True},
    ),
    "applications.services.partner_confirm_by_letter": (
        OFFICERS,
        lambda w: {"confirmation": _partner_confirmation(w), "reason": "Letter of 3 March"},
    ),
    "applications.services.document_share": (
        OWN_COUNCIL,
        lambda w: {
            "document": bids.document_add(application=_draft(w), upload=_pdf(), actor=SYSTEM),
            "shared": True,
        },
    ),
    # Investment and savings facts (savings/services.py)
    "savings.services.investment_record": (
        OFFICERS,
        lambda w: {
            "strand": _strand("experts"),
            "council": w.council,
            "source": InvestmentSource.LGA_GRANT,
            "financial_year": "2013/14",
            "amount": Decimal("1000"),
        },
    ),
    "savings.services.investment_update": (
        OFFICERS,
        lambda w: {"investment": _investment(w), "amount": Decimal("2000")},
    ),
    "savings.services.investment_delete": (OFFICERS, lambda w: {"investment": _investment(w)}),
    "savings.services.investments_delete": (
        OFFICERS,
        lambda w: {"investments": [_investment(w)]},
    ),
    "savings.services.savings_entry_record": (
        OFFICERS,
        lambda w: {
            "strand": _strand("experts"),
            "council": w.council,
            "financial_year": "2013/14",
            "kind": SavingsKind.REALISED,
            "amount": Decimal("500"),
            "verified": True,
        },
    ),
    "savings.services.savings_entry_update": (
        OFFICERS,
        lambda w: {"entry": _saving(w), "amount": Decimal("600")},
    ),
    "savings.services.savings_entry_delete": (OFFICERS, lambda w: {"entry": _saving(w)}),
    "savings.services.savings_entries_delete": (OFFICERS, lambda w: {"entries": [_saving(w)]}),
    "savings.services.savings_entries_verify": (OFFICERS, lambda w: {"entries": [_saving(w)]}),
    "savings.services.savings_entry_verify": (OFFICERS, lambda w: {"entry": _saving(w)}),
    "savings.services.savings_return_submit": (
        OWN_COUNCIL,
        lambda w: {
            "award": Investment.objects.get(application=_approved(w)),
            "financial_year": "2013/14",
            "amount": Decimal("1000"),
            "evidence": "Invoices checked by the finance team",
        },
    ),
    "programmes.returns.services.returns_generate": (
        OFFICERS,
        lambda w: {"application": _approved(w)},
    ),
    "programmes.returns.services.return_line_add": (
        OWN_COUNCIL,
        lambda w: {"savings_return": _open_return(w), **_line_fields()},
    ),
    "programmes.returns.services.return_line_change": (
        OWN_COUNCIL,
        lambda w: {"line": _return_line(w), **_line_fields()},
    ),
    "programmes.returns.services.return_line_remove": (
        OWN_COUNCIL,
        lambda w: {"line": _return_line(w)},
    ),
    "programmes.returns.services.return_submit": (
        OWN_COUNCIL,
        lambda w: {
            "savings_return": _open_return(w),
            "declaration_name": "A Name",
            "confirmed": True,
        },
    ),
    "programmes.returns.services.return_reopen": (
        OWN_COUNCIL,
        lambda w: {"savings_return": _sent_return(w)},
    ),
    "programmes.returns.services.return_withdraw": (
        OWN_COUNCIL,
        lambda w: {"savings_return": _sent_return(w)},
    ),
    "programmes.returns.services.return_verify": (
        OFFICERS,
        lambda w: {"savings_return": _sent_return(w)},
    ),
    "programmes.returns.services.return_send_back": (
        OFFICERS,
        lambda w: {"savings_return": _sent_return(w), "reason": "The invoices are missing"},
    ),
    "programmes.returns.services.return_extend": (
        OFFICERS,
        lambda w: {
            "savings_return": _open_return(w),
            "until": timezone.localdate() + timedelta(days=400),
            "reason": "Agreed with the council",
        },
    ),
    "programmes.returns.services.return_waive": (
        OFFICERS,
        lambda w: {"savings_return": _open_return(w), "reason": "The project stopped"},
    ),
    "programmes.returns.services.return_reminders_send": (OFFICERS, lambda w: {}),
    "programmes.returns.services.return_certify": (
        OWN_FINANCE_OFFICER,
        lambda w: {"savings_return": _return_to_certify(w), "confirmed": True},
    ),
    "programmes.returns.services.return_send_back_to_preparer": (
        OWN_FINANCE_OFFICER,
        lambda w: {"savings_return": _return_to_certify(w), "reason": "The invoices are missing"},
    ),
    "applications.services.call_update": (
        OFFICERS,
        lambda w: {"call": CallFactory(), "data": {"returns_need_certification": True}},
    ),
    "savings.services.scopes_mark": (
        OFFICERS,
        lambda w: {"scopes": [(_strand("experts").pk, w.council.pk, "2013/14")]},
    ),
    "savings.services.savings_import": (
        OFFICERS,
        lambda w: {
            "preview": ImportPreview(
                record=INVESTMENT,
                rows=[
                    {
                        "strand": _strand("experts"),
                        "council": w.council,
                        "source": InvestmentSource.LGA_GRANT,
                        "financial_year": "2013/14",
                        "amount": Decimal("100"),
                    }
                ],
            )
        },
    ),
    # Core records (programmes/services.py) and two-factor reset
    "programmes.services.council_upsert": (
        OFFICERS,
        lambda w: {
            "gss_code": "E07999999",
            "name": "Exampleton District Council",
            "short_name": "Exampleton",
            "kind": CouncilKind.DISTRICT,
            "region": Region.NORTH_WEST,
        },
    ),
    "programmes.services.councils_load": (
        OFFICERS,
        lambda w: {
            "entries": [
                CouncilEntry(
                    line=2,
                    gss_code="E07999998",
                    data={
                        "gss_code": "E07999998",
                        "name": "Registerton District Council",
                        "short_name": "Registerton",
                        "kind": CouncilKind.DISTRICT,
                        "region": Region.NORTH_WEST,
                    },
                    successors=(),
                )
            ]
        },
    ),
    "programmes.services.user_create": (
        OFFICERS,
        lambda w: {
            "username": "new-colleague",
            "role": APPLICANT,
            "password": "a long demo password 0123",
            "council": w.council,
        },
    ),
    # Only an officer with "manages accounts" (tests/twofactor/test_reset.py);
    # the world's officer does not have it.
    "programmes.twofactor.services.two_factor_reset": (
        SYSTEM_ONLY,
        lambda w: {"user": UserFactory(), "reason": "Lost phone"},
    ),
    "programmes.accounts.account_reset_record": (
        SYSTEM_ONLY,
        lambda w: {"user": UserFactory(), "what": "password", "reason": "Forgot it"},
    ),
    "programmes.accounts.account_password_set": (
        SYSTEM_ONLY,
        lambda w: {
            "user": UserFactory(),
            "password": "a long and unusual passphrase",
            "reason": "Forgot it",
        },
    ),
    # One Public Estate
    # Board papers (programmes/board/services.py): officers draft and publish.
    "programmes.board.services.paper_create": (
        OFFICERS,
        lambda w: {"meeting_date": date(2013, 7, 17), "contact_name": "Robin Example"},
    ),
    "programmes.board.services.paper_update": (
        OFFICERS,
        lambda w: {"paper": _paper(), "risks": "The pilots' resource is limited."},
    ),
    "programmes.board.services.paper_publish": (OFFICERS, lambda w: {"paper": _paper()}),
    "programmes.board.services.paper_pdf_record": (
        OFFICERS,
        lambda w: {"paper": _paper(published=True), "name": "board-papers/paper.pdf"},
    ),
    "programmes.board.services.paper_delete": (OFFICERS, lambda w: {"paper": _paper()}),
    "programmes.ope.services.pilot_save": (OFFICERS, lambda w: {"council": w.council}),
    "programmes.ope.services.plan_save": (
        OFFICERS,
        lambda w: {"pilot": PilotFactory(council=w.council), "title": "Sharing the estate"},
    ),
    "programmes.ope.services.plan_submit": (
        OFFICERS_OR_OWN_COUNCIL,
        lambda w: {"plan": ProjectPlanFactory(pilot=PilotFactory(council=w.council))},
    ),
    "programmes.ope.services.plan_lga_sign_off": (
        OFFICERS,
        lambda w: {"plan": _submitted_plan(w)},
    ),
    "programmes.ope.services.plan_cabinet_office_sign_off": (
        OFFICERS,
        lambda w: {
            "plan": ope.plan_lga_sign_off(plan=_submitted_plan(w), actor=SYSTEM),
            "signatory": "A Cabinet Office official",
        },
    ),
    # Money out (programmes/payments/services.py)
    "programmes.payments.services.budget_set": (
        OFFICERS,
        lambda w: {
            "strand": _strand("experts"),
            "financial_year": "2013/14",
            "funder": Funder.LGA_BUSINESS_PLAN,
            "amount": Decimal("46000"),
            "reason": "The business plan",
        },
    ),
    "programmes.payments.services.strand_ledger_save": (
        OFFICERS,
        lambda w: {
            "ledger": StrandLedger(strand=_strand("experts"), cost_centre="A", nominal_code="1")
        },
    ),
    "programmes.payments.services.claim_rule_save": (
        OFFICERS,
        lambda w: {"rule": CallClaimRule(call=CallFactory(), second_approval_above=Decimal("1"))},
    ),
    "programmes.payments.services.commitment_record": (
        OFFICERS,
        lambda w: {
            "application": bid_in_assessment(CallFactory(), w.council, SYSTEM, SYSTEM),
            "value": Decimal("100"),
            "financial_year": "2013/14",
        },
    ),
    "programmes.payments.services.commitment_allocate": (
        OFFICERS,
        lambda w: {"investment": _investment(w, "ope", source=InvestmentSource.CABINET_OFFICE)},
    ),
    "programmes.payments.services.commitment_reduce": (
        OFFICERS,
        lambda w: {
            "commitment": _approved(w).commitment,
            "amount": Decimal("100"),
            "reason": "Less work",
        },
    ),
    "programmes.payments.services.commitment_withdraw": (
        OFFICERS,
        lambda w: {"commitment": _approved(w).commitment, "reason": "Stopped"},
    ),
    "programmes.payments.services.claim_submit": (
        OWN_COUNCIL,
        lambda w: {"commitment": _approved(w).commitment, **_claim_fields()},
    ),
    "programmes.payments.services.claim_approve": (OFFICERS, lambda w: {"claim": _claim(w)}),
    "programmes.payments.services.claim_send_back": (
        OFFICERS,
        lambda w: {"claim": _claim(w), "reason": "No invoice"},
    ),
    # A claim paid to someone other than the council (an adviser's organisation).
    "programmes.payments.services.claim_record_for_payee": (
        OFFICERS,
        lambda w: {
            "commitment": _approved(w).commitment,
            "payee": "Example Growth Partnership",
            "amount": Decimal("100"),
            "period_from": date(2013, 10, 1),
            "period_to": date(2013, 12, 31),
            "invoice_reference": "EGP-1",
        },
    ),
    # LGA finance only: "records payments" is given to named officers.
    "programmes.payments.services.claim_pay": (
        SYSTEM_ONLY,
        lambda w: {
            "claim": payments.claim_approve(claim=_claim(w), actor=SYSTEM),
            "paid_on": date(2013, 12, 1),
            "reference": "P-1",
        },
    ),
    "programmes.ope.services.pilot_resource_allocate": (
        OFFICERS,
        lambda w: (
            _strand("ope") and {"pilot": PilotFactory(council=w.council), "amount": Decimal("500")}
        ),
    ),
    "programmes.ope.services.pilot_investment_adopt": (
        OFFICERS,
        lambda w: {
            "pilot": PilotFactory(council=w.council),
            "investment": _investment(w, "ope", source=InvestmentSource.CABINET_OFFICE),
        },
    ),
    "programmes.ope.services.event_save": (
        OFFICERS,
        lambda w: {"title": "Pilots' workshop", "kind": EventKind.WORKSHOP, "held_on": IN_WINDOW},
    ),
    # Productivity Experts
    "programmes.experts.services.appointment_create": (
        OFFICERS,
        lambda w: {"application": _approved(w), "starts_on": IN_WINDOW},
    ),
    "programmes.experts.services.case_study_save": (
        OFFICERS,
        lambda w: {
            "title": "Contracts renegotiated",
            "slug": "contracts-renegotiated",
            "council": w.council,
            "summary": "What the council did.",
            "body": "First paragraph.",
        },
    ),
    "programmes.experts.services.case_study_publish": (
        OFFICERS,
        lambda w: {"case_study": CaseStudyFactory(council=w.council)},
    ),
    "programmes.experts.services.case_study_unpublish": (
        OFFICERS,
        lambda w: {
            "case_study": experts.case_study_publish(
                case_study=CaseStudyFactory(council=w.council), actor=SYSTEM
            )
        },
    ),
    # Growth Advisers
    "programmes.growth.services.adviser_upsert": (
        OFFICERS,
        lambda w: {
            "name": "Pat Partial",
            "source": AdviserSource.PEER,
            "expertise": ["support_strategy"],
        },
    ),
    "programmes.growth.services.adviser_match": (
        OFFICERS,
        lambda w: {
            "application": growth_award(GrowthCallFactory(), w.council, SYSTEM, SYSTEM),
            "adviser": _adviser(),
        },
    ),
    "programmes.growth.services.adviser_days_log": (
        OFFICERS,
        lambda w: {"application": _matched(w), "worked_on": IN_WINDOW, "days": Decimal("1")},
    ),
    "programmes.growth.services.adviser_day_delete": (
        OFFICERS,
        lambda w: {
            "day": growth.adviser_days_log(
                application=_matched(w), worked_on=IN_WINDOW, days=Decimal("1"), actor=SYSTEM
            )
        },
    ),
    # Adviser days costed into a claim to the adviser's organisation: officers.
    "programmes.growth.services.adviser_days_cost": (
        OFFICERS,
        lambda w: {"application": _logged(w), **_costing_fields()},
    ),
    "programmes.growth.services.adviser_costing_update": (
        OFFICERS,
        lambda w: {
            "costing": growth.adviser_days_cost(
                application=_logged(w), actor=SYSTEM, **_costing_fields()
            ),
            "note": "Checked against the timesheet",
        },
    ),
    # Public page
    "programmes.public.services.initiative_save": (
        OFFICERS,
        lambda w: {"title": "Productivity Experts", "summary": "Help with a project."},
    ),
    # Procurement
    "programmes.procurement.services.workstream_upsert": (
        OFFICERS,
        lambda w: {"slug": "ict", "name": "ICT", "lead_council": w.council},
    ),
    "programmes.procurement.services.board_member_add": (
        OFFICERS,
        lambda w: {
            "workstream": _workstream(w),
            "kind": BoardMemberKind.PBO,
            "organisation": "ESPO",
        },
    ),
    "programmes.procurement.services.objective_set": (
        OFFICERS,
        lambda w: {"workstream": _workstream(w), "text": "Save money", "display_order": 1},
    ),
    "programmes.procurement.services.activity_upsert": (
        OFFICERS,
        lambda w: {"workstream": _workstream(w), "title": "Map frameworks"},
    ),
    "programmes.procurement.services.issue_raise": (
        OFFICERS,
        lambda w: {
            "workstream": _workstream(w),
            "description": "Supplier data late",
            "raised_on": IN_WINDOW,
        },
    ),
    "programmes.procurement.services.deadline_set": (
        OFFICERS,
        lambda w: {"workstream": _workstream(w), "report_to": "The board", "due_on": IN_WINDOW},
    ),
    "programmes.procurement.services.milestone_upsert": (
        OFFICERS,
        lambda w: {"title": "Directive", "due_on": IN_WINDOW, "status": MilestoneStatus.DUE},
    ),
    "programmes.procurement.services.workstream_saving_record": (
        OFFICERS,
        lambda w: (
            _strand("procurement")
            and {
                "workstream": _workstream(w),
                "council": w.council,
                "financial_year": "2013/14",
                "kind": SavingsKind.REALISED,
                "amount": Decimal("250000"),
                "verified": True,
            }
        ),
    ),
    "programmes.procurement.services.workstream_saving_delete": (
        OFFICERS,
        lambda w: (
            _strand("procurement")
            and {
                "saving": procurement.workstream_saving_record(
                    workstream=_workstream(w),
                    council=w.council,
                    financial_year="2013/14",
                    kind=SavingsKind.PROJECTED,
                    amount=Decimal("1000"),
                    actor=SYSTEM,
                )
            }
        ),
    ),
    # Adult Social Care Efficiency
    "programmes.asce.services.asce_return_record": (
        OFFICERS,
        lambda w: (
            _strand("asce")
            and {
                "council": w.council,
                "financial_year": "2013/14",
                "budget": Decimal("1000000"),
                "savings_achieved": Decimal("50000"),
                "projections": {"2014/15": Decimal("60000")},
            }
        ),
    ),
    "programmes.asce.services.asce_return_update": (
        OFFICERS,
        lambda w: {
            "asce_return": _asce_return(w),
            "budget": Decimal("1000000"),
            "savings_achieved": Decimal("70000"),
        },
    ),
    "programmes.asce.services.asce_return_delete": (
        OFFICERS,
        lambda w: {"asce_return": _asce_return(w)},
    ),
    "programmes.asce.services.asce_event_upsert": (
        OFFICERS,
        lambda w: {"title": "ASCE summit", "held_on": date(2014, 3, 1)},
    ),
    "programmes.asce.services.presentation_set": (
        OFFICERS,
        lambda w: {
            "event": _asce_event(),
            "topic": "Reablement",
            "display_order": 1,
            "council": w.council,
        },
    ),
    # Retention
    "applications.retention.bid_anonymise": (
        OFFICERS,
        lambda w: {
            "application": bids.application_decline(
                application=bid_in_assessment(CallFactory(), w.council, SYSTEM, SYSTEM),
                actor=SYSTEM,
                reasons="Out of scope",
                notify=False,
            ),
            "now": timezone.now(),
            "delete_files": False,
        },
    ),
    "applications.retention.account_anonymise": (
        OFFICERS,
        lambda w: {"user": UserFactory(is_active=False)},
    ),
    "applications.retention.anonymise": (OFFICERS, lambda w: {}),
    "programmes.retention.account_anonymise": (
        OFFICERS,
        lambda w: {"user": UserFactory(is_active=False)},
    ),
    # Invitations and accounts (programmes/accounts.py)
    "programmes.accounts.invitation_create": (
        OFFICERS_OR_OWN_LEAD,
        lambda w: {
            "first_name": "Pat",
            "last_name": "Example",
            "email": f"pat{Invitation.objects.count()}@example.org",
            "role": APPLICANT,
            "council": w.council,
            "site_url": "http://testserver",
        },
    ),
    "programmes.accounts.invitation_check": (
        OFFICERS_OR_OWN_LEAD,
        lambda w: {"email": "pat@example.org", "role": APPLICANT, "council": w.council},
    ),
    "programmes.accounts.invitation_resend": (
        OFFICERS_OR_OWN_LEAD,
        lambda w: {"invitation": _invitation(w), "site_url": "http://testserver"},
    ),
    "programmes.accounts.invitation_revoke": (
        OFFICERS_OR_OWN_LEAD,
        lambda w: {"invitation": _invitation(w)},
    ),
    "programmes.accounts.user_deactivate": (
        OFFICERS_OR_OWN_LEAD,
        lambda w: {"user": UserFactory(council=w.council, role=APPLICANT)},
    ),
    "programmes.asce.services.position_report_upsert": (
        OFFICERS,
        lambda w: {
            "slug": "position-2014",
            "title": "Position report 2014",
            "report_date": date(2014, 3, 1),
            "summary": "Where councils stand.",
        },
    ),
    # The admin's edits and deletions, through services (docs/architecture.md, "Writes")
    "programmes.services.council_update": (
        OFFICERS,
        lambda w: {"council": CouncilFactory(), "data": {"short_name": "Renamed"}},
    ),
    "programmes.services.council_delete": (OFFICERS, lambda w: {"council": CouncilFactory()}),
    "programmes.services.strand_update": (
        OFFICERS,
        lambda w: {"strand": _strand("experts"), "data": {"name": "Experts, renamed"}},
    ),
    "programmes.accounts.user_add": (
        OFFICERS,
        lambda w: {"username": "made-in-admin", "password": None, "council": w.council},
    ),
    "programmes.accounts.user_update": (
        OFFICERS,
        lambda w: {
            "user": UserFactory(council=w.council, role=APPLICANT),
            "data": {"first_name": "Changed"},
        },
    ),
    "programmes.accounts.user_delete": (
        OFFICERS,
        lambda w: {"user": UserFactory(council=w.council, role=APPLICANT)},
    ),
    "programmes.asce.services.asce_event_update": (
        OFFICERS,
        lambda w: {"event": _asce_event(), "data": {"venue": "Local Government House"}},
    ),
    "programmes.asce.services.asce_event_delete": (OFFICERS, lambda w: {"event": _asce_event()}),
    "programmes.asce.services.presentation_update": (
        OFFICERS,
        lambda w: {
            "presentation": asce.presentation_set(
                event=_asce_event(),
                topic="Reablement",
                display_order=1,
                actor=SYSTEM,
                council=w.council,
            ),
            "data": {"topic": "Reablement at home"},
        },
    ),
    "programmes.asce.services.presentation_delete": (
        OFFICERS,
        lambda w: {
            "presentation": asce.presentation_set(
                event=_asce_event(),
                topic="Reablement",
                display_order=1,
                actor=SYSTEM,
                council=w.council,
            )
        },
    ),
    "programmes.asce.services.position_report_update": (
        OFFICERS,
        lambda w: {"report": _report(), "data": {"title": "Position report, revised"}},
    ),
    "programmes.asce.services.position_report_delete": (
        OFFICERS,
        lambda w: {"report": _report()},
    ),
    "programmes.growth.services.adviser_update": (
        OFFICERS,
        lambda w: {"adviser": _adviser(), "data": {"biography": "Twenty years in councils."}},
    ),
    "programmes.ope.services.event_delete": (
        OFFICERS,
        lambda w: {
            "event": ope.event_save(
                title="Pilots' workshop", kind=EventKind.WORKSHOP, held_on=IN_WINDOW, actor=SYSTEM
            )
        },
    ),
    "programmes.experts.services.case_study_delete": (
        OFFICERS,
        lambda w: {"case_study": CaseStudyFactory(council=w.council)},
    ),
    "programmes.public.services.initiative_delete": (
        OFFICERS,
        lambda w: {"initiative": InitiativeFactory()},
    ),
    "programmes.procurement.services.workstream_update": (
        OFFICERS,
        lambda w: {"workstream": _workstream(w), "data": {"summary": "Shared frameworks."}},
    ),
    "programmes.procurement.services.workstream_delete": (
        OFFICERS,
        lambda w: {"workstream": _workstream(w)},
    ),
    "programmes.procurement.services.workstream_part_save": (
        OFFICERS,
        lambda w: {
            "part": Objective(workstream=_workstream(w)),
            "data": {"text": "Save money", "display_order": 1},
        },
    ),
    "programmes.procurement.services.workstream_part_delete": (
        OFFICERS,
        lambda w: {
            "part": procurement.objective_set(
                workstream=_workstream(w), text="Save money", display_order=1, actor=SYSTEM
            )
        },
    ),
    "programmes.procurement.services.milestone_create": (
        OFFICERS,
        lambda w: {"title": "Directive", "due_on": IN_WINDOW, "status": MilestoneStatus.DUE},
    ),
    "programmes.procurement.services.milestone_update": (
        OFFICERS,
        lambda w: {"milestone": _milestone(), "data": {"description": "Transposed"}},
    ),
    "programmes.procurement.services.milestone_delete": (
        OFFICERS,
        lambda w: {"milestone": _milestone()},
    ),
}


def _project_packages() -> set[str]:
    base = Path(settings.BASE_DIR)
    return {
        app.name.split(".")[0]
        for app in apps.get_app_configs()
        if (base / app.name.split(".")[0]).is_dir()
    }


# The modules that hold writes: each app's services, retention's, and the
# accounts' (invitations, deactivation).
WRITE_MODULES = ("services", "retention", "accounts")


def _services_modules() -> list[ModuleType]:
    packages = _project_packages()
    modules = []
    for app in apps.get_app_configs():
        if app.name.split(".")[0] not in packages:
            continue
        for name in WRITE_MODULES:
            try:
                modules.append(importlib.import_module(f"{app.name}.{name}"))
            except ModuleNotFoundError as error:
                if error.name != f"{app.name}.{name}":
                    raise
    return modules


def _public_services() -> dict[str, Callable]:
    found = {}
    for module in _services_modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                found[f"{module.__name__}.{name}"] = function
    return found


def _takes_actor(function: Callable) -> bool:
    return "actor" in inspect.signature(function).parameters


def test_the_discovery_finds_the_services_of_every_app():
    names = {name.rsplit(".", 2)[0] for name in _public_services()}
    assert {"applications", "savings", "programmes.ope", "programmes.asce"} <= names


def test_every_service_has_a_rule():
    found = _public_services()
    checked = {name for name, function in found.items() if _takes_actor(function)}
    unchecked = set(found) - checked
    assert checked - set(RULES) == set(), (
        "These services take an actor but have no rule in tests/test_permissions.py RULES: "
        "add who may call them and how to build their arguments"
    )
    assert unchecked - set(INTERNAL) == set(), (
        "These public service functions take no actor: add `actor` and a require_* check "
        "(programmes/permissions.py), or, if they are internal, list them in INTERNAL with why"
    )
    assert set(RULES) - checked == set(), "RULES names services that are gone or take no actor"
    assert set(INTERNAL) - unchecked == set(), "INTERNAL names services that are gone or checked"


def test_every_actor_is_required_and_keyword_only():
    for name, function in _public_services().items():
        if not _takes_actor(function):
            continue
        actor = inspect.signature(function).parameters["actor"]
        assert actor.kind is inspect.Parameter.KEYWORD_ONLY, name
        assert actor.default is inspect.Parameter.empty, f"{name}: actor has a default"


def _counted_tables() -> dict[str, str]:
    packages = _project_packages()
    tables = {
        model._meta.label: model._meta.db_table
        for model in apps.get_models()
        if model.__module__.split(".")[0] in packages
    }
    tables["auditlog.LogEntry"] = LogEntry._meta.db_table
    return tables


def _row_counts() -> dict[str, int]:
    """Every project table's row count (and the audit log's), in one query."""
    tables = _counted_tables()
    quote = connection.ops.quote_name
    # The names are the models' own tables, quoted: nothing from outside.
    counted = (f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables.values())  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(counted)}")  # noqa: S608
        counts = cursor.fetchone()
    return dict(zip(tables, counts, strict=True))


class _Undo(Exception):
    pass


def _attempt(function: Callable, kwargs: dict, before: dict[str, int], actor) -> tuple[str, str]:
    """Call the service as `actor` on a copy of `kwargs` (records built once
    for every persona: the copy keeps one persona's in-memory changes from
    the next), then undo what it wrote. Returns ("refused" | "done", what
    changed in the row counts when refused)."""
    outcome = ("", "")
    try:
        with transaction.atomic():
            try:
                function(**copy.deepcopy(kwargs), actor=actor)
            except PermissionDenied:
                changed = {k: v for k, v in _row_counts().items() if before[k] != v}
                outcome = ("refused", str(changed or ""))
            else:
                outcome = ("done", "")
            raise _Undo
    except _Undo:
        pass
    return outcome


@pytest.mark.django_db
@pytest.mark.parametrize("service", sorted(RULES))
def test_each_persona_is_refused_or_allowed_as_the_rule_says(service, strands):
    function = _public_services()[service]
    allowed, builder = RULES[service]
    world = _world()
    # The records are built once; each persona's call runs in a savepoint
    # that is rolled back, so every persona meets the same records.
    kwargs = builder(world)
    before = _row_counts()
    results = {
        persona: _attempt(function, kwargs, before, world.actors[persona]) for persona in PERSONAS
    }
    expected = {persona: ("done" if persona in allowed else "refused", "") for persona in PERSONAS}
    assert results == expected


@pytest.mark.django_db
def test_a_person_is_stored_as_who_acted_and_the_portal_as_nobody():
    world = _world()
    council_user = world.actors["own_council"]
    by_person = ope.plan_submit(
        plan=ProjectPlanFactory(pilot=PilotFactory(council=world.council)), actor=council_user
    )
    by_portal = ope.plan_submit(
        plan=ProjectPlanFactory(pilot=PilotFactory(council=CouncilFactory())), actor=SYSTEM
    )
    by_person.refresh_from_db()
    by_portal.refresh_from_db()
    assert by_person.submitted_by == council_user
    assert by_portal.submitted_by is None
