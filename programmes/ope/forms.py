"""The One Public Estate question pages (one topic each)."""

from __future__ import annotations

from applications.forms import SectionForm
from programmes.forms import (
    LONG_ANSWER_CHARS,
    SHORT_ANSWER_CHARS,
    counted_textarea,
    limited_text,
)
from programmes.ope.models import OpeBidDetail


class PartnersForm(SectionForm):
    slug = "partner-bodies"
    title = "Partner public bodies"

    partner_bodies = limited_text(
        label="Which other public bodies are partners?",
        subject="The partner public bodies",
        max_length=SHORT_ANSWER_CHARS,
        help_text="For example, the fire service, the NHS trust, the police",
        rows=4,
    )

    class Meta:
        model = OpeBidDetail
        fields = ["partner_bodies"]

    required_fields = ("partner_bodies",)
    error_texts = {"partner_bodies": "Enter the partner public bodies"}

    def layout_fields(self) -> list:
        return [counted_textarea(self, "partner_bodies", rows=4)]


class AssetsForm(SectionForm):
    slug = "assets"
    title = "Assets in scope"

    assets = limited_text(
        label="Which land and buildings are in scope?",
        subject="The assets in scope",
        max_length=LONG_ANSWER_CHARS,
        help_text="Name each asset and who owns it",
        rows=6,
    )

    class Meta:
        model = OpeBidDetail
        fields = ["assets"]

    required_fields = ("assets",)
    error_texts = {"assets": "Enter the assets in scope"}

    def layout_fields(self) -> list:
        return [counted_textarea(self, "assets", rows=6)]


class PlanForm(SectionForm):
    slug = "plan"
    title = "Outline plan"

    outline_plan = limited_text(
        label="Your outline plan",
        max_length=LONG_ANSWER_CHARS,
        help_text="The steps, who does them and by when",
        rows=8,
    )

    class Meta:
        model = OpeBidDetail
        fields = ["outline_plan"]

    required_fields = ("outline_plan",)
    error_texts = {"outline_plan": "Enter your outline plan"}

    def layout_fields(self) -> list:
        return [counted_textarea(self, "outline_plan", rows=8)]
