"""Reads of notices that pages share."""

from __future__ import annotations

from django.db.models import Prefetch

from programmes.notices.models import Notice


def latest_notices() -> Prefetch:
    """Prefetch each row's notices newest first (`row.notices.all()[0]` is the
    latest), e.g. an invitation's emails on the team page and in the admin."""
    return Prefetch("notices", queryset=Notice.objects.order_by("-created_at", "-pk"))
