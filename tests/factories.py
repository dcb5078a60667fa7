"""factory_boy factories: they only create rows, with no business effects."""

import factory
from django.contrib.auth.models import Group

from programmes.models import Council, CouncilKind, Region, User


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council
        django_get_or_create = ("gss_code",)

    name = factory.Sequence(lambda n: f"Testshire District Council {n}")
    short_name = factory.Sequence(lambda n: f"Testshire {n}")
    gss_code = factory.Sequence(lambda n: f"E07{n:06d}")
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
