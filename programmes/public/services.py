"""Writes to the public page's initiatives. One transaction each.

Who may act (programmes/permissions.py): LGA officers only (`require_officer`).
"""

from __future__ import annotations

from django.db import transaction

from programmes.models import Strand
from programmes.permissions import Actor, require_officer
from programmes.public.models import Initiative


@transaction.atomic
def initiative_save(
    *,
    title: str,
    summary: str,
    actor: Actor,
    initiative: Initiative | None = None,
    strand: Strand | None = None,
    link_url: str = "",
    display_order: int = 0,
    published: bool = False,
) -> Initiative:
    """Create or change an initiative, and say whether the public sees it."""
    require_officer(actor)
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
