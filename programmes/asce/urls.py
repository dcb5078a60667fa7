from django.urls import path

from programmes.asce import views

app_name = "asce"

urlpatterns = [
    path("", views.asce_page, name="asce_page"),
    path("reports/<slug:slug>/document/", views.report_document, name="report_document"),
]
