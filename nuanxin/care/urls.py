from django.urls import path

from . import views

app_name = "care"
urlpatterns = [
    path("", views.agreement_list, name="agreement_list"),
    path("agreements/new/<int:person_id>/", views.agreement_new, name="agreement_new"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/check/", views.check_new, name="check_new"),
    path("agreements/<int:pk>/document/", views.agreement_document, name="agreement_document"),
    path("pairings/", views.pairing_list, name="pairing_list"),
    path("pairings/new/<int:person_id>/", views.pairing_new, name="pairing_new"),
    path("pairings/<int:pk>/activity/", views.activity_new, name="activity_new"),
    path("pairing-coverage/", views.pairing_coverage, name="pairing_coverage"),
    path("guardianship/<int:person_id>/", views.guardianship, name="guardianship"),
    path("screenings/", views.screening_list, name="screening_list"),
    path("screenings/new/", views.screening_new, name="screening_new"),
    path("screenings/<int:pk>/", views.screening_detail, name="screening_detail"),
    path(
        "screenings/<int:pk>/result/<int:person_id>/",
        views.screening_result,
        name="screening_result",
    ),
]
