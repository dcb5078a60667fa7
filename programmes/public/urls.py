from django.urls import path

from programmes.public import views

app_name = "public"

urlpatterns = [
    path("", views.page, name="page"),
    path("case-studies/<slug:slug>/", views.case_study, name="case_study"),
]
