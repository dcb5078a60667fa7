from django.urls import path

from programmes.public import views

app_name = "public"

urlpatterns = [
    path("", views.page, name="page"),
    # A strand's published item, e.g. case-studies/<slug>/ (programmes.strands.PublicBlock).
    path("<slug:section>/<slug:slug>/", views.item, name="item"),
]
