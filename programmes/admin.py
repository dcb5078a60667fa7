from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from programmes import audit_admin  # noqa: F401  (the audit log's list, read-only)
from programmes.admin_tools import SafeChoicesMixin
from programmes.models import Council, Strand, User


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "short_name",
        "gss_code",
        "register_code",
        "kind",
        "region",
        "abolished_on",
    ]
    list_filter = ["kind", "region", ("abolished_on", admin.EmptyFieldListFilter)]
    search_fields = ["name", "short_name", "gss_code", "register_code"]
    ordering = ["name"]


@admin.register(Strand)
class StrandAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "display_order"]
    ordering = ["display_order"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Strands are the registry's five; everything else refers to them.
        return False


@admin.register(User)
class UserAdmin(SafeChoicesMixin, DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "council", "is_staff"]
    list_filter = ["groups", "is_staff", "is_active", "council__region"]
    list_select_related = ["council"]
    autocomplete_fields = ["council"]
    search_fields = ["username", "first_name", "last_name", "email", "council__name"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Council", {"fields": ("council",)}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Council", {"fields": ("council",)}),
    )
