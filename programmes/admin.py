from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from programmes import (
    accounts,
    audit_admin,  # noqa: F401  (the audit log's list, read-only)
    services,
)
from programmes.access import AuthenticatedRequest, authenticated
from programmes.admin_tools import (
    AuditTrailMixin,
    SafeChoicesMixin,
    ServiceRefusalMixin,
    action_report,
    form_data,
)
from programmes.forms import posted, service_errors
from programmes.models import Council, Invitation, Strand, User
from programmes.notices.selectors import latest_notices
from programmes.permissions import MANAGE_ACCOUNTS
from programmes.selectors import council_predecessors, council_successors_problem
from programmes.validators import validate_one_line

# Fields that make someone an administrator or give them permissions outside
# their role. Officers manage accounts in the admin but cannot raise anyone,
# themselves included, above an officer: only superusers change these (shown
# read-only here, refused by accounts.user_update).
SUPERUSER_ONLY_FIELDS = accounts.SUPERUSER_ONLY_FIELDS


# What an officer edits of a council: the register's fields.
COUNCIL_FIELDS = [
    "name",
    "short_name",
    "gss_code",
    "register_code",
    "kind",
    "region",
    "created_on",
    "abolished_on",
    "abolition_note",
    "successors",
]


class CouncilAdminForm(forms.ModelForm):
    """The register's rules on successors, said on the form (the service
    refuses the same: programmes.selectors.council_successors_problem)."""

    class Meta:
        model = Council
        fields = COUNCIL_FIELDS

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        successors = cleaned.get("successors")
        if successors is not None and "abolished_on" not in self.errors:
            problem = council_successors_problem(
                council=self.instance,
                successors=successors,
                abolished_on=cleaned.get("abolished_on"),
            )
            if problem:
                self.add_error("successors", problem)
        return cleaned


@admin.register(Council)
class CouncilAdmin(SafeChoicesMixin, AuditTrailMixin, ServiceRefusalMixin, admin.ModelAdmin):
    form = CouncilAdminForm
    list_display = [
        "name",
        "short_name",
        "gss_code",
        "register_code",
        "kind",
        "region",
        "created_on",
        "abolished_on",
        "successor_names",
    ]
    list_filter = ["kind", "region", ("abolished_on", admin.EmptyFieldListFilter)]
    search_fields = ["name", "short_name", "gss_code", "register_code"]
    ordering = ["name"]
    autocomplete_fields = ["successors"]
    readonly_fields = ["predecessor_names"]
    fields = [*COUNCIL_FIELDS, "predecessor_names"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Council]:
        return super().get_queryset(request).prefetch_related("successors")

    @admin.display(description="Successors")
    def successor_names(self, obj: Council) -> str:
        return ", ".join(council.name for council in obj.successors.all()) or "-"

    @admin.display(description="Predecessors")
    def predecessor_names(self, obj: Council) -> str:
        """The councils whose area this one took over, and theirs (the
        register's successors, read the other way)."""
        if obj.pk is None:
            return "-"
        return ", ".join(council.name for council in council_predecessors(obj)) or "-"

    def save_model(self, request: HttpRequest, obj: Council, form, change: bool) -> None:
        actor = authenticated(request).user
        data = form_data(form, services.COUNCIL_FIELDS)
        if change:
            services.council_update(council=obj, data=data, actor=actor)
            return
        obj.pk = services.council_upsert(actor=actor, **data).pk

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # The service has set the successors (no inlines).
        return None

    def delete_model(self, request: HttpRequest, obj: Council) -> None:
        services.council_delete(council=obj, actor=authenticated(request).user)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for council in queryset:
            services.council_delete(council=council, actor=authenticated(request).user)


@admin.register(Strand)
class StrandAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "display_order"]
    ordering = ["display_order"]

    def has_add_permission(self, request) -> bool:
        # Strands are the registry's (programmes/strands.py): `strands_sync`
        # makes one row per entry, so every key there could be added has one.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Strands are the registry's five; everything else refers to them.
        return False

    def save_model(self, request: HttpRequest, obj: Strand, form, change: bool) -> None:
        data = form_data(form, ["key", "name", "display_order"])
        services.strand_update(strand=obj, data=data, actor=authenticated(request).user)


class AccountPasswordForm(AdminPasswordChangeForm):
    """The admin's "set password" form, with the reason the owner is told; a
    password is set (never switched off) here."""

    usable_password = None
    reason = forms.CharField(
        label="Why are you setting it?",
        help_text="The person is emailed this reason; it is kept in the audit trail.",
        max_length=500,
        widget=forms.Textarea({"rows": 3, "cols": 60}),
    )


@admin.register(User)
class UserAdmin(SafeChoicesMixin, AuditTrailMixin, DjangoUserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "council",
        "is_council_lead",
        "is_finance_officer",
        "is_active",
        "is_staff",
    ]
    list_filter = [
        "groups",
        "is_staff",
        "is_active",
        "is_council_lead",
        "is_finance_officer",
        "council__region",
    ]
    list_select_related = ["council"]
    autocomplete_fields = ["council"]
    search_fields = ["username", "first_name", "last_name", "email", "council__name"]
    actions = ["deactivate"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Council", {"fields": ("council", "is_council_lead", "is_finance_officer")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Council", {"fields": ("council",)}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += SUPERUSER_ONLY_FIELDS
        return fields

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # A superuser's account (its password included) is changed only by
        # a superuser: an officer could otherwise take it over.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request: HttpRequest, id: str, form_url: str = ""):
        """Setting someone's password takes their account over: only an officer
        who manages accounts, with a reason; never their own (the account page
        asks for the old one) nor a superuser's (unless a superuser), through
        accounts.account_password_set, which tells the owner."""
        actor = authenticated(request).user
        if not actor.has_perm(MANAGE_ACCOUNTS):
            raise PermissionDenied
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404("No user with this number")
        form = AccountPasswordForm(user, posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                accounts.account_password_set(
                    actor=actor,
                    user=user,
                    password=form.cleaned_data["password1"],
                    reason=form.cleaned_data["reason"],
                )
            except PermissionDenied as refused:
                form.add_error(None, str(refused))
            except ValidationError as error:
                service_errors(form, error)
            else:
                self.message_user(
                    request,
                    f"{user.username}'s password is set; they have been told",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:programmes_user_change", args=[user.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Set the password of {user.get_username()}",
            "adminForm": helpers.AdminForm(
                form,  # type: ignore[arg-type]  # the stubs want a ModelForm; any form works
                [(None, {"fields": list(form.base_fields)})],
                {},
            ),
            "form_url": form_url,
            "form": form,
            "is_popup": False,
            "add": True,
            "change": False,
            "has_delete_permission": False,
            "has_change_permission": True,
            "has_absolute_url": False,
            "opts": self.opts,
            "original": user,
            "save_as": False,
            "show_save": True,
        }
        # Its own template: Django's names the password fields one by one,
        # so it would show neither the reason nor a refusal.
        return TemplateResponse(request, "admin/programmes/user/set_password.html", context)

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        actor = authenticated(request).user
        if change:
            # Unticking "active" ends the person's sessions (in the service),
            # as the deactivate action and a council lead's page do.
            accounts.user_update(actor=actor, user=obj, data=form_data(form, accounts.USER_FIELDS))
            return
        usable = form.cleaned_data.get("set_usable_password", True)
        created = accounts.user_add(
            actor=actor,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"] if usable else None,
            council=form.cleaned_data.get("council"),
        )
        obj.pk = created.pk

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # Groups and permissions were set by accounts.user_update.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        accounts.user_delete(actor=authenticated(request).user, user=obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for user in queryset:
            accounts.user_delete(actor=authenticated(request).user, user=user)

    @admin.action(description="Deactivate the selected users (they cannot sign in)")
    def deactivate(self, request: AuthenticatedRequest, queryset) -> None:
        action_report(
            self,
            request,
            queryset,
            lambda user: accounts.user_deactivate(actor=request.user, user=user),
            "Deactivated",
            label=lambda user: user.username,
        )


class InvitationAddForm(forms.ModelForm):
    """An officer's invitation: the service's checks run here first, so a
    refusal is a field error, not a server error."""

    class Meta:
        model = Invitation
        fields = [
            "first_name",
            "last_name",
            "email",
            "role",
            "council",
            "is_council_lead",
            "is_finance_officer",
        ]

    request: HttpRequest

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name"):
            self.fields[name].validators.append(validate_one_line)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            cleaned["email"] = accounts.invitation_check(
                actor=self.request.user,
                email=cleaned["email"],
                role=cleaned["role"],
                council=cleaned.get("council"),
                is_council_lead=cleaned.get("is_council_lead", False),
                is_finance_officer=cleaned.get("is_finance_officer", False),
            )
        except ValidationError as error:
            service_errors(self, error)
        except PermissionDenied as denied:
            self.add_error(None, str(denied))
        return cleaned


@admin.register(Invitation)
class InvitationAdmin(SafeChoicesMixin, AuditTrailMixin, admin.ModelAdmin):
    """Officers invite people here; the email's link makes the account.
    An invitation is never edited: it is sent again (a new link) or revoked."""

    list_display = [
        "email",
        "full_name",
        "role",
        "council",
        "is_council_lead",
        "is_finance_officer",
        "status_label",
        "email_delivery",
        "expires_at",
        "invited_by",
        "created_at",
    ]
    list_filter = ["role", "is_council_lead", "is_finance_officer"]
    list_select_related = ["council", "invited_by"]
    search_fields = ["email", "first_name", "last_name", "council__name"]
    autocomplete_fields = ["council"]
    actions = ["resend", "revoke"]
    readonly_fields = [
        "status_label",
        "email_delivery",
        "invited_by",
        "created_at",
        "accepted_at",
        "user",
    ]
    fields = [
        "first_name",
        "last_name",
        "email",
        "role",
        "council",
        "is_council_lead",
        "is_finance_officer",
        "status_label",
        "email_delivery",
        "expires_at",
        "invited_by",
        "created_at",
        "accepted_at",
        "user",
        "revoked_at",
    ]

    @admin.display(description="status")
    def status_label(self, obj: Invitation) -> str:
        return obj.get_status_display()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        return super().get_queryset(request).prefetch_related(latest_notices())

    @admin.display(description="email")
    def email_delivery(self, obj: Invitation) -> str:
        """The invitation email's notice (programmes.notices): a failed one is
        sent again with the "send again" action, or from the notices list."""
        notice = next(iter(obj.notices.all()), None)
        return notice.delivery if notice else "No email recorded"

    def get_fields(self, request: HttpRequest, obj=None):
        return InvitationAddForm.Meta.fields if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [] if obj is None else self.fields

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = InvitationAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # type: ignore[attr-defined]  # read by InvitationAddForm.clean
        return form

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Revoked, not deleted: the list keeps who was invited, and by whom.
        return False

    def save_model(self, request: HttpRequest, obj: Invitation, form, change: bool) -> None:
        created = accounts.invitation_create(
            actor=authenticated(request).user,
            first_name=obj.first_name,
            last_name=obj.last_name,
            email=obj.email,
            role=obj.role,
            council=obj.council,
            is_council_lead=obj.is_council_lead,
            is_finance_officer=obj.is_finance_officer,
            site_url=request.build_absolute_uri("/"),
        )
        # The admin goes on to log and redirect to this object.
        obj.pk = created.pk
        obj.token_hash = created.token_hash
        obj.expires_at = created.expires_at

    def response_add(self, request: HttpRequest, obj: Invitation, post_url_continue=None):
        # Say what happened (an email went), not Django's "was added".
        self.message_user(
            request,
            f"An invitation has been emailed to {obj.email}. Its link works once, "
            f"until {timezone.localtime(obj.expires_at):%d %B %Y, %H:%M}.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:programmes_invitation_changelist"))

    @admin.action(description="Send the selected invitations again", permissions=["add"])
    def resend(self, request: AuthenticatedRequest, queryset) -> None:
        site_url = request.build_absolute_uri("/")
        action_report(
            self,
            request,
            queryset,
            lambda invitation: accounts.invitation_resend(
                actor=request.user, invitation=invitation, site_url=site_url
            ),
            "Sent again",
            label=lambda invitation: invitation.email,
        )

    @admin.action(description="Revoke the selected invitations", permissions=["add"])
    def revoke(self, request: AuthenticatedRequest, queryset) -> None:
        action_report(
            self,
            request,
            queryset,
            lambda row: accounts.invitation_revoke(actor=request.user, invitation=row),
            "Revoked",
            label=lambda invitation: invitation.email,
        )
