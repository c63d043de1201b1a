app_name = "ledgers"
urlpatterns = []
