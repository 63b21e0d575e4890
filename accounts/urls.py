from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/second-factor/", views.second_factor, name="second_factor"),
    path("sso/<slug:slug>/", views.sso_start, name="sso_start"),
    path("sso/<slug:slug>/callback/", views.sso_callback, name="sso_callback"),
    path("account/", views.account, name="account"),
    path("account/two-factor/app/", views.totp_start, name="totp_start"),
    path("account/two-factor/app/confirm/", views.totp_confirm, name="totp_confirm"),
    path("account/two-factor/app/remove/", views.totp_remove, name="totp_remove"),
    path("account/two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("account/stores/<int:store_id>/two-factor/", views.store_requirement, name="store_requirement"),
    path("account/passkeys/begin/", views.passkey_register_begin, name="passkey_register_begin"),
    path("account/passkeys/complete/", views.passkey_register_complete, name="passkey_register_complete"),
    path("account/passkeys/<int:passkey_id>/remove/", views.passkey_remove, name="passkey_remove"),
    path("login/passkey/begin/", views.passkey_signin_begin, name="passkey_signin_begin"),
    path("login/passkey/complete/", views.passkey_signin_complete, name="passkey_signin_complete"),
]
