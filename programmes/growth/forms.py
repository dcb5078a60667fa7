"""The Local Economic Growth Advisers question pages (one topic each)."""

from __future__ import annotations

from crispy_forms_gds.layout import Field
from django import forms

from applications.forms import SectionForm
from programmes.growth.models import SUPPORT_AREAS, GrowthBidDetail


class ProjectForm(SectionForm):
    slug = "project"
    title = "Your project"

    class Meta:
        model = GrowthBidDetail
        fields = ["project"]
        labels = {"project": "Describe the project an adviser would help with"}
        help_texts = {"project": "What you want to achieve for your local economy, and by when"}
        widgets = {"project": forms.Textarea(attrs={"rows": 6})}

    required_fields = ("project",)
    error_texts = {"project": "Describe the project"}

    def layout_fields(self) -> list:
        return [Field.textarea("project")]


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


class LocalPartnersForm(SectionForm):
    slug = "local-partners"
    title = "Sub-region and LEP"

    class Meta:
        model = GrowthBidDetail
        fields = ["sub_region", "lep", "lep_deal"]
        labels = {
            "sub_region": "Sub-region",
            "lep": "Local Enterprise Partnership (LEP)",
            "lep_deal": "Any LEP deal this work relates to (optional)",
        }
        help_texts = {"lep_deal": "Leave blank if there is none"}
        widgets = {"lep_deal": forms.Textarea(attrs={"rows": 3})}

    required_fields = ("sub_region", "lep")
    error_texts = {
        "sub_region": "Enter your sub-region",
        "lep": "Enter your Local Enterprise Partnership",
    }

    def layout_fields(self) -> list:
        return [Field.text("sub_region"), Field.text("lep"), Field.textarea("lep_deal")]
