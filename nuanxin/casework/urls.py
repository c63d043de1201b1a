from .views import applications, assessments, care_plans, referrals, requests, service_tasks

app_name = "casework"
urlpatterns = [
    *requests.urlpatterns,
    *assessments.urlpatterns,
    *referrals.urlpatterns,
    *applications.urlpatterns,
    *service_tasks.urlpatterns,
    *care_plans.urlpatterns,
]
