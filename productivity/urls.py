from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from django.views.generic import TemplateView

from applications.converters import ReferenceConverter
from programmes import views as programme_views
from programmes.twofactor.views import SignInView

# Before the includes below: the bid and growth URLs take `<reference:…>`.
register_converter(ReferenceConverter, "reference")

admin.site.site_header = "Productivity Programme administration"
admin.site.site_title = "Productivity Programme admin"
admin.site.index_title = "LGA officers' workspace"

urlpatterns = [
    path("", programme_views.home, name="home"),
    # The password; then the second factor at sign-in/code/ (programmes/twofactor).
    path("sign-in/", SignInView.as_view(), name="login"),
    path("", include("programmes.twofactor.urls")),
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
