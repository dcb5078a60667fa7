from django.urls import path

from applications import views

app_name = "applications"

urlpatterns = [
    path("", views.bid_list, name="bid_list"),
]
