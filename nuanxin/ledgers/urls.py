from django.urls import path

from . import views

app_name = "ledgers"
urlpatterns = [
    path("", views.import_start, name="import_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/preview/", views.run_preview, name="run_preview"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/errors.xlsx", views.run_errors, name="run_errors"),
    path("export/people/", views.people_export, name="people_export"),
    path("template.xlsx", views.import_template, name="import_template"),
]
