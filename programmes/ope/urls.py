from django.urls import path

from programmes.ope import views

app_name = "ope"

urlpatterns = [
    path("plan/", views.my_plan, name="my_plan"),
    path("pilots/<int:pk>/", views.plan, name="plan"),
]
