from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from disputes import views as desk_views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("preferences/", desk_views.preferences, name="preferences"),
    path("admin/", admin.site.urls),
    path("", include("evidence.urls")),
    path("", include("messaging.urls")),
    path("", include("disputes.urls")),
]
