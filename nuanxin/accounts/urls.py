from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("security/", views.security, name="security"),
    path("otp/", views.otp_verify, name="otp_verify"),
    path("otp/enrol/", views.otp_enrol, name="otp_enrol"),
    path("otp/recovery-codes/", views.otp_recovery, name="otp_recovery"),
    path("otp/remove/", views.otp_remove, name="otp_remove"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("locks/", views.lock_list, name="lock_list"),
    path("locks/lift/", views.lock_lift, name="lock_lift"),
    path("password/", views.password_change, name="password_change"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/import/", views.roster_import, name="roster_import"),
    path("staff/grids/new/", views.grid_create, name="grid_create"),
    path("staff/import/credentials/", views.roster_credentials, name="roster_credentials"),
]
