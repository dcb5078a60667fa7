"""The Local Economic Growth Advisers question pages (one topic each)."""

from __future__ import annotations

from datetime import date
from typing import cast

from crispy_forms_gds.layout import Field
from django import forms
from django.utils import timezone

from applications.forms import SectionForm
from programmes.forms import (
    LONG_ANSWER_CHARS,
    SHORT_ANSWER_CHARS,
    counted_textarea,
    date_field,
    gds_helper,
    limited_text,
    max_length_of,
    numeric_input,
    too_long,
)
from programmes.growth.models import SUPPORT_AREAS, Adviser, GrowthBidDetail


def _max_length(name: str) -> int:
    return max_length_of(GrowthBidDetail, name)


class ProjectForm(SectionForm):
    slug = "project"
    title = "Your project"

    project = limited_text(
        label="Describe the project an adviser would help with",
        subject="The description of the project",
        max_length=LONG_ANSWER_CHARS,
        help_text="What you want to achieve for your local economy, and by when",
        rows=6,
    )

    class Meta:
        model = GrowthBidDetail
        fields = ["project"]

    required_fields = ("project",)
    error_texts = {"project": "Describe the project"}

    def layout_fields(self) -> list:
        return [counted_textarea(self, "project", rows=6)]


class SupportAreasForm(SectionForm):
    slug = "support-areas"
    title = "Support you need"

    support_areas = forms.MultipleChoiceField(
        label="Which areas do you need support with?",
        help_text="Select all that apply",
        choices=SUPPORT_AREAS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = GrowthBidDetail
        fields: list[str] = []

    required_fields = ("support_areas",)
    error_texts = {"support_areas": "Select at least one area of support"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["support_areas"] = [
            name for name, _ in SUPPORT_AREAS if getattr(self.instance, name)
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = set(cleaned.get("support_areas") or [])
        for name, _ in SUPPORT_AREAS:
            cleaned[name] = name in chosen
        return cleaned

    def layout_fields(self) -> list:
        return [Field.checkboxes("support_areas")]


# Local Enterprise Partnerships' functions passed to combined authorities and
# upper-tier councils from April 2024 (the government's decision of August
# 2023): a round opening since then asks for the body that took on the LEP's
# role, not the LEP (issue 27). The 2013 rounds keep the paper's words.
LEP_ROLE_TRANSFERRED = date(2024, 4, 1)
LOCAL_GROWTH_BODY = "Local growth body"


def asks_for_lep(application) -> bool:
    """Whether the bid's round opened while LEPs still had their role."""
    return timezone.localdate(application.call.opens_at) < LEP_ROLE_TRANSFERRED


class LocalPartnersForm(SectionForm):
    slug = "local-partners"
    title = "Sub-region and local partners"

    lep_deal = limited_text(
        label="Any LEP deal this work relates to (optional)",
        subject="The LEP deal",
        max_length=SHORT_ANSWER_CHARS,
        help_text="Leave blank if there is none",
        rows=3,
    )

    class Meta:
        model = GrowthBidDetail
        fields = ["sub_region", "lep", "lep_deal"]
        labels = {"sub_region": "Sub-region", "lep": "Local Enterprise Partnership (LEP)"}
        error_messages = {
            "sub_region": {"max_length": too_long("Sub-region", _max_length("sub_region"))},
            "lep": {"max_length": too_long("Local Enterprise Partnership", _max_length("lep"))},
        }

    required_fields = ("sub_region", "lep")
    error_texts = {
        "sub_region": "Enter your sub-region",
        "lep": "Enter your Local Enterprise Partnership",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if asks_for_lep(self.application):
            return
        # The same answers (`lep`, `lep_deal`), asked in today's words.
        lep = self.fields["lep"]
        lep.label = (
            f"{LOCAL_GROWTH_BODY} (the combined authority or council that took on the LEP's role)"
        )
        lep.error_messages["max_length"] = too_long(LOCAL_GROWTH_BODY, _max_length("lep"))
        deal = self.fields["lep_deal"]
        deal.label = "Any growth deal this work relates to (optional)"
        deal.error_messages["max_length"] = too_long("The growth deal", SHORT_ANSWER_CHARS)
        self.error_texts = {
            **self.error_texts,
            "lep": "Enter the body that leads on local growth in your area",
        }

    def layout_fields(self) -> list:
        return [
            Field.text("sub_region"),
            Field.text("lep"),
            counted_textarea(self, "lep_deal", rows=3),
        ]


class AdviserDaysForm(forms.Form):
    """An officer logs days of adviser support against an award."""

    worked_on = date_field(
        "When was the support given?",
        "Enter the date the support was given",
        example="27/09/2013",
    )
    days = forms.DecimalField(
        label="How many days?",
        help_text="Whole or half days, like 1 or 1.5",
        max_digits=4,
        decimal_places=1,
        widget=numeric_input(decimal=True, attrs={"class": "govuk-input--width-4"}),
        error_messages={
            "required": "Enter the number of days",
            "invalid": "Enter the number of days as a number, like 1 or 1.5",
            "max_digits": "Enter at most 14 days",
            "max_decimal_places": "Enter days in whole or half days, like 1 or 1.5",
            "max_whole_digits": "Enter at most 14 days",
        },
    )
    description = forms.CharField(
        label="What did the adviser do? (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.text("worked_on", field_width=10),
            Field.text("days"),
            Field.textarea("description"),
            submit="Log days",
        )


class AdviserMatchForm(forms.Form):
    adviser = forms.ModelChoiceField(
        label="Which adviser will support this council?",
        queryset=Adviser.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Select an adviser", "invalid_choice": "Select an adviser"},
    )
    note = forms.CharField(
        label="Note for the record (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, advisers, suggested_ids: set[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["adviser"])
        field.queryset = advisers
        # Suggested advisers first in the page's list is the view's job; the
        # label says which they are, so it is read out by screen readers too.
        field.label_from_instance = lambda adviser: (  # type: ignore[method-assign,assignment]
            f"{adviser.name}{' (suggested)' if adviser.pk in suggested_ids else ''}: "
            f"{adviser.get_source_display()}. Expertise: {', '.join(adviser.expertise) or 'none'}"
        )
        self.helper = gds_helper(
            Field.radios("adviser"), Field.textarea("note"), submit="Match adviser"
        )
