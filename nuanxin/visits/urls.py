from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/new/<int:person_id>/", views.visit_new, name="visit_new"),
    path("visits/person/<int:person_id>/", views.person_visits, name="person_visits"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/sign/", views.coverage_sign, name="coverage_sign"),
    path("coverage/countersign/<int:pk>/", views.coverage_countersign, name="coverage_countersign"),
    path("blind-spots/", views.blind_spots, name="blind_spots"),
    path("follow-ups/", views.follow_up_list, name="follow_up_list"),
    path("cold-snaps/", views.cold_snap_list, name="cold_snap_list"),
    path("cold-snaps/<int:pk>/cancel/", views.cold_snap_cancel, name="cold_snap_cancel"),
]
