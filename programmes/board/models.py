"""Board papers as records (docs/board.md, "Board papers").

An officer drafts a paper for a meeting in the admin: the meeting and its
contact officer, the front sheet (purpose, summary, recommendation, action)
and the narrative only an officer can write (highlights, risks, events). The
figures and the data-driven paragraphs are the portal's, computed while the
paper is a draft. Publishing freezes it: the figures and paragraphs as at that
moment are stored with the paper (`snapshot`), the text can no longer change
(the services refuse, the admin shows it read-only) and the worker prints its
PDF once, kept with it (`pdf`).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models

BOARD = "Improvement and Innovation Board"
TITLE = "Productivity Programme Update"
# A paper's figures are as at its deadline before the meeting unless the
# officer chooses another date: the 2013 paper for the 17 July meeting gave
# its figures "as at 9 July 2013", eight days before (docs/board.md).
FIGURES_DAYS_BEFORE = 8


class PaperState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class BoardPaper(models.Model):
    board = models.CharField(max_length=200, default=BOARD)
    meeting_date = models.DateField()
    # The date its figures are as at; empty: FIGURES_DAYS_BEFORE the meeting.
    figures_date = models.DateField(
        "figures as at",
        null=True,
        blank=True,
        help_text=f"Empty: {FIGURES_DAYS_BEFORE} days before the meeting, the paper's deadline",
    )
    # Where the paper sits on the meeting's agenda ("Item 8"): printed in the
    # PDF's page header, as the source paper carries it on every page.
    agenda_item = models.CharField(
        "Agenda item", max_length=40, blank=True, help_text="For example, Item 8"
    )
    title = models.CharField(max_length=200, default=TITLE)
    contact_name = models.CharField("Contact officer", max_length=200)
    contact_position = models.CharField("Position", max_length=200, blank=True)
    contact_phone = models.CharField("Phone", max_length=40, blank=True)
    contact_email = models.EmailField("Email", blank=True)
    purpose = models.CharField("Purpose of report", max_length=200, default="For information")
    summary = models.TextField(blank=True)
    recommendation = models.TextField(default="To note the progress of the Productivity Programme.")
    action = models.TextField(
        default="Officers to continue to progress the programme in the light of members' guidance."
    )
    # The officer's narrative of each section of the paper (what the source
    # paper "tells"; its figures come from the data): {section key: {"opening":
    # text before the portal's paragraphs, "closing": text after them}}, each
    # text paragraphs separated by a blank line (programmes.board.paper.SECTIONS).
    narrative = models.JSONField(default=dict, blank=True)
    # The officer's older free-standing narrative: paragraphs separated by a blank line.
    highlights = models.TextField(blank=True)
    risks = models.TextField(blank=True)
    events = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=PaperState.choices, default=PaperState.DRAFT)
    # Set once, when published: the figures and data-driven paragraphs as
    # they were at that moment (programmes.board.paper.paper_content).
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # The PDF the worker printed from the snapshot (private storage), or why not.
    pdf = models.CharField(max_length=200, blank=True, editable=False)
    pdf_problem = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-meeting_date", "-pk"]
        indexes = [
            # The board's list and "the previous paper": published, by meeting.
            models.Index(fields=["state", "meeting_date"], name="board_paper_state_meeting"),
        ]

    def __str__(self) -> str:
        return f"{self.title}, {self.board}, {self.meeting_date:%-d %B %Y}"

    @property
    def is_published(self) -> bool:
        return self.state == PaperState.PUBLISHED

    @property
    def figures_as_at(self) -> date:
        """The date the paper's figures are as at: the officer's, or its deadline."""
        return self.figures_date or self.meeting_date - timedelta(days=FIGURES_DAYS_BEFORE)


class OpenDataChange(models.Model):
    """Something a 360Giving grant is made of changed (an approved bid, a
    council, a strand or a round was saved): the prepared open-data files are
    behind until a build that read it removes it. Insert-only, as the rollups'
    outbox (docs/open-data.md, "Prepared by the worker")."""

    marked_at = models.DateTimeField()

    class Meta:
        verbose_name = "open-data change not yet published"

    def __str__(self) -> str:
        return f"Open-data change {self.pk} at {self.marked_at}"


class OpenDataRelease(models.Model):
    """The prepared open-data files being served: one row (pk 1), switched
    in one short transaction when a build has written new files, and the
    build's lease (one build at a time, across processes and machines)."""

    built_at = models.DateTimeField(null=True)
    issued = models.DateField(null=True)
    # What the files depend on besides the data (the OPEN_DATA_* settings,
    # the standard's version, the file format): a file built under another
    # key is not served.
    settings_key = models.CharField(max_length=64, blank=True)
    grant_count = models.PositiveIntegerField(default=0)
    json_name = models.CharField(max_length=200, blank=True)
    json_etag = models.CharField(max_length=64, blank=True)
    csv_name = models.CharField(max_length=200, blank=True)
    csv_etag = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "open-data release"

    def __str__(self) -> str:
        return f"Open data built {self.built_at} ({self.grant_count} grants)"
