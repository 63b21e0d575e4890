from django.urls import path

from . import web_views

app_name = "integrations"

urlpatterns = [
    path("account/api-tokens/", web_views.api_tokens, name="tokens"),
    path("account/api-tokens/<int:token_id>/revoke/", web_views.api_token_revoke, name="token_revoke"),
    path("stores/<int:store_id>/webhooks/", web_views.store_webhooks, name="webhooks"),
    path("webhooks/<int:webhook_id>/remove/", web_views.webhook_remove, name="webhook_remove"),
]
