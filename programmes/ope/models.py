"""A One Public Estate bid's own answers (board paper paras 2-5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class OpeBidDetail(models.Model):
    """The partner public bodies, the assets in scope and the outline plan.

    The resource requested is on the bid itself (`Application.amount_requested`).
    """

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="ope_detail"
    )
    partner_bodies = models.TextField("Partner public bodies", blank=True)
    assets = models.TextField("Assets in scope", blank=True)
    outline_plan = models.TextField("Outline plan", blank=True)

    class Meta:
        verbose_name = "One Public Estate bid detail"

    def __str__(self) -> str:
        return f"OPE detail of {self.application_id}"


class Pilot(models.Model):
    """A council's One Public Estate pilot partnership (board paper paras 2-5).

    The 2013 pilots are the first OPE wave: 12 councils (para 3's footnote),
    following the three waves of the LGA's Capital and Assets Pathfinder.
    """

    council = models.OneToOneField(
        "programmes.Council", on_delete=models.PROTECT, related_name="ope_pilot"
    )
    wave = models.PositiveSmallIntegerField(
        default=1, help_text="The One Public Estate wave the pilot joined (2013 is wave 1)"
    )
    partner_bodies = models.TextField(
        "Partner public bodies",
        blank=True,
        help_text="One a line: the other public bodies sharing property in the pilot",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["wave", "council__name"]
        verbose_name = "pilot partnership"
        constraints = [
            models.CheckConstraint(condition=models.Q(wave__gte=1), name="ope_pilot_wave_from_1")
        ]

    def __str__(self) -> str:
        return f"{self.council} (wave {self.wave})"

    def get_absolute_url(self) -> str:
        return reverse("ope:plan", args=[self.pk])

    @property
    def partner_list(self) -> list[str]:
        return [line.strip() for line in self.partner_bodies.splitlines() if line.strip()]


class PlanState(models.TextChoices):
    DRAFTING = "drafting", "Drafting"
    SUBMITTED = "submitted", "Awaiting sign-off"
    SIGNED_OFF = "signed_off", "Signed off"


PLAN_TAG_CLASSES = {
    PlanState.DRAFTING: "govuk-tag--grey",
    PlanState.SUBMITTED: "govuk-tag--blue",
    PlanState.SIGNED_OFF: "govuk-tag--green",
}


class ProjectPlan(models.Model):
    """A pilot's project plan, signed off by the LGA and then the Cabinet Office (para 5).

    Drafting -> submitted -> signed off. The LGA signs off first; the plan is
    signed off when the Cabinet Office's sign-off is recorded after it
    (docs/strands.md). The Cabinet Office has no accounts on the portal, so
    an LGA officer records its sign-off, naming who gave it.
    """

    pilot = models.OneToOneField(Pilot, on_delete=models.CASCADE, related_name="plan")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    state = models.CharField(max_length=20, choices=PlanState.choices, default=PlanState.DRAFTING)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lga_signed_off_at = models.DateTimeField("LGA signed off at", null=True, blank=True)
    lga_signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="LGA signed off by",
    )
    cabinet_office_signed_off_at = models.DateTimeField(
        "Cabinet Office signed off at", null=True, blank=True
    )
    cabinet_office_signatory = models.CharField(
        "Cabinet Office signatory",
        max_length=200,
        blank=True,
        help_text="The name and role of who signed off for the Cabinet Office",
    )
    cabinet_office_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="Cabinet Office sign-off recorded by",
        help_text="The LGA officer who recorded the Cabinet Office's sign-off",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pilot__council__name"]
        verbose_name = "project plan"
        constraints = [
            # Sign-off order (para 5; docs/strands.md): no Cabinet Office
            # sign-off without the LGA's before it.
            models.CheckConstraint(
                condition=models.Q(cabinet_office_signed_off_at__isnull=True)
                | models.Q(
                    lga_signed_off_at__isnull=False,
                    cabinet_office_signed_off_at__gte=models.F("lga_signed_off_at"),
                ),
                name="ope_plan_cabinet_office_after_lga",
            ),
            models.CheckConstraint(
                condition=models.Q(lga_signed_off_at__isnull=True)
                | models.Q(submitted_at__isnull=False),
                name="ope_plan_lga_signs_a_submitted_plan",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="signed_off")
                | models.Q(cabinet_office_signed_off_at__isnull=False),
                name="ope_plan_signed_off_by_both",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="drafting") | models.Q(submitted_at__isnull=True),
                name="ope_plan_drafting_not_submitted",
            ),
        ]
        indexes = [
            # The admin's queue of plans awaiting sign-off: WHERE state = ?.
            models.Index(fields=["state"], name="ope_plan_state"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def state_tag_class(self) -> str:
        return PLAN_TAG_CLASSES[PlanState(self.state)]

    @property
    def awaiting(self) -> str:
        """Whose sign-off the plan waits for, in words."""
        if self.state == PlanState.DRAFTING:
            return "The council to send the plan"
        if self.lga_signed_off_at is None:
            return "LGA sign-off"
        if self.cabinet_office_signed_off_at is None:
            return "Cabinet Office sign-off"
        return ""


class ResourceAllocation(models.Model):
    """The Cabinet Office resource allocated to a pilot (para 4: about £23,000 each).

    The money itself is an `Investment` recorded through the savings service,
    so it counts in the rollups; this row says which pilot it is for and who
    allocated it.
    """

    pilot = models.ForeignKey(Pilot, on_delete=models.PROTECT, related_name="allocations")
    investment = models.OneToOneField(
        "savings.Investment", on_delete=models.PROTECT, related_name="ope_allocation"
    )
    allocated_at = models.DateTimeField()
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pilot__council__name", "allocated_at"]
        verbose_name = "resource allocation"

    def __str__(self) -> str:
        investment = self.investment
        return f"£{investment.amount:,} to {self.pilot.council} ({investment.financial_year})"


class EventKind(models.TextChoices):
    WORKSHOP = "workshop", "Workshop"
    LAUNCH = "launch", "Launch"
    OTHER = "other", "Other"


class Event(models.Model):
    """A programme event and the organisations that attended (paras 3-4)."""

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    held_on = models.DateField()
    # Para 4 says only "in May": the day is unknown, so the page shows the month.
    month_only = models.BooleanField(
        default=False, help_text="Show only the month: the exact day is not known"
    )
    venue = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    councils = models.ManyToManyField(
        "programmes.Council",
        blank=True,
        related_name="ope_events",
        verbose_name="councils attending",
    )
    other_organisations = models.TextField(
        "Other organisations attending", blank=True, help_text="One a line"
    )

    class Meta:
        ordering = ["held_on"]

    def __str__(self) -> str:
        return f"{self.title} ({self.date_display})"

    @property
    def date_display(self) -> str:
        return f"{self.held_on:%B %Y}" if self.month_only else f"{self.held_on:%-d %B %Y}"

    @property
    def organisation_list(self) -> list[str]:
        return [line.strip() for line in self.other_organisations.splitlines() if line.strip()]
