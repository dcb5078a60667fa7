from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from django.views.generic import TemplateView

from applications.converters import ReferenceConverter
from programmes import views as programme_views
from programmes.forms import SignInForm

# Before the includes below: the bid and growth URLs take `<reference:…>`.
register_converter(ReferenceConverter, "reference")

admin.site.site_header = "Productivity Programme administration"
admin.site.site_title = "Productivity Programme admin"
admin.site.index_title = "LGA officers' workspace"

urlpatterns = [
    path("", programme_views.home, name="home"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "signed-out/",
        TemplateView.as_view(template_name="registration/signed_out.html"),
        name="signed_out",
    ),
    path("accessibility/", programme_views.accessibility, name="accessibility"),
    path("healthz", programme_views.healthz, name="healthz"),
    path("bids/", include("applications.urls")),
    path("adult-social-care-efficiency/", include("programmes.asce.urls")),
    path("growth-advisers/", include("programmes.growth.urls")),
    path("board/", include("programmes.board.urls")),
    path("open-data/", include("programmes.board.opendata_urls")),
    path("savings/", include("savings.urls")),
    path("ope/", include("programmes.ope.urls")),
    path("productivity-and-commissioning/", include("programmes.public.urls")),
    path("admin/", admin.site.urls),
]
