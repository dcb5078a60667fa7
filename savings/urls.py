from django.urls import path

from savings import views

app_name = "savings"

urlpatterns = [
    path("", views.award_list, name="award_list"),
    path("awards/<int:pk>/", views.award_detail, name="award_detail"),
    path("awards/<int:pk>/report/", views.return_create, name="return_create"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
]
