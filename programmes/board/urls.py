from django.urls import path

from programmes.board import views

app_name = "board"

urlpatterns = [
    path("", views.overview, name="overview"),
]
