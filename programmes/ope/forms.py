"""The One Public Estate question pages (one topic each)."""

from __future__ import annotations

from crispy_forms_gds.layout import Field
from django import forms

from applications.forms import SectionForm
from programmes.ope.models import OpeBidDetail


class PartnersForm(SectionForm):
    slug = "partner-bodies"
    title = "Partner public bodies"

    class Meta:
        model = OpeBidDetail
        fields = ["partner_bodies"]
        labels = {"partner_bodies": "Which other public bodies are partners?"}
        help_texts = {"partner_bodies": "For example, the fire service, the NHS trust, the police"}
        widgets = {"partner_bodies": forms.Textarea(attrs={"rows": 4})}

    required_fields = ("partner_bodies",)
    error_texts = {"partner_bodies": "Enter the partner public bodies"}

    def layout_fields(self) -> list:
        return [Field.textarea("partner_bodies")]


class AssetsForm(SectionForm):
    slug = "assets"
    title = "Assets in scope"

    class Meta:
        model = OpeBidDetail
        fields = ["assets"]
        labels = {"assets": "Which land and buildings are in scope?"}
        help_texts = {"assets": "Name each asset and who owns it"}
        widgets = {"assets": forms.Textarea(attrs={"rows": 6})}

    required_fields = ("assets",)
    error_texts = {"assets": "Enter the assets in scope"}

    def layout_fields(self) -> list:
        return [Field.textarea("assets")]


class PlanForm(SectionForm):
    slug = "plan"
    title = "Outline plan"

    class Meta:
        model = OpeBidDetail
        fields = ["outline_plan"]
        labels = {"outline_plan": "Your outline plan"}
        help_texts = {"outline_plan": "The steps, who does them and by when"}
        widgets = {"outline_plan": forms.Textarea(attrs={"rows": 8})}

    required_fields = ("outline_plan",)
    error_texts = {"outline_plan": "Enter your outline plan"}

    def layout_fields(self) -> list:
        return [Field.textarea("outline_plan")]
