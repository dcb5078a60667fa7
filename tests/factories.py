"""factory_boy factories: they only create rows, with no business effects."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from applications.models import Application, ApplicationState, Call
from programmes.models import Council, CouncilKind, Region, Strand, User
from programmes.strands import get_strand


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council
        django_get_or_create = ("gss_code",)

    name = factory.Sequence(lambda n: f"Testshire District Council {n}")
    short_name = factory.Sequence(lambda n: f"Testshire {n}")
    # Codes no real council has (real districts are E07000xxx): get_or_create
    # by code once returned Allerdale (E07000026, a fixture) as the 27th test
    # council, so a "partner" was the lead itself, depending on test order.
    gss_code = factory.Sequence(lambda n: f"E07{500000 + n:06d}")
    kind = CouncilKind.DISTRICT
    region = Region.NORTH_WEST


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class StrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strand
        django_get_or_create = ("key",)

    key = "experts"
    name = factory.LazyAttribute(lambda s: get_strand(s.key).name)


class CallFactory(factory.django.DjangoModelFactory):
    """An open call for Productivity Experts bids, up to £10,000 (the default)."""

    class Meta:
        model = Call

    strand = factory.SubFactory(StrandFactory)
    title = factory.Sequence(lambda n: f"Test call {n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    assessment_due = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=45)).date())
    # None on calls that award adviser days (GrowthCallFactory).
    max_amount: Decimal | None = Decimal("10000")


class ReportingCallFactory(CallFactory):
    """An Experts call whose awards send quarterly savings returns for a year."""

    return_frequency = "quarterly"
    returns_from = date(2012, 4, 1)
    return_years = 1
    return_line_limit = Decimal("1000000")


class GrowthCallFactory(CallFactory):
    strand = factory.SubFactory(StrandFactory, key="growth")
    max_amount = None
    max_days = 14
    day_rate = Decimal("500")
    support_from = date(2013, 9, 1)
    support_until = date(2014, 2, 28)


class OpeCallFactory(CallFactory):
    strand = factory.SubFactory(StrandFactory, key="ope")
    max_amount = Decimal("23000")


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A sent bid row, without answers or events: for lists that must hold many.
    Bids that go through the journey come from tests/applications/bids.py."""

    class Meta:
        model = Application

    call = factory.SubFactory(CallFactory)
    lead_council = factory.SubFactory(CouncilFactory)
    reference = factory.Sequence(lambda n: f"TEST-2013-{n:06d}")
    title = factory.Sequence(lambda n: f"Test bid {n}")
    state = ApplicationState.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


class PilotFactory(factory.django.DjangoModelFactory):
    """A One Public Estate pilot partnership (wave 1)."""

    class Meta:
        model = "ope.Pilot"

    council = factory.SubFactory(CouncilFactory)
    wave = 1


class ProjectPlanFactory(factory.django.DjangoModelFactory):
    """A pilot's project plan, still being drafted."""

    class Meta:
        model = "ope.ProjectPlan"

    pilot = factory.SubFactory(PilotFactory)
    title = factory.Sequence(lambda n: f"Test project plan {n}")


class CaseStudyFactory(factory.django.DjangoModelFactory):
    """A draft case study."""

    class Meta:
        model = "experts.CaseStudy"

    title = factory.Sequence(lambda n: f"Test case study {n}")
    slug = factory.Sequence(lambda n: f"test-case-study-{n}")
    council = factory.SubFactory(CouncilFactory)
    summary = "What the council did and what it saved."
    body = "First paragraph.\n\nSecond paragraph."


class InitiativeFactory(factory.django.DjangoModelFactory):
    """An initiative not yet shown on the public page."""

    class Meta:
        model = "public.Initiative"

    title = factory.Sequence(lambda n: f"Test initiative {n}")
    summary = "What the initiative offers councils."


def decides_awards(user):
    """Give an officer "decides awards" (applications.workflow), as a manager
    does in the admin; returns them."""
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="applications", codename="decide_awards")
    )
    return user
