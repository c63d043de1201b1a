from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("grids/new/", views.grid_create, name="grid_create"),
]
