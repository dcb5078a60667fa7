"""Public open-data downloads: no sign-in (they are published data)."""

from django.urls import path

from programmes.board import views

app_name = "opendata"

urlpatterns = [
    path("", views.open_data, name="index"),
    path("grants.json", views.open_data_json, name="json"),
    path("grants.csv", views.open_data_csv, name="csv"),
]
