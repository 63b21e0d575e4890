from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("orders/<int:order_id>/evidence/", views.order_panel, name="panel"),
    path("orders/<int:order_id>/evidence/upload/", views.upload, name="upload"),
    path("orders/<int:order_id>/evidence/compare/", views.compare, name="compare"),
    path("claims/<int:claim_id>/evidence/checklist/", views.claim_checklist, name="checklist"),
    path("evidence/<int:item_id>/", views.card, name="card"),
    path("evidence/<int:item_id>/edit/", views.edit, name="edit"),
    path("evidence/<int:item_id>/delete/", views.delete, name="delete"),
    path("evidence/<int:item_id>/original/", views.download, name="download"),
    path("evidence/<int:item_id>/thumb/", views.image, {"size": "thumb"}, name="thumb"),
    path("evidence/<int:item_id>/preview/", views.image, {"size": "preview"}, name="preview"),
]
