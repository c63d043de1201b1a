from django.urls import path

from . import fund_views

app_name = "funds"
urlpatterns = [
    path("", fund_views.fund_list, name="fund_list"),
    path("<int:pk>/", fund_views.fund_detail, name="fund_detail"),
    path("<int:pk>/export/", fund_views.fund_export, name="fund_export"),
]
