from django.urls import path

from programmes.returns import views

# The council's savings pages: awards, returns, evidence. The namespace keeps
# the name these pages have always had (their addresses are under /savings/).
app_name = "savings"

urlpatterns = [
    path("", views.award_list, name="award_list"),
    path("awards/<int:pk>/", views.award_detail, name="award_detail"),
    path("awards/<int:pk>/report/", views.return_create, name="return_create"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("returns/<int:pk>/", views.return_detail, name="return_detail"),
    path("returns/<int:pk>/lines/add/", views.return_line_add, name="return_line_add"),
    path(
        "returns/<int:pk>/lines/<int:line_pk>/change/",
        views.return_line_change,
        name="return_line_change",
    ),
    path(
        "returns/<int:pk>/lines/<int:line_pk>/remove/",
        views.return_line_remove,
        name="return_line_remove",
    ),
    path("returns/<int:pk>/check/", views.return_check, name="return_check"),
    path("returns/<int:pk>/sent/", views.return_confirmation, name="return_confirmation"),
    # Certification by the council's finance officer, before the catch-all below.
    path("certify/", views.certify_list, name="certify_list"),
    path("returns/<int:pk>/certify/", views.return_certify, name="return_certify"),
    path(
        "returns/<int:pk>/certify/send-back/",
        views.return_certify,
        {"action": "send_back"},
        name="return_not_certified",
    ),
    path("returns/<int:pk>/<slug:action>/", views.return_take_back, name="return_take_back"),
]
