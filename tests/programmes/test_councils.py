"""Councils carry a valid GSS code that fits their kind."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from programmes.models import Council, CouncilKind, Region
from programmes.permissions import SYSTEM
from programmes.services import council_upsert


def make(**overrides) -> Council:
    fields = {
        "name": "Allerdale Borough Council",
        "short_name": "Allerdale",
        "gss_code": "E07000026",
        "kind": CouncilKind.DISTRICT,
        "region": Region.NORTH_WEST,
    }
    return council_upsert(actor=SYSTEM, **{**fields, **overrides})


@pytest.mark.django_db
def test_it_accepts_a_real_gss_code():
    assert make().gss_code == "E07000026"


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["E0700002", "e07000026", "X07000026", "E07-000026", ""])
def test_it_rejects_a_malformed_gss_code(code):
    with pytest.raises(ValidationError) as caught:
        make(gss_code=code)
    assert "gss_code" in caught.value.message_dict


@pytest.mark.django_db
def test_it_rejects_a_code_for_another_kind_of_council():
    with pytest.raises(ValidationError) as caught:
        make(gss_code="E10000026")  # E10 is a county code; Allerdale is a district
    assert caught.value.message_dict["gss_code"] == [
        "A district or borough council in England has a GSS code starting E07"
    ]


@pytest.mark.django_db
def test_the_database_refuses_a_code_that_skips_validation():
    make()
    with pytest.raises(IntegrityError):
        Council.objects.filter(gss_code="E07000026").update(kind=CouncilKind.COUNTY)


@pytest.mark.django_db
def test_upsert_updates_the_council_with_the_same_code():
    make()
    make(name="Allerdale District Council")
    assert Council.objects.get().name == "Allerdale District Council"


@pytest.mark.django_db
def test_gss_codes_are_unique():
    make()
    with pytest.raises(IntegrityError):
        Council.objects.create(
            name="Another", short_name="A", gss_code="E07000026", kind="district", region="east"
        )
