from django.urls import path

from . import views

app_name = "oversight"
urlpatterns = [
    path("", views.index, name="index"),
    path("spot-checks/", views.spot_checks, name="spot_checks"),
    path("spot-checks/calls/<int:pk>/", views.call_record, name="call_record"),
    path("spot-checks/report/", views.spot_check_report, name="spot_check_report"),
    path("spot-checks/settings/", views.spot_check_setting, name="spot_check_setting"),
    path("supervision/", views.supervision, name="supervision"),
    path("supervision/teams/new/", views.team_new, name="team_new"),
    path("supervision/teams/<int:team_id>/plans/new/", views.plan_new, name="plan_new"),
    path(
        "supervision/plans/<int:plan_id>/inspections/new/",
        views.inspection_new,
        name="inspection_new",
    ),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("rectifications/", views.rectification_list, name="rectification_list"),
    path("rescue/", views.rescue, name="rescue"),
    path("rescue/patrols/new/", views.patrol_new, name="patrol_new"),
    path("rescue/patrols/<int:pk>/", views.patrol_detail, name="patrol_detail"),
    path("rescue/encounters/<int:pk>/link/", views.encounter_link, name="encounter_link"),
    path("rescue/report/", views.rescue_report, name="rescue_report"),
    path("monthly/", views.monthly_report, name="monthly_report"),
]
