from django.urls import path

from . import views

app_name = "mapchange"
urlpatterns = [
    path("", views.change_list, name="change_list"),
    path("new/<str:kind>/", views.change_new, name="change_new"),
    path("<int:pk>/", views.change_detail, name="change_detail"),
]
