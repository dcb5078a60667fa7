"""Appointments made from approved bids, and case studies drafted then published by an
officer (board paper paras 8-9)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from applications import services as bids
from programmes.experts import services
from programmes.experts.models import CaseStudyState
from tests.applications.bids import bid_in_assessment, bid_submitted
from tests.factories import CaseStudyFactory, CouncilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(experts_call, council_a, applicant_a, officer):
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    partner = CouncilFactory(name="Copeland Borough Council", short_name="Copeland")
    bid.partner_councils.add(partner)
    return bids.application_approve(application=bid, actor=officer, award_amount=Decimal("7500"))


def test_an_approved_bid_becomes_an_appointment_serving_lead_and_partners(
    approved, officer, council_a
):
    appointment = services.appointment_create(
        application=approved, starts_on=date(2013, 7, 1), ends_on=date(2013, 12, 31), actor=officer
    )
    assert appointment.expertise_field == approved.experts_detail.expertise_field
    assert appointment.award == Decimal("7500")
    assert {c.short_name for c in appointment.councils.all()} == {"Allerdale", "Copeland"}
    assert appointment.created_by == officer


def test_a_bid_not_yet_approved_cannot_become_an_appointment(
    experts_call, council_a, applicant_a, officer
):
    bid = bid_submitted(experts_call, council_a, applicant_a)
    with pytest.raises(ValidationError, match="appoint an expert only from an approved bid"):
        services.appointment_create(application=bid, starts_on=date(2013, 7, 1), actor=officer)


def test_a_bid_gives_one_appointment_only(approved, officer):
    services.appointment_create(application=approved, starts_on=date(2013, 7, 1), actor=officer)
    with pytest.raises(ValidationError, match="already has an appointment"):
        services.appointment_create(application=approved, starts_on=date(2013, 7, 1), actor=officer)


def test_an_appointment_cannot_end_before_it_starts(approved, officer):
    with pytest.raises(ValidationError, match="same as or after the start"):
        services.appointment_create(
            application=approved,
            starts_on=date(2013, 7, 1),
            ends_on=date(2013, 6, 1),
            actor=officer,
        )


def test_only_officers_make_appointments(approved, applicant_a):
    with pytest.raises(PermissionDenied):
        services.appointment_create(
            application=approved, starts_on=date(2013, 7, 1), actor=applicant_a
        )


def test_an_officer_publishes_a_draft_and_who_and_when_are_recorded(council_a, officer):
    draft = services.case_study_save(
        title="Allerdale",
        slug="allerdale",
        council=council_a,
        summary="Saved money.",
        body="Text.",
        actor=officer,
    )
    assert draft.state == CaseStudyState.DRAFT
    published = services.case_study_publish(case_study=draft, actor=officer)
    assert published.state == CaseStudyState.PUBLISHED
    assert published.published_by == officer
    assert published.published_at is not None


def test_publishing_twice_is_refused(officer):
    study = services.case_study_publish(case_study=CaseStudyFactory(), actor=officer)
    with pytest.raises(ValidationError, match="already published"):
        services.case_study_publish(case_study=study, actor=officer)


def test_unpublishing_returns_a_case_study_to_draft(officer):
    study = services.case_study_publish(case_study=CaseStudyFactory(), actor=officer)
    study = services.case_study_unpublish(case_study=study, actor=officer)
    assert study.state == CaseStudyState.DRAFT
    assert study.published_at is None and study.published_by is None


def test_applicants_and_board_members_cannot_publish(applicant_a, board_member):
    study = CaseStudyFactory()
    for actor in (applicant_a, board_member):
        with pytest.raises(PermissionDenied):
            services.case_study_publish(case_study=study, actor=actor)


def test_the_database_refuses_a_published_case_study_without_a_date():
    study = CaseStudyFactory()
    study.state = CaseStudyState.PUBLISHED
    with pytest.raises(IntegrityError), transaction.atomic():
        study.save()
