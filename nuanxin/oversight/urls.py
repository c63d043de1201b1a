from django.urls import path

from . import views

app_name = "oversight"
urlpatterns = [
    path("", views.index, name="index"),
    path("spot-checks/", views.spot_checks, name="spot_checks"),
    path("spot-checks/calls/<int:pk>/", views.call_record, name="call_record"),
    path("spot-checks/report/", views.spot_check_report, name="spot_check_report"),
    path("spot-checks/settings/", views.spot_check_setting, name="spot_check_setting"),
]
