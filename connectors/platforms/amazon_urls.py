from django.urls import path

from . import amazon_views

urlpatterns = [
    path("orders/<int:order_id>/amazon/", amazon_views.amazon_actions_card, name="amazon_actions"),
    path("orders/<int:order_id>/amazon/review/", amazon_views.amazon_review_request, name="amazon_review"),
    path("orders/<int:order_id>/amazon/message/", amazon_views.amazon_message_send, name="amazon_message"),
]
