from django.urls import path

from programmes.twofactor import views

app_name = "twofactor"

urlpatterns = [
    path("sign-in/code/", views.verify, name="verify"),
    path("account/two-factor/", views.account, name="account"),
    path("account/two-factor/set-up/", views.setup, name="setup"),
    path("account/two-factor/backup-codes/", views.backup_codes, name="backup_codes"),
    path("account/two-factor/backup-codes/new/", views.backup_codes_new, name="backup_codes_new"),
    path("account/two-factor/reset/", views.reset, name="reset"),
]
