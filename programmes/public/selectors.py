"""What the public page may show: published content and open calls, nothing else."""

from __future__ import annotations

from django.db.models import QuerySet

from programmes.public.models import Initiative


def initiatives_published() -> QuerySet[Initiative]:
    return Initiative.objects.filter(published=True).order_by("display_order", "title")
