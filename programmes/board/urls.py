from django.urls import path

from programmes.board import views

app_name = "board"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("data/<slug:table>.csv", views.overview_csv, name="overview_csv"),
    path("strands/<slug:key>/", views.strand, name="strand"),
    path("strands/<slug:key>/data/<slug:table>.csv", views.strand_csv, name="strand_csv"),
    path("money/", views.money_out, name="money"),
    path("money/data/<slug:table>.csv", views.money_csv, name="money_csv"),
    path("councils/", views.councils, name="councils"),
    path("councils/<int:pk>/", views.council, name="council"),
    path("councils/<int:pk>/data/<slug:table>.csv", views.council_csv, name="council_csv"),
    path("update/", views.update, name="update"),
    path("papers/", views.papers, name="papers"),
    path("papers/<int:pk>/", views.paper_page, name="paper"),
    path("papers/<int:pk>.pdf", views.paper_pdf, name="paper_pdf"),
]
