from django.urls import path

from . import views

app_name = "appeals"

# The paths are the ones the builder had when it lived in `disputes`, so bookmarks keep working.
urlpatterns = [
    path("claims/<int:claim_id>/appeals/new/", views.appeal_new, name="new"),
    path("claims/<int:claim_id>/advice/", views.claim_advice, name="advice"),
    path("claims/<int:claim_id>/advice/choice/", views.claim_choose, name="choose"),
    path("appeals/<int:appeal_id>/", views.appeal_builder, name="appeal"),
    path("appeals/<int:appeal_id>/preview/", views.appeal_preview, name="preview"),
    path("appeals/<int:appeal_id>/save/", views.appeal_save, name="save"),
    path("appeals/<int:appeal_id>/appeal.pdf", views.appeal_pdf, name="pdf"),
    path("appeals/<int:appeal_id>/appeal.txt", views.appeal_text, name="text"),
    path("appeals/<int:appeal_id>/submit/", views.appeal_submit, name="submit"),
    path("appeals/<int:appeal_id>/decision/", views.appeal_decide, name="decide"),
]
