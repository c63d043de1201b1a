from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_new, name="campaign_new"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/progress/", views.campaign_progress, name="campaign_progress"),
    path("<int:pk>/status/", views.campaign_transition, name="campaign_transition"),
    path("<int:pk>/allocate/", views.campaign_allocate, name="campaign_allocate"),
    path("<int:pk>/allocations/", views.allocation_list, name="allocation_list"),
    path("<int:pk>/export/", views.campaign_export, name="campaign_export"),
    path("<int:pk>/hotlines/", views.hotline_sheet, name="hotline_sheet"),
    path("<int:pk>/delivery-list/", views.delivery_list, name="delivery_list"),
    path("allocations/<int:pk>/", views.allocation_detail, name="allocation_detail"),
]
