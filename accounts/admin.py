from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import twofactor
from .audit import record
from .models import OidcProvider, OidcStoreGrant, SignInEvent, SignInKind, SignInSecurity


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "kind", "method", "address", "user_agent"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "address"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class OidcStoreGrantInline(admin.TabularInline):
    model = OidcStoreGrant
    extra = 1


@admin.register(OidcProvider)
class OidcProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "issuer", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OidcStoreGrantInline]


@admin.register(SignInSecurity)
class SignInSecurityAdmin(admin.ModelAdmin):
    """The lost-device path: an admin checks who is asking, then resets their second factors."""

    list_display = ["username", "email", "has_app", "passkeys", "recovery_codes_left"]
    search_fields = ["username", "email"]
    fields = ["username", "email"]
    readonly_fields = ["username", "email"]
    actions = ["reset_second_factors"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(boolean=True, description=_("authenticator app"))
    def has_app(self, user: User) -> bool:
        return hasattr(user, "totp_device") and user.totp_device.confirmed_at is not None

    @admin.display(description=_("passkeys"))
    def passkeys(self, user: User) -> int:
        return user.passkeys.count()

    @admin.display(description=_("recovery codes left"))
    def recovery_codes_left(self, user: User) -> int:
        return twofactor.recovery_codes_left(user)

    @admin.action(description=_("Reset second factors (lost device)"))
    def reset_second_factors(self, request: HttpRequest, queryset: QuerySet[SignInSecurity]) -> None:
        for user in queryset:
            twofactor.reset_second_factors(user)
            record(
                request,
                SignInKind.TWO_FACTOR_RESET,
                user=user,
                detail=f"by {request.user.get_username()}",
            )
        self.message_user(
            request,
            _("Second factors reset for %(count)d users.") % {"count": len(queryset)},
            messages.SUCCESS,
        )
