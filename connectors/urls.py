from django.urls import path

from . import views
from .platforms import amazon_urls

app_name = "connectors"

urlpatterns = [
    path("stores/<int:store_id>/connection/", views.connection_page, name="connection"),
    path("stores/<int:store_id>/connection/save/", views.connection_save, name="connection_save"),
    path("stores/<int:store_id>/connection/test/", views.connection_test, name="connection_test"),
    path("stores/<int:store_id>/connection/pause/", views.connection_pause, name="connection_pause"),
    path("stores/<int:store_id>/connection/sync/", views.connection_sync_now, name="connection_sync_now"),
]

# Amazon's actions on an order (connectors/platforms/amazon_views.py).
urlpatterns += amazon_urls.urlpatterns
