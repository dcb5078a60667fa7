"""A Productivity Experts bid's own answers (board paper paras 6-9)."""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse

from savings.years import validate_financial_year

# The savings page's per-year fields are named like savings_2013_14.
PROJECTION_KEY = re.compile(r"^savings_(\d{4})_(\d{2})$")


class ExpertsBidDetail(models.Model):
    """What expert a council needs, what they will do, and the savings expected.

    Funding requested and the councils served are on the bid itself
    (`Application.amount_requested`, `partner_councils`): the generic
    lifecycle checks them against the call's limits.
    """

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="experts_detail"
    )
    expertise_field = models.CharField("Field of expertise needed", max_length=200, blank=True)
    expert_role = models.TextField("What the expert will do", blank=True)
    savings_target = models.DecimalField(
        "Savings target", max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "Productivity Experts bid detail"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(savings_target__isnull=True) | models.Q(savings_target__gte=0),
                name="experts_savings_target_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"Experts detail of {self.application_id}"

    def projections_by_year(self) -> dict[str, Decimal]:
        return {row.financial_year: row.amount for row in self.projections.all()}

    @transaction.atomic
    def save_extra_answers(self, cleaned_data: dict) -> None:
        """Write the projected savings per financial year (called by the bid service)."""
        for key, amount in cleaned_data.items():
            match = PROJECTION_KEY.match(key)
            if match is None:
                continue
            year = f"{match.group(1)}/{match.group(2)}"
            if amount is None:
                self.projections.filter(financial_year=year).delete()
            else:
                self.projections.update_or_create(financial_year=year, defaults={"amount": amount})


class ExpertsSavingsProjection(models.Model):
    """Projected savings for one financial year, as the bid states them."""

    detail = models.ForeignKey(
        ExpertsBidDetail, on_delete=models.CASCADE, related_name="projections"
    )
    financial_year = models.CharField(max_length=7, validators=[validate_financial_year])
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["detail", "financial_year"], name="one_projection_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="projection_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"£{self.amount:,} in {self.financial_year}"


ENDS_BEFORE_START = "The end date must be the same as or after the start date"


class Appointment(models.Model):
    """An expert appointment made from an approved bid (board paper para 8).

    One appointment can serve several councils: the bid's lead council and
    its partners. The award is the bid's, copied when the appointment is made
    so the record reads on its own; the money is the bid's investment.
    """

    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="appointment"
    )
    expertise_field = models.CharField("Field of expertise", max_length=200)
    councils = models.ManyToManyField(
        "programmes.Council", related_name="expert_appointments", verbose_name="councils served"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    award = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="experts_appointment_ends_after_start",
                violation_error_message=ENDS_BEFORE_START,
            ),
            models.CheckConstraint(
                condition=models.Q(award__gt=0), name="experts_appointment_award_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expertise_field} ({self.application.reference})"

    def clean(self) -> None:
        # Mirrors experts_appointment_ends_after_start, with words for the form.
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": ENDS_BEFORE_START})


class CaseStudyState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class CaseStudy(models.Model):
    """A case study of an appointment: drafted, then published by an officer (para 9).

    Only published case studies appear on the public page; a draft's address
    is "not found" to the public.
    """

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True, help_text="The end of its public address")
    council = models.ForeignKey(
        "programmes.Council", on_delete=models.PROTECT, related_name="case_studies"
    )
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="case_studies"
    )
    summary = models.CharField(max_length=300, help_text="One or two sentences for the list")
    body = models.TextField(help_text="Paragraphs separated by a blank line")
    state = models.CharField(
        max_length=20, choices=CaseStudyState.choices, default=CaseStudyState.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "title"]
        verbose_name_plural = "case studies"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="published") | models.Q(published_at__isnull=False),
                name="experts_published_case_study_has_date",
            ),
        ]
        indexes = [
            # The public page: WHERE state = 'published' ORDER BY published_at DESC.
            models.Index(fields=["state", "-published_at"], name="experts_case_study_public"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("public:item", kwargs={"section": "case-studies", "slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.state == CaseStudyState.PUBLISHED

    @property
    def paragraphs(self) -> list[str]:
        return [part.strip() for part in self.body.split("\n\n") if part.strip()]
