"""Officers edit the public page's initiatives here, through the service."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest

from programmes.access import AuthenticatedRequest, authenticated
from programmes.public import services
from programmes.public.models import Initiative


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["title", "strand", "display_order", "published", "updated_at"]
    list_filter = ["published", "strand"]
    search_fields = ["title", "summary"]
    list_select_related = ["strand"]
    fields = ["title", "summary", "strand", "link_url", "display_order", "published"]
    actions = ["publish_selected", "unpublish_selected"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Links typed without a scheme are taken as https (Django 6's default).
        if db_field.name == "link_url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Initiative, form, change: bool) -> None:
        data = form.cleaned_data
        obj.pk = services.initiative_save(
            initiative=obj,
            actor=authenticated(request).user,
            title=data["title"],
            summary=data["summary"],
            strand=data["strand"],
            link_url=data["link_url"],
            display_order=data["display_order"],
            published=data["published"],
        ).pk

    def delete_model(self, request: HttpRequest, obj: Initiative) -> None:
        services.initiative_delete(initiative=obj, actor=authenticated(request).user)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for initiative in queryset:
            services.initiative_delete(initiative=initiative, actor=authenticated(request).user)

    def _set_published(self, request: AuthenticatedRequest, queryset, published: bool) -> None:
        for initiative in queryset:
            services.initiative_save(
                initiative=initiative,
                actor=request.user,
                title=initiative.title,
                summary=initiative.summary,
                strand=initiative.strand,
                link_url=initiative.link_url,
                display_order=initiative.display_order,
                published=published,
            )
        shown = "shown on" if published else "taken off"
        self.message_user(request, f"{len(queryset)} {shown} the public page", messages.SUCCESS)

    @admin.action(description="Show the selected initiatives on the public page")
    def publish_selected(self, request: AuthenticatedRequest, queryset) -> None:
        self._set_published(request, queryset.select_related("strand"), True)

    @admin.action(description="Take the selected initiatives off the public page")
    def unpublish_selected(self, request: AuthenticatedRequest, queryset) -> None:
        self._set_published(request, queryset.select_related("strand"), False)
