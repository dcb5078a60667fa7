"""Writes to the public page's initiatives. Officers only; one transaction each."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from programmes.models import Strand, User
from programmes.public.models import Initiative
from programmes.roles import OFFICER, user_role


@transaction.atomic
def initiative_save(
    *,
    title: str,
    summary: str,
    actor: User | None,
    initiative: Initiative | None = None,
    strand: Strand | None = None,
    link_url: str = "",
    display_order: int = 0,
    published: bool = False,
) -> Initiative:
    """Create or change an initiative, and say whether the public sees it."""
    if actor is not None and user_role(actor) != OFFICER:
        raise PermissionDenied("Only LGA officers can do this")
    initiative = initiative or Initiative()
    initiative.title = title
    initiative.summary = summary
    initiative.strand = strand
    initiative.link_url = link_url
    initiative.display_order = display_order
    initiative.published = published
    initiative.full_clean()
    initiative.save()
    return initiative
