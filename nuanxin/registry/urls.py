from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/move/", views.person_move, name="person_move"),
    path("<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("<int:pk>/enrollments/", views.enrollment_add, name="enrollment_add"),
    path(
        "<int:pk>/enrollments/<int:enrollment_pk>/end/",
        views.enrollment_end,
        name="enrollment_end",
    ),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/disabilities/", views.disability_set, name="disability_set"),
    path("<int:pk>/consents/", views.consent_record, name="consent_record"),
    path(
        "<int:pk>/consents/<int:consent_pk>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<int:pk>/devices/", views.device_record, name="device_record"),
    path(
        "<int:pk>/consents/<int:consent_pk>/document/",
        views.consent_document,
        name="consent_document",
    ),
    path("<int:pk>/devices/<int:device_pk>/remove/", views.device_remove, name="device_remove"),
    path("<int:pk>/timeline/", views.person_timeline, name="person_timeline"),
]
