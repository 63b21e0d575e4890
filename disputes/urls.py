from django.urls import path

from . import import_views, views

app_name = "disputes"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("stores/<int:store_id>/", views.store_detail, name="store"),
    path("imports/", import_views.import_orders, name="import_orders"),
]
