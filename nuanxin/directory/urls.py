from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("", views.provider_list, name="provider_list"),
    path("new/", views.provider_new, name="provider_new"),
    path("<int:pk>/", views.provider_detail, name="provider_detail"),
    path("<int:pk>/edit/", views.provider_edit, name="provider_edit"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("hotlines/", views.hotline_sheet, name="hotline_sheet"),
]
