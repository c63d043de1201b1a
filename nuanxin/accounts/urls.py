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
]
