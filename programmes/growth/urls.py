from django.urls import path

from programmes.growth import views

app_name = "growth"

urlpatterns = [
    path("<reference:reference>/", views.adviser_support, name="adviser_support"),
    path("<reference:reference>/adviser/", views.adviser_choose, name="adviser_choose"),
    path("<reference:reference>/days/", views.days_log, name="days_log"),
]
