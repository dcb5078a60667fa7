"""A One Public Estate bid's own answers (board paper paras 2-5)."""

from __future__ import annotations

from django.db import models


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
