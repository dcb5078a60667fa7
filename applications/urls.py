from django.urls import path

from applications import views

app_name = "applications"

# References look like PE-2013-0042 (the `reference` converter, productivity/urls.py).
REF = "<reference:reference>"

urlpatterns = [
    path("", views.bid_list, name="bid_list"),
    path("calls/<int:call_id>/start/", views.call_start, name="call_start"),
    path(f"{REF}/", views.bid_detail, name="bid_detail"),
    path(f"{REF}/questions/<slug:slug>/", views.question, name="question"),
    path(f"{REF}/check-your-answers/", views.check_answers, name="check_answers"),
    path(f"{REF}/declaration/", views.declaration, name="declaration"),
    path(f"{REF}/confirmation/", views.confirmation, name="confirmation"),
    path(f"{REF}/documents/", views.document_list, name="document_list"),
    path(f"{REF}/documents/<int:pk>/", views.document_download, name="document_download"),
    path(f"{REF}/documents/<int:pk>/remove/", views.document_remove, name="document_remove"),
    path(f"{REF}/documents/<int:pk>/share/", views.document_share, name="document_share"),
    path(f"{REF}/partner/", views.partner_answer, name="partner_answer"),
    path(f"{REF}/respond/", views.respond, name="respond"),
    path(f"{REF}/withdraw/", views.withdraw, name="withdraw"),
]
