from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import include, path, register_converter
from django.views.generic import TemplateView

from applications.converters import ReferenceConverter
from productivity import health
from programmes import account_views
from programmes import views as programme_views
from programmes.access import second_factor_required
from programmes.forms import (
    AdminSignInForm,
    ChangePasswordForm,
    NewPasswordForm,
    PasswordResetRequestForm,
)
from programmes.signin import ThrottledPasswordResetView
from programmes.twofactor.views import SignInView

# Before the includes below: the bid and growth URLs take `<reference:…>`.
register_converter(ReferenceConverter, "reference")

admin.site.site_header = "Productivity Programme administration"
admin.site.site_title = "Productivity Programme admin"
admin.site.index_title = "LGA officers' workspace"
# Throttled like /sign-in/, and says when a lockout ends (programmes.signin).
admin.site.login_form = AdminSignInForm

# Old admin path -> new, for models that moved to another app.
MOVED_ADMIN_PAGES = {
    "applications/notice": "notices/notice",
    "savings/savingsreturn": "returns/savingsreturn",
    "savings/returnreminder": "returns/returnreminder",
}


def moved_admin_page(request: HttpRequest, new: str, rest: str = "") -> HttpResponse:
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"/admin/{new}/{rest}" + (f"?{query}" if query else ""))


urlpatterns = [
    path("", programme_views.home, name="home"),
    path("favicon.ico", programme_views.favicon, name="favicon"),
    # The password; then the second factor at sign-in/code/ (programmes/twofactor).
    path("sign-in/", SignInView.as_view(), name="login"),
    path("", include("programmes.twofactor.urls")),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset: the same "check your email" page whether or not the
    # address has an account, so the form cannot be used to find accounts.
    path(
        "password-reset/",
        ThrottledPasswordResetView.as_view(
            form_class=PasswordResetRequestForm,
            template_name="registration/password_reset_form.html",
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=NewPasswordForm,
            template_name="registration/password_reset_new.html",
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    # Changing a password signs out every other session; this one stays
    # (PasswordChangeView calls update_session_auth_hash).
    # Only once the session has given its second factor, where one is needed.
    path(
        "account/password/",
        second_factor_required(
            auth_views.PasswordChangeView.as_view(
                form_class=ChangePasswordForm,
                template_name="registration/password_change.html",
            )
        ),
        name="password_change",
    ),
    path(
        "account/password/changed/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "signed-out/",
        TemplateView.as_view(template_name="registration/signed_out.html"),
        name="signed_out",
    ),
    # Invitations (programmes/accounts.py): the emailed link, and a council
    # lead's page of colleagues. Officers invite in the admin.
    path("invitation/<str:token>/", account_views.invitation_accept, name="invitation_accept"),
    path("account/team/", account_views.team, name="team"),
    path("account/team/invite/", account_views.team_invite, name="team_invite"),
    path(
        "account/team/<int:user_id>/deactivate/",
        account_views.team_deactivate,
        name="team_deactivate",
    ),
    path(
        "account/team/invitations/<int:invitation_id>/<slug:action>/",
        account_views.team_invitation,
        name="team_invitation",
    ),
    path("accessibility/", programme_views.accessibility, name="accessibility"),
    path("healthz", health.healthz, name="healthz"),
    path("bids/", include("applications.urls")),
    path("adult-social-care-efficiency/", include("programmes.asce.urls")),
    path("growth-advisers/", include("programmes.growth.urls")),
    path("board/", include("programmes.board.urls")),
    path("open-data/", include("programmes.board.opendata_urls")),
    path("savings/", include("programmes.returns.urls")),
    path("claims/", include("programmes.payments.urls")),
    path("ope/", include("programmes.ope.urls")),
    path("productivity-and-commissioning/", include("programmes.public.urls")),
    # Admin pages of models that moved app keep their old addresses as
    # redirects (docs/architecture.md, "Layers").
    *[
        path(f"admin/{old}/{rest}", moved_admin_page, {"new": new})
        for old, new in MOVED_ADMIN_PAGES.items()
        for rest in ("", "<path:rest>")
    ],
    path("admin/", admin.site.urls),
]
