"""One Public Estate bid details."""

import pytest

from applications import services
from applications.sections import section_statuses
from tests.applications.bids import bid_completed

pytestmark = pytest.mark.django_db


def test_an_ope_bid_asks_for_partners_assets_and_plan(ope_call, council_a, applicant_a):
    application = services.application_create(call=ope_call, council=council_a, actor=applicant_a)
    slugs = [s.section.slug for s in section_statuses(application)]
    assert slugs == ["about", "councils", "funding", "partner-bodies", "assets", "plan"]


def test_a_complete_ope_bid_can_be_sent(ope_call, council_a, applicant_a):
    application = bid_completed(ope_call, council_a, applicant_a)
    application = services.application_submit(application=application, actor=applicant_a)
    assert application.state == "submitted"
    assert application.ope_detail.assets == "Town hall; fire station"
    assert application.reference.startswith("OPE-")
