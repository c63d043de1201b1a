from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from nuanxin.api.urls import api

urlpatterns = [
    path("", include("nuanxin.dashboard.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("people/", include("nuanxin.registry.urls")),
    path("ledgers/", include("nuanxin.ledgers.urls")),
    path("", include("nuanxin.visits.urls")),
    path("", include("nuanxin.casework.urls")),
    path("directory/", include("nuanxin.directory.urls")),
    path("care/", include("nuanxin.care.urls")),
    path("audit/", include("nuanxin.audit.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("nuanxin.accounts.urls")),
    path("oversight/", include("nuanxin.oversight.urls")),
    path("campaigns/", include("nuanxin.campaigns.urls")),
    path("funds/", include("nuanxin.campaigns.fund_urls")),
]
