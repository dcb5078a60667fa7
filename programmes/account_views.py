"""Pages for accounts made by invitation: using the link, and a council lead's team.

Officers invite and deactivate in the admin (their workspace); council leads
use these GOV.UK pages. The writes are programmes.accounts' services.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from programmes import accounts
from programmes.access import AuthenticatedRequest, role_required
from programmes.forms import ConfirmForm, InvitationAcceptForm, TeamInviteForm, posted
from programmes.models import Invitation, InvitationStatus, User
from programmes.notices.selectors import latest_notices
from programmes.roles import APPLICANT

# Tokens are 43 characters (secrets.token_urlsafe(32)); anything much longer
# is not one of ours and is not worth hashing.
TOKEN_MAX = 100
# The password backend, named because django-axes's comes first in
# AUTHENTICATION_BACKENDS and login() needs to know which one signs in.
MODEL_BACKEND = "programmes.signedin.SignedInUserBackend"


def _unusable(request: HttpRequest, reason: str) -> HttpResponse:
    status = 404 if reason == "unknown" else 410
    return render(request, "programmes/invitation_unusable.html", {"reason": reason}, status=status)


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation email: set a password, get an account, signed in."""
    invitation = accounts.invitation_for_token(token) if len(token) <= TOKEN_MAX else None
    if invitation is None:
        return _unusable(request, "unknown")
    if invitation.status != InvitationStatus.WAITING:
        return _unusable(request, invitation.status)
    form = InvitationAcceptForm(invitation, posted(request))
    if form.is_valid():
        try:
            user = accounts.invitation_accept(
                token=token, password=form.cleaned_data["new_password1"]
            )
        except accounts.InvitationUnusable as unusable:
            return _unusable(request, unusable.reason)
        except ValidationError as error:
            form.add_error("new_password2", error.messages)
        else:
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, "Your account is ready. You are signed in")
            return redirect("home")
    return render(
        request, "programmes/invitation_accept.html", {"form": form, "invitation": invitation}
    )


def _lead_only(request: AuthenticatedRequest) -> None:
    if not request.user.is_council_lead:
        raise PermissionDenied("Only your council's lead can manage its users")


@never_cache
@role_required(APPLICANT)
def team(request: AuthenticatedRequest) -> HttpResponse:
    """A council lead's colleagues, and the invitations not yet used."""
    _lead_only(request)
    council = request.user.council
    colleagues = User.objects.filter(council=council).order_by("-is_active", "last_name")
    invitations = (
        Invitation.objects.filter(council=council, accepted_at=None, revoked_at=None)
        .prefetch_related(latest_notices())
        .order_by("-created_at")
    )
    context = {"council": council, "colleagues": colleagues, "invitations": invitations}
    return render(request, "programmes/team/team.html", context)


@never_cache
@role_required(APPLICANT)
def team_invite(request: AuthenticatedRequest) -> HttpResponse:
    _lead_only(request)
    council = request.user.council
    form = TeamInviteForm(posted(request), actor=request.user, council=council)
    if form.is_valid():
        invitation = accounts.invitation_create(
            actor=request.user,
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            email=form.cleaned_data["email"],
            role=APPLICANT,
            council=council,
            is_finance_officer=form.cleaned_data["is_finance_officer"],
            site_url=request.build_absolute_uri("/"),
        )
        messages.success(request, f"An invitation has been sent to {invitation.email}")
        return redirect("team")
    context = {"form": form, "council": council, "invitation_days": settings.INVITATION_DAYS}
    return render(request, "programmes/team/invite.html", context)


@never_cache
@role_required(APPLICANT)
def team_deactivate(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    """Confirm, then switch a colleague's account off. Another council's user is 404."""
    _lead_only(request)
    colleague = get_object_or_404(User, pk=user_id, council=request.user.council, is_active=True)
    if colleague.pk == request.user.pk:
        raise Http404("You cannot deactivate your own account")
    form = ConfirmForm(posted(request), submit="Deactivate their account")
    if form.is_valid():
        accounts.user_deactivate(actor=request.user, user=colleague)
        messages.success(request, f"{colleague.display_name}'s account has been deactivated")
        return redirect("team")
    return render(
        request, "programmes/team/deactivate.html", {"form": form, "colleague": colleague}
    )


@require_POST
@role_required(APPLICANT)
def team_invitation(request: AuthenticatedRequest, invitation_id: int, action: str) -> HttpResponse:
    """Send a waiting or expired invitation again, or withdraw it."""
    _lead_only(request)
    invitation = get_object_or_404(
        Invitation, pk=invitation_id, council=request.user.council, accepted_at=None
    )
    try:
        if action == "resend":
            accounts.invitation_resend(
                actor=request.user, invitation=invitation, site_url=request.build_absolute_uri("/")
            )
            messages.success(request, f"The invitation has been sent again to {invitation.email}")
        elif action == "withdraw":
            accounts.invitation_revoke(actor=request.user, invitation=invitation)
            messages.success(request, f"The invitation to {invitation.email} has been withdrawn")
        else:
            raise Http404("No such action")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("team")
