from django.urls import path

from programmes.growth import views

app_name = "growth"

urlpatterns = [
    path("<str:reference>/", views.adviser_support, name="adviser_support"),
    path("<str:reference>/adviser/", views.adviser_choose, name="adviser_choose"),
    path("<str:reference>/days/", views.days_log, name="days_log"),
]
