"""Growth Advisers bid details: support areas as typed flags, days on the bid."""

import pytest

from applications import services
from applications.models import Application
from applications.sections import section_statuses

pytestmark = pytest.mark.django_db


def test_the_support_areas_page_is_complete_only_with_one_area(growth_call, council_a, applicant_a):
    application = services.application_create(
        call=growth_call, council=council_a, actor=applicant_a
    )
    status = {s.section.slug: s for s in section_statuses(application)}
    assert not status["support-areas"].complete
    services.application_section_save(
        application=application,
        actor=applicant_a,
        section="support-areas",
        answers={"support_inward_investment": True},
        version=application.version,
    )
    status = {s.section.slug: s for s in section_statuses(application)}
    assert status["support-areas"].complete
    assert Application.objects.get(pk=application.pk).growth_detail.support_areas == [
        "Inward investment"
    ]


def test_growth_bids_have_no_partner_councils_page(growth_call, council_a, applicant_a):
    application = services.application_create(
        call=growth_call, council=council_a, actor=applicant_a
    )
    slugs = [s.section.slug for s in section_statuses(application)]
    assert slugs == ["about", "funding", "project", "support-areas", "local-partners"]
