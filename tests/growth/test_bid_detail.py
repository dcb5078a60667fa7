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


def test_a_round_since_2024_asks_for_the_body_in_the_leps_role_and_a_2013_round_for_the_lep(
    client, growth_call, council_a, applicant_a
):
    """LEPs' functions passed to combined authorities and councils in April
    2024: a 2026 round asking for "your Local Enterprise Partnership" asks for
    something that no longer exists (issue 27). The 2013 round keeps its words."""
    from datetime import datetime

    from django.utils import timezone

    client.force_login(applicant_a)
    today = services.application_create(call=growth_call, council=council_a, actor=applicant_a)
    page = client.get(f"/bids/{today.reference}/questions/local-partners/").content.decode()
    assert "Local growth body" in page
    assert "Any growth deal this work relates to" in page
    assert "Local Enterprise Partnership" not in page

    growth_call.opens_at = timezone.make_aware(datetime(2013, 7, 1))
    growth_call.save(update_fields=["opens_at"])
    old = Application.objects.get(pk=today.pk)
    page = client.get(f"/bids/{old.reference}/questions/local-partners/").content.decode()
    assert "Local Enterprise Partnership (LEP)" in page
    assert "Any LEP deal this work relates to" in page
    answers = client.post(
        f"/bids/{old.reference}/questions/local-partners/",
        {"sub_region": "West Cumbria", "lep": "", "version": str(old.version), "continue": ""},
    ).content.decode()
    assert "Enter your Local Enterprise Partnership" in answers
