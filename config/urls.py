from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views import DeskLoginView
from disputes import account_views, catalog_views, health_views
from disputes import views as desk_views

urlpatterns = [
    # For load balancers: no login, no session (disputes/health_views.py).
    path("healthz", health_views.healthz, name="healthz"),
    path("login/", DeskLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/changed/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("password-reset/", account_views.PasswordResetRequestView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("preferences/", desk_views.preferences, name="preferences"),
    path("jsi18n/<str:language>/", catalog_views.javascript_catalog, name="javascript_catalog"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("api/v1/", include("api.urls")),
    path("", include("api.web_urls")),
    path("", include("evidence.urls")),
    path("", include("messaging.urls")),
    path("", include("appeals.urls")),
    path("", include("connectors.urls")),
    path("", include("connectors.ebay_urls")),
    path("", include("disputes.urls")),
]
