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


admin.site.unregister(LogEntry)
admin.site.register(LogEntry, AuditLogEntryAdmin)
