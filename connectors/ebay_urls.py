from django.urls import path

from . import ebay_views

app_name = "ebay"

urlpatterns = [
    path("claims/<int:claim_id>/ebay/answer/", ebay_views.ebay_answer, name="answer"),
    path("claims/<int:claim_id>/ebay/", ebay_views.ebay_card, name="card"),
]
