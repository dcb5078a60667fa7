"""Officers draft and publish board papers here. Every change goes through
programmes.board.services; a published paper is shown read-only."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from programmes.access import AuthenticatedRequest, authenticated
from programmes.admin_tools import AuditTrailMixin, SafeChoicesMixin, ServiceRefusalMixin
from programmes.board import paper as content
from programmes.board import services
from programmes.board.models import BoardPaper

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


class MeetingDateField(DateInputField):
    """The GOV.UK date input (day, month, year) with messages that say what to fix."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.error_messages["required"] = "Enter the date of the meeting"
        self.error_messages["incomplete"] = "Enter the day, month and year of the meeting"
        for field, what in zip(self.fields, ("day", "month", "year"), strict=True):
            field.error_messages["incomplete"] = f"Enter the {what} of the meeting"
            field.validators[0].message = f"Enter the {what} of the meeting as a number"

    def clean(self, value):
        # GOV.UK's date input takes the month as people write it: "March",
        # "mar" and "3" alike ("March" was refused, issue 27).
        if isinstance(value, list | tuple) and len(value) == 3:
            month = str(value[1] or "").strip().lower()[:3]
            if month in MONTHS:
                value = [value[0], str(MONTHS.index(month) + 1), value[2]]
        return super().clean(value)

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except ValidationError:
            raise ValidationError(
                "Enter a real date for the meeting, for example 17 7 2013", code="invalid"
            ) from None


# The paper's own fields on the form; its narrative is one text box per part
# of each section (narrative_<section>_<part>), gathered by `narrative()`.
MODEL_FIELDS = [name for name in services.EDITABLE if name != "narrative"]
NARRATIVE_HELP = "Paragraphs separated by a blank line; no figures: the portal writes those."


def narrative_parts(section: content.NarrativeSection) -> list[tuple[str, str]]:
    """(form field name, label) for each part of the section's narrative."""
    if not section.figures:
        return [(f"narrative_{section.key}_{content.OPENING}", "Text")]
    return [
        (f"narrative_{section.key}_{content.OPENING}", "Before the portal's paragraphs"),
        (f"narrative_{section.key}_{content.CLOSING}", "After the portal's paragraphs"),
    ]


class BoardPaperForm(forms.ModelForm):
    meeting_date = MeetingDateField(
        label="Date of the meeting", help_text="For example, 17 7 2013", require_all_fields=False
    )

    class Meta:
        model = BoardPaper
        fields = MODEL_FIELDS
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "recommendation": forms.Textarea(attrs={"rows": 2}),
            "action": forms.Textarea(attrs={"rows": 2}),
            "highlights": forms.Textarea(attrs={"rows": 6}),
            "risks": forms.Textarea(attrs={"rows": 6}),
            "events": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "summary": "Leave empty for the summary the portal writes (the strands reported on).",
            "highlights": "Separate paragraphs with a blank line: each becomes a numbered "
            "paragraph after the figures.",
            "risks": "Risks and issues the board should know of: paragraphs separated by a "
            "blank line.",
            "events": "Events held or coming: paragraphs separated by a blank line.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        told = self.instance.narrative if isinstance(self.instance.narrative, dict) else {}
        for section in content.narrative_sections():
            for name, label in narrative_parts(section):
                part = name.rsplit("_", 1)[1]
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=20_000,
                    help_text=NARRATIVE_HELP,
                    widget=forms.Textarea(attrs={"rows": 5}),
                    initial=(told.get(section.key) or {}).get(part, ""),
                )

    def narrative(self) -> dict[str, dict[str, str]]:
        """The narrative as the service stores it, from the text boxes."""
        told: dict[str, dict[str, str]] = {}
        for section in content.narrative_sections():
            for name, _label in narrative_parts(section):
                text = self.cleaned_data.get(name) or ""
                if text.strip():
                    told.setdefault(section.key, {})[name.rsplit("_", 1)[1]] = text
        return told


@admin.register(BoardPaper)
class BoardPaperAdmin(AuditTrailMixin, SafeChoicesMixin, ServiceRefusalMixin, admin.ModelAdmin):
    form = BoardPaperForm
    list_display = ["title", "board", "meeting_date", "state", "published_at"]
    list_filter = ["state", "board"]
    search_fields = ["title", "board", "contact_name"]
    date_hierarchy = "meeting_date"
    fieldsets = [
        ("Meeting", {"fields": ["board", "meeting_date", "agenda_item", "figures_date", "title"]}),
        (
            "Contact officer",
            {"fields": ["contact_name", "contact_position", "contact_phone", "contact_email"]},
        ),
        ("Front sheet", {"fields": ["purpose", "summary", "recommendation", "action"]}),
        (
            "Other narrative (written by the officer)",
            {"fields": ["highlights", "risks", "events"]},
        ),
    ]

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        # The narrative's text boxes are the form's own, not the model's.
        kwargs["fields"] = MODEL_FIELDS
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None or not obj.is_published:
            # A section's narrative, in the paper's order, before the older fields.
            told: list[Any] = [
                (
                    f"Narrative: {section.heading}",
                    {"fields": [name for name, _label in narrative_parts(section)]},
                )
                for section in content.narrative_sections()
            ]
            fieldsets[3:3] = told
        if obj is not None:
            fieldsets.insert(
                0,
                ("Paper", {"fields": ["state", "next_step", "published_at"]}),
            )
            fieldsets.append(
                (
                    "The paper as the board will read it (narrative and the portal's paragraphs)",
                    {"fields": ["data_paragraphs"]},
                )
            )
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        shown = ["state", "next_step", "published_at", "data_paragraphs"]
        if obj is not None and obj.is_published:
            return [*shown, *services.EDITABLE]
        return shown

    def get_actions(self, request: HttpRequest) -> dict:
        # Deleting goes through the service (drafts only), one paper at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_published:
            return False  # shown read-only: a published paper never changes
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: BoardPaper, form, change: bool) -> None:
        actor = authenticated(request).user
        fields = {name: form.cleaned_data[name] for name in MODEL_FIELDS}
        fields["narrative"] = form.narrative()
        if change:
            saved = services.paper_update(paper=obj, actor=actor, **fields)
        else:
            saved = services.paper_create(actor=actor, **fields)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: BoardPaper) -> None:
        services.paper_delete(paper=obj, actor=authenticated(request).user)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for paper in queryset:
            services.paper_delete(paper=paper, actor=authenticated(request).user)

    def delete_view(self, request, object_id, extra_context=None):
        # Published (or deleted) by a colleague meanwhile: say so, not a
        # server error (the service refuses under the row's lock) or a 403.
        paper = BoardPaper.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        publishing_raced = paper is not None and paper.is_published
        if request.method == "POST" and publishing_raced and self.has_delete_permission(request):
            self.message_user(request, services.PUBLISHED_IS_FINAL, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:board_boardpaper_change", args=[paper.pk]))
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:board_boardpaper_changelist"))

    @admin.display(description="Next step")
    def next_step(self, obj: BoardPaper) -> str:
        read = reverse("board:paper", args=[obj.pk])
        if obj.is_published:
            return format_html(
                'Published: <a href="{}">read it as the board does</a>. It can no longer change.',
                read,
            )
        publish = reverse("admin:board_boardpaper_publish", args=[obj.pk])
        return format_html(
            '<a href="{}">Preview the draft as the board will read it</a> · '
            '<a href="{}">Publish the paper</a>',
            read,
            publish,
        )

    @admin.display(description="Paragraphs")
    def data_paragraphs(self, obj: BoardPaper) -> str:
        """What the portal writes, as it stands now (a draft) or as published."""
        view = content.paper_view(obj)
        note = f"Figures as at {view.figures_date:%-d %B %Y}" + (
            ", as published." if obj.is_published else ": they change until published."
        )
        officer = {"highlights", "risks", "events"}
        sections = format_html_join(
            "",
            "<h4>{}</h4><ol>{}</ol>",
            (
                (
                    section.heading,
                    format_html_join(
                        "", '<li value="{}">{}</li>', ((n, text) for n, text in section.numbered)
                    ),
                )
                for section in view.sections
                if section.key not in officer
            ),
        )
        return format_html("<p>{}</p>{}", note, sections)

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/publish/",
                wrap(self.publish_view),
                name="board_boardpaper_publish",
            ),
            *super().get_urls(),
        ]

    def publish_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        found = BoardPaper.objects.filter(pk=pk).first()
        if found is None and request.method == "POST":
            # Deleted by a colleague since the page was opened.
            self.message_user(request, services.DELETED_MEANWHILE, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:board_boardpaper_changelist"))
        if found is None:
            raise Http404("No such paper.")
        # Opens for any paper; publishing one already published is refused,
        # with a message, by the service.
        if not self.has_view_permission(request, found):
            raise PermissionDenied
        if request.method == "POST":
            try:
                services.paper_publish(paper=found, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                if exc.messages == [services.DELETED_MEANWHILE]:
                    return HttpResponseRedirect(reverse("admin:board_boardpaper_changelist"))
            else:
                self.message_user(
                    request,
                    f"{found}: published. Its figures are kept as they are now, and its "
                    "PDF is being printed.",
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(reverse("admin:board_boardpaper_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Publish the paper",
            "paper": found,
        }
        return TemplateResponse(request, "admin/board/publish.html", context)
