"""The Productivity Experts question pages (one topic each)."""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Fieldset, Size
from django.utils import timezone

from applications.forms import SectionForm
from programmes.experts.models import ExpertsBidDetail
from programmes.forms import (
    LONG_ANSWER_CHARS,
    PoundsField,
    counted_textarea,
    limited_text,
    max_length_of,
    too_long,
)
from savings.years import financial_year_of, next_financial_year

# Savings are projected for the call's financial year and the two after it,
# the horizon the board paper's figures use.
PROJECTION_YEARS = 3


class ExpertiseForm(SectionForm):
    slug = "expertise"
    title = "The expert you need"

    expert_role = limited_text(
        label="What the expert will do",
        max_length=LONG_ANSWER_CHARS,
        help_text="What they will do, for how long, and who they will work with",
        rows=6,
    )

    class Meta:
        model = ExpertsBidDetail
        fields = ["expertise_field", "expert_role"]
        help_texts = {
            "expertise_field": "For example, contract negotiation or systems thinking",
        }
        error_messages = {
            "expertise_field": {
                "max_length": too_long(
                    "Field of expertise",
                    max_length_of(ExpertsBidDetail, "expertise_field"),
                )
            }
        }

    required_fields = ("expertise_field", "expert_role")
    error_texts = {
        "expertise_field": "Enter the field of expertise you need",
        "expert_role": "Describe what the expert will do",
    }

    def layout_fields(self) -> list:
        return [Field.text("expertise_field"), counted_textarea(self, "expert_role", rows=6)]


class SavingsForm(SectionForm):
    slug = "savings"
    title = "Savings"

    savings_target = PoundsField(
        label="Savings target",
        required=False,
        help_text="The savings, in pounds, that the council commits to as its target",
    )

    class Meta:
        model = ExpertsBidDetail
        fields = ["savings_target"]

    required_fields = ("savings_target",)
    error_texts = {"savings_target": "Enter the savings target in pounds"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        first = financial_year_of(timezone.localdate(self.application.call.opens_at))
        stored = self.instance.projections_by_year() if self.instance.pk else {}
        self.years = [next_financial_year(first, step) for step in range(PROJECTION_YEARS)]
        self.year_fields = ["savings_" + year.replace("/", "_") for year in self.years]
        for year, name in zip(self.years, self.year_fields, strict=True):
            self.fields[name] = PoundsField(
                label=f"Projected savings in {year}",
                required=False,
                help_text="In pounds. Leave blank if none are expected that year",
            )
            self.initial.setdefault(name, stored.get(year))

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.partial or self.errors:
            return cleaned
        if not any(cleaned.get(name) for name in self.year_fields):
            self.add_error(
                self.year_fields[0], "Enter the savings you project in at least one year"
            )
        return cleaned

    def layout_fields(self) -> list:
        return [
            Fieldset(
                *[Field.text(name) for name in self.year_fields],
                legend="Projected savings by financial year",
                legend_size=Size.MEDIUM,
            ),
            Field.text("savings_target"),
        ]
