"""The audit log's own admin list, read-only, with one fix to the library's.

auditlog's "Resource type" filter passes the query string straight to an id
lookup, so `?resource_type=abc` is a server error; here a value that is not
an id filters to nothing instead.
"""

from __future__ import annotations

from auditlog.admin import LogEntryAdmin
from auditlog.filters import CIDFilter, ResourceTypeFilter
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType

from programmes import audit


class SafeResourceTypeFilter(ResourceTypeFilter):
    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(content_type_id=int(value))


class AuditLogEntryAdmin(LogEntryAdmin):
    list_filter = ["action", SafeResourceTypeFilter, CIDFilter]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        restricted = [
            ContentType.objects.get_by_natural_key(*label.lower().split(".")).pk
            for label in audit.RESTRICTED
        ]
        return queryset.exclude(content_type_id__in=restricted)


admin.site.unregister(LogEntry)
admin.site.register(LogEntry, AuditLogEntryAdmin)
