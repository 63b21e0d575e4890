"""The user's own account: changing the password, and resetting a forgotten one by e-mail
(Django's auth views, with the desk's templates, language and request limits)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from .network import client_address
from .passwords import DeskPasswordResetForm, password_reset_refusal


class PasswordResetRequestView(auth_views.PasswordResetView):
    form_class = DeskPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form) -> HttpResponse:
        # Links are built on the desk's configured address, never on the request's Host header.
        self.extra_email_context = {"base_url": settings.DESK_BASE_URL}
        refusal = password_reset_refusal(
            address=client_address(self.request), email=form.cleaned_data["email"]
        )
        if refusal:
            form.add_error(None, refusal)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)
