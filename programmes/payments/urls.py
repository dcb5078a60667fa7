from django.urls import path

from programmes.payments import views

# The council's claims on its awards (docs/money.md).
app_name = "payments"

urlpatterns = [
    path("", views.award_list, name="award_list"),
    path("awards/<int:pk>/", views.award_claims, name="award_claims"),
    path("awards/<int:pk>/claim/", views.claim_create, name="claim_create"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
]
