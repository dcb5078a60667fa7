"""Every email notice and what became of it, for officers; failed ones can be sent again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from programmes.admin_tools import ReadOnlyAdmin
from programmes.notices import services
from programmes.notices.models import Notice


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """Every email notice and what became of it; failed ones can be sent again."""

    list_display = ["created_at", "subject", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "audience", "link_kind"]
    search_fields = ["recipient", "subject", "application__reference"]
    list_select_related = ["application"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    fields = [
        "application",
        "invitation",
        "account",
        "link_kind",
        "audience",
        "recipient",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]

    @admin.action(description="Send the selected failed notices again")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Notice]) -> None:
        count = services.notices_resend(notice_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            f"{count:,} failed notice{'' if count == 1 else 's'} queued to send again"
            if count
            else "None of the selected notices had failed: nothing to send again",
            messages.SUCCESS if count else messages.WARNING,
        )
